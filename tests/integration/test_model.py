"""The real yolo11n-pose model on the real photos ultralytics ships, and model provisioning
errors."""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hingecheck import errors
from hingecheck.pose import provision
from hingecheck.pose.model import FrameDetections, ModelSpec, PoseModel
from hingecheck.settings import Settings
from hingecheck.synth.photo_clip import shipped_photo

NOSE, L_SH, R_SH, L_HIP, R_HIP, L_KNEE, R_KNEE = 0, 5, 6, 11, 12, 13, 14


def confident_people(dets: FrameDetections,
                     min_score: float = 0.5) -> list[tuple[np.ndarray, np.ndarray]]:
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


def test_people_on_the_bus_photo(pose_model: PoseModel) -> None:
    image = cv2.imread(str(shipped_photo("bus.jpg")))
    assert image is not None
    (dets,) = pose_model.predict([image])
    people = confident_people(dets)
    assert len(people) >= 3  # three pedestrians in full view, one cut by the frame edge
    for box, kp in people:
        assert_plausible_body(box, kp)


def test_two_people_in_zidane_photo(pose_model: PoseModel) -> None:
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    assert image is not None
    (dets,) = pose_model.predict([image])
    people = confident_people(dets)
    assert len(people) == 2
    for box, kp in people:
        assert_plausible_body(box, kp)


def test_a_batch_gives_the_same_answer_as_one_by_one(pose_model: PoseModel) -> None:
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    assert image is not None
    (alone,) = pose_model.predict([image])
    batch = pose_model.predict([image, cv2.flip(image, 1), image])
    np.testing.assert_allclose(batch[0].keypoints[..., :2], alone.keypoints[..., :2], atol=1.0)
    np.testing.assert_allclose(batch[2].boxes, alone.boxes, atol=1.0)


def test_keypoints_come_back_in_display_pixels(pose_model: PoseModel) -> None:
    image = cv2.imread(str(shipped_photo("zidane.jpg")))
    assert image is not None
    half = cv2.resize(image, None, fx=0.5, fy=0.5)
    (full,) = pose_model.predict([image])
    (scaled,) = pose_model.predict([half], [0.5])
    order_full = np.argsort(full.boxes[:, 0])
    order_half = np.argsort(scaled.boxes[:, 0])
    diff = np.abs(full.boxes[order_full] - scaled.boxes[order_half])
    assert diff.max() < 0.03 * image.shape[0]


def test_missing_openvino_export_names_the_fetch_command(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path)
    with pytest.raises(errors.ModelError, match="hingecheck model fetch"):
        ModelSpec.from_settings(settings)


def test_corrupt_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / provision.WEIGHTS_NAME).write_bytes(b"\x00" * 1024)
    with pytest.raises(errors.ModelError, match="corrupt"):
        provision.verify_weights(tmp_path / provision.WEIGHTS_NAME)


def test_a_changed_export_is_refused(tmp_path: Path, settings: Settings) -> None:
    """The IR is checked against the sha256s recorded when it was exported."""
    copy = provision.openvino_path(settings.model_copy(update={"model_dir": tmp_path}))
    shutil.copytree(provision.openvino_path(settings), copy)
    with (copy / "yolo11n-pose.bin").open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 16)
    with pytest.raises(errors.ModelError, match="corrupt"):
        ModelSpec.from_settings(Settings(model_dir=tmp_path))


def test_custom_model_path_must_exist(tmp_path: Path) -> None:
    settings = Settings(pose_model=tmp_path / "nope_openvino_model")
    with pytest.raises(errors.ModelError, match="HINGECHECK_POSE_MODEL"):
        ModelSpec.from_settings(settings)


def test_custom_model_must_be_openvino(tmp_path: Path) -> None:
    weights = tmp_path / "yolo11n-pose.pt"
    weights.write_bytes(b"\x00" * 64)
    with pytest.raises(errors.ModelError, match="not an OpenVINO model"):
        ModelSpec.from_settings(Settings(pose_model=weights))


def test_export_without_torch_says_how(tmp_path: Path, settings: Settings) -> None:
    """The runtime cannot export by itself; the error names the export environment."""
    if importlib.util.find_spec("ultralytics") is not None:
        pytest.skip("this environment carries ultralytics, so it could export itself")
    shutil.copyfile(provision.weights_path(settings), tmp_path / provision.WEIGHTS_NAME)
    bare = Settings(model_dir=tmp_path, export_python=None)
    with pytest.raises(errors.ModelError, match="make model"):
        provision.export_openvino(bare)


def test_provisioned_weights_and_photos_verify(settings: Settings) -> None:
    provision.verify_weights(provision.weights_path(settings))  # raises if wrong
    assert provision.verify_person_mask(settings) == provision.person_mask_path(settings)
    for name, digest in provision.PHOTOS_SHA256.items():
        provision.verify_file(provision.photo_path(settings, name), digest, name)


def _export_python() -> str:
    python = os.environ.get("HINGECHECK_EXPORT_PYTHON")
    if not python or not Path(python).is_file():
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail("HINGECHECK_EXPORT_PYTHON must name the export environment's Python")
        pytest.skip("no export environment (HINGECHECK_EXPORT_PYTHON) to run ultralytics in")
    return python


def _frames_of(clips: list[Path], every: int, out: Path) -> list[Path]:
    paths = []
    for clip in clips:
        with av.open(str(clip)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i % every == 0:
                    path = out / f"{clip.stem}_{i:04d}.png"
                    cv2.imwrite(str(path), frame.to_ndarray(format="bgr24"))
                    paths.append(path)
    return paths


@pytest.mark.real_footage
def test_keypoints_match_ultralytics_on_real_frames(real_footage: Path, tmp_path: Path,
                                                    settings: Settings) -> None:
    """Our letterbox, decoding and NMS around the same OpenVINO network give the answer
    ultralytics' predictor gives, on real lifters: the same persons, keypoints within
    0.5 px (measured: identical on these frames), boxes within 0.5 px."""
    from hingecheck.pose.model import get_pose_model

    clips = [real_footage / c for c in ("deadlift-b/good/good018.mp4",
                                        "deadlift-b/bad/bad011.mp4", "deadlift-c/rdl.mp4")]
    images = _frames_of(clips, 12, tmp_path)
    images += [provision.photo_path(settings, n) for n in ("bus.jpg", "zidane.jpg")]
    # The same precision as ultralytics' (OpenVINO's own choice on this CPU).
    ours = get_pose_model(settings.model_copy(update={"inference_precision": "auto"}))
    reference = Path(__file__).with_name("ultralytics_reference.py")
    proc = subprocess.run([_export_python(), str(reference), str(provision.openvino_path(
        settings)), *map(str, images)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answers = json.loads(proc.stdout)
    assert len(answers) == len(images) > 20
    compared = 0
    for image, answer in zip(images, answers, strict=True):
        picture = cv2.imread(str(image))
        assert picture is not None
        (dets,) = ours.predict([picture])
        ref_kps = np.asarray(answer["keypoints"]).reshape(-1, 17, 3)
        assert len(dets) == len(ref_kps), image.name
        if not len(dets):
            continue
        a, b = np.argsort(-dets.scores, kind="stable"), np.argsort(-np.asarray(answer["scores"]))
        np.testing.assert_allclose(dets.boxes[a], np.asarray(answer["boxes"])[b], atol=0.5)
        np.testing.assert_allclose(dets.keypoints[a][..., :2], ref_kps[b][..., :2], atol=0.5)
        np.testing.assert_allclose(dets.keypoints[a][..., 2], ref_kps[b][..., 2], atol=0.01)
        compared += len(dets)
    assert compared >= 20
