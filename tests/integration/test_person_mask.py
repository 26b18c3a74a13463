"""The lifter's person mask (BlazePose's segmentation on OpenVINO, provisioned at install):
it finds the drawn body, its outline does not follow a caption beside the back, it measures
the back where the camera moves, and a missing or damaged model file is refused by name."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hingecheck import errors
from hingecheck.analysis.back import profile as silhouette
from hingecheck.analysis.back.background import Background
from hingecheck.pipeline import analyze_video
from hingecheck.pose import provision
from hingecheck.pose.model import PoseModel
from hingecheck.pose.personmask import PersonMasker, get_masker
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.synth.body import Proportions, pose_body
from hingecheck.synth.draw import Style, background, draw_body
from hingecheck.synth.generate import _camera, generate_clip
from hingecheck.synth.motion import EXERCISES, bottom_pose
from hingecheck.synth.truth import ClipParams
from hingecheck.video.encode import write_h264

pytestmark = pytest.mark.model


def _rdl_bottom(seed: int, facing: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A generated RDL bottom at 854×480: (frame, its backdrop, the body's true pixels)."""
    rng = np.random.default_rng(seed)
    params = ClipParams(facing=facing)  # type: ignore[arg-type]
    body, style = Proportions().varied(rng), Style.random(rng)
    sk = pose_body(bottom_pose(EXERCISES["rdl"], "good", None, rng, body, "barbell"), body)
    cam = _camera(params, 854, 480, "rdl")
    backdrop = background(480, 854, cam.floor_y, rng, False)
    img = backdrop.copy()
    draw_body(img, sk, body, cam, style, "barbell")
    return cv2.GaussianBlur(img, (0, 0), 0.8), backdrop, (img != backdrop).any(axis=2)


def _keypoints(pose_model: PoseModel, image: np.ndarray) -> np.ndarray:
    found = pose_model.predict([image])[0]
    assert len(found), "the pose model did not find the drawn lifter"
    k = found.keypoints[int(np.argmax(found.scores))]
    return np.where(k[:, 2:3] >= 0.3, k[:, :2], np.nan)


