"""The real yolo11n-pose model on the real photos ultralytics ships, and model provisioning
errors."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from hingecheck import errors
from hingecheck.pose import provision
from hingecheck.pose.model import ModelSpec
from hingecheck.settings import Settings
from hingecheck.synth.photo_clip import shipped_photo

NOSE, L_SH, R_SH, L_HIP, R_HIP, L_KNEE, R_KNEE = 0, 5, 6, 11, 12, 13, 14


def confident_people(dets, min_score: float = 0.5):  # type: ignore[no-untyped-def]
    return [(dets.boxes[i], dets.keypoints[i]) for i in range(len(dets))
            if dets.scores[i] >= min_score]


def assert_plausible_body(box: np.ndarray, kp: np.ndarray) -> None:
    """Confident keypoints lie in the box (10% margin) and in head-to-toe order."""
    h = box[3] - box[1]
    w = box[2] - box[0]
    seen = kp[:, 2] >= 0.5
    xy = kp[seen, :2]
    assert (xy[:, 0] >= box[0] - 0.1 * w).all() and (xy[:, 0] <= box[2] + 0.1 * w).all()
    assert (xy[:, 1] >= box[1] - 0.1 * h).all() and (xy[:, 1] <= box[3] + 0.1 * h).all()

    def y(i: int) -> float | None:
        return float(kp[i, 1]) if kp[i, 2] >= 0.5 else None

    order = [(NOSE, L_SH), (NOSE, R_SH), (L_SH, L_HIP), (R_SH, R_HIP), (L_HIP, L_KNEE),
             (R_HIP, R_KNEE)]
    checked = 0
    for upper, lower in order:
        a, b = y(upper), y(lower)
        if a is not None and b is not None:
            assert a < b, f"keypoint {upper} should be above {lower}"
            checked += 1
    assert checked >= 2


def test_people_on_the_bus_photo(pose_model) -> None:  # type: ignore[no-untyped-def]
    image = cv2.imread(str(shipped_photo("bus.jpg")))
    (dets,) = pose_model.predict([image])
    people = confident_people(dets)
    assert len(people) >= 3  # three pedestrians in full view, one cut by the frame edge
    for box, kp in people:
        assert_plausible_body(box, kp)


def test_two_people_in_zidane_photo(pose_model) -> None:  # type: ignore[no-untyped-def]
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    (dets,) = pose_model.predict([image])
    people = confident_people(dets)
    assert len(people) == 2
    for box, kp in people:
        assert_plausible_body(box, kp)


def test_a_batch_gives_the_same_answer_as_one_by_one(pose_model) -> None:  # type: ignore[no-untyped-def]
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    (alone,) = pose_model.predict([image])
    batch = pose_model.predict([image, cv2.flip(image, 1), image])
    np.testing.assert_allclose(batch[0].keypoints[..., :2], alone.keypoints[..., :2], atol=1.0)
    np.testing.assert_allclose(batch[2].boxes, alone.boxes, atol=1.0)


def test_keypoints_come_back_in_display_pixels(pose_model) -> None:  # type: ignore[no-untyped-def]
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    half = cv2.resize(image, None, fx=0.5, fy=0.5)
    (full,) = pose_model.predict([image])
    (scaled,) = pose_model.predict([half], [0.5])
    order_full = np.argsort(full.boxes[:, 0])
    order_half = np.argsort(scaled.boxes[:, 0])
    diff = np.abs(full.boxes[order_full] - scaled.boxes[order_half])
    assert diff.max() < 0.03 * image.shape[0]


def test_missing_weights_name_the_fetch_command(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path, backend="torch")
    with pytest.raises(errors.ModelError, match="hingecheck model fetch"):
        ModelSpec.from_settings(settings)


def test_corrupt_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / provision.WEIGHTS_NAME).write_bytes(b"\x00" * 1024)
    settings = Settings(model_dir=tmp_path, backend="torch")
    with pytest.raises(errors.ModelError, match="corrupt"):
        ModelSpec.from_settings(settings)


def test_missing_openvino_export_names_the_fetch_command(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path, backend="openvino")
    with pytest.raises(errors.ModelError, match="hingecheck model fetch"):
        ModelSpec.from_settings(settings)


def test_custom_model_path_must_exist(tmp_path: Path) -> None:
    settings = Settings(pose_model=tmp_path / "nope.pt")
    with pytest.raises(errors.ModelError, match="HINGECHECK_POSE_MODEL"):
        ModelSpec.from_settings(settings)


def test_provisioned_weights_verify(settings: Settings) -> None:
    provision.verify_weights(provision.weights_path(settings))  # raises if wrong
    assert provision.sha256_of(provision.weights_path(settings)) == provision.WEIGHTS_SHA256


def test_torch_and_openvino_backends_agree(settings: Settings) -> None:
    from hingecheck.pose.model import get_pose_model

    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    found = {}
    for backend in ("torch", "openvino"):
        model = get_pose_model(settings.model_copy(update={"backend": backend}))
        assert model.spec.backend == backend
        (dets,) = model.predict([image])
        order = np.argsort(dets.boxes[:, 0])
        found[backend] = dets.keypoints[order]
    assert found["torch"].shape == found["openvino"].shape
    both = (found["torch"][..., 2] > 0.5) & (found["openvino"][..., 2] > 0.5)
    gap = np.linalg.norm(found["torch"][..., :2] - found["openvino"][..., :2], axis=-1)[both]
    assert gap.size > 10 and np.median(gap) < 3.0  # pixels on a 1280×720 photo