def _chord(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.nanmean(xy[[11, 12]], axis=0), np.nanmean(xy[[5, 6]], axis=0)


@pytest.mark.parametrize("seed,facing", [(1, "right"), (2, "left")])
def test_the_mask_covers_the_drawn_body(settings: Settings, pose_model: PoseModel, seed: int,
                                        facing: str) -> None:
    """Against the pixels the body changed, in a band around the trunk (where the back's
    outline is traced)."""
    frame, _, truth = _rdl_bottom(seed, facing)
    mask = get_masker(settings).mask(frame, _keypoints(pose_model, frame))
    assert mask is not None
    hip, shoulder = _chord(_keypoints(pose_model, frame))
    torso = np.zeros_like(truth)  # the trunk's neighbourhood, where the outline is traced
    cv2.line(torso.view(np.uint8), tuple(int(v) for v in hip), tuple(int(v) for v in shoulder),
             1, int(np.linalg.norm(shoulder - hip)))
    iou = (mask & truth & torso).sum() / max(1, ((mask | truth) & torso).sum())
    assert iou > 0.85, f"person mask against the body around the trunk: IoU {iou:.2f}"


def test_a_caption_beside_the_back_moves_the_background_outline_not_the_mask(
        settings: Settings, pose_model: PoseModel) -> None:
    frame, backdrop, _ = _rdl_bottom(3, "right")
    xy = _keypoints(pose_model, frame)
    hip, shoulder = _chord(xy)
    out = silhouette.dorsal_normal(hip, shoulder, 1.0)
    mid = (hip + shoulder) / 2 + out * 0.55 * float(np.linalg.norm(shoulder - hip))
    captioned = frame.copy()
    cv2.rectangle(captioned, (int(mid[0]) - 40, int(mid[1]) - 12),
                  (int(mid[0]) + 40, int(mid[1]) + 12), (40, 40, 200), -1)
    masker = get_masker(settings)
    model = Background(np.asarray(cv2.GaussianBlur(backdrop, (0, 0), 0.8), np.uint8),
                       np.ones(frame.shape[:2], bool), 0.0)

    def heights(img: np.ndarray, source: str) -> np.ndarray:
        person = masker.mask(img, xy) if source == "person" else None
        bg = model if source == "background" else None
        return silhouette.back_profile(img, bg, hip, shoulder, 1.0, person=person).heights

    moved_mask = np.nanmax(np.abs(heights(captioned, "person") - heights(frame, "person")))
    moved_bg = np.nanmax(np.abs(heights(captioned, "background")
                                - heights(frame, "background")))
    assert moved_bg > 0.15, "the caption should have caught the background model's march"
    assert moved_mask < 0.03, f"the person mask's outline moved {moved_mask:.3f} chords"


def test_the_back_reads_the_same_while_the_camera_pans(tmp_path: Path, settings: Settings,
                                                        pose_model: PoseModel) -> None:
    """A generated rep, and the same rep re-filmed by a camera panning 2 px per frame past a
    textured wall. Traced on the person mask the back reads as on the still clip; traced on
    the background model it does not (the pan is too slow for the still-camera check to
    notice: the background is simply wrong)."""
    still = tmp_path / "still.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, resolution=480, seed=21,
                             textured_background=True), still)
    with av.open(str(still)) as src:
        frames = [f.to_ndarray(format="bgr24") for f in src.decode(video=0)]
    step = 2
    w = (frames[0].shape[1] - step * len(frames)) // 2 * 2  # H.264 wants even sides
    panned = tmp_path / "panned.mp4"
    write_h264(panned, (f[:, step * i:step * i + w] for i, f in enumerate(frames)), fps=30.0)

    def drift(source: str) -> float:
        chosen = settings.model_copy(update={"back_outline": source})
        a, b = (analyze_video(p, chosen, exercise="rdl", model=pose_model)
                for p in (still, panned))
        assert b.back.measured and b.back.outline == source
        bulges = [np.array(r.series.back_bulge, dtype=float) for r in (a, b)]
        return float(np.nanmean(np.abs(bulges[0] - bulges[1])))

    by_mask, by_background = drift("person"), drift("background")
    assert by_mask < 0.03, f"the person mask's bulge moved {by_mask:.3f} chords with the pan"
    assert by_background > 0.05, f"the background model's moved only {by_background:.3f}"


def test_a_missing_mask_model_names_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(errors.ModelError, match="hingecheck model fetch"):
        get_masker(Settings(model_dir=tmp_path))


def test_a_damaged_mask_model_is_refused(tmp_path: Path, settings: Settings) -> None:
    damaged = provision.person_mask_path(Settings(model_dir=tmp_path))
    data = bytearray(provision.verify_person_mask(settings).read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(errors.ModelError, match="corrupt"):
        get_masker(Settings(model_dir=tmp_path))


def test_a_file_that_is_no_network_is_refused_by_name(tmp_path: Path) -> None:
    bogus = tmp_path / "pose_landmark_full.tflite"
    bogus.write_bytes(b"not a network")
    with pytest.raises(errors.ModelError, match="did not load"):
        PersonMasker(bogus)


def test_the_second_opinion_moves_the_legs_alone(tmp_path: Path, settings: Settings,
                                                 pose_model: PoseModel) -> None:
    """HINGECHECK_SECOND_OPINION=true (off by default, docs/pose.md): BlazePose's hips,
    knees and ankles are averaged in; the head, arms and shoulders are yolo11n-pose's."""
    clip = tmp_path / "rep.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, resolution=480, seed=22), clip)
    plain, blended = (analyze_video(clip, settings.model_copy(update={"second_opinion": on}),
                                    exercise="rdl", model=pose_model) for on in (False, True))

    def points(result: AnalysisResult) -> np.ndarray:
        return np.array([[p[:2] if p else (np.nan, np.nan) for p in frame]
                         for frame in result.pose.keypoints], dtype=float)

    a, b = points(plain), points(blended)
    np.testing.assert_allclose(a[:, :11], b[:, :11], atol=0.01)
    moved = np.nanmedian(np.abs(a[:, 11:17] - b[:, 11:17]))
    assert 0.05 < moved < 20, f"legs moved a median {moved:.2f} px"
