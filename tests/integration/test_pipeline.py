"""The pose stage on clips with real people (from ultralytics' photos), written in code."""

from pathlib import Path

import cv2
import numpy as np
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.model import PoseModel
from hingecheck.settings import Settings
from hingecheck.synth.photo_clip import photo_frames, shipped_photo
from hingecheck.video.encode import write_h264
from hingecheck.vocab import FaultName


def _frames(n: int = 20) -> list[np.ndarray]:
    photo = cv2.imread(str(shipped_photo("zidane.jpg")))
    assert photo is not None
    return list(photo_frames(photo, 640, 360, n))


def test_portrait_phone_clip_gives_keypoints_in_display_orientation(
    tmp_path: Path, settings: Settings, pose_model: PoseModel
) -> None:
    """A phone stores portrait video as landscape pixels plus a rotation. Store upright
    frames turned a quarter clockwise with a 90° counter-clockwise display rotation: the
    keypoints must come out where they are in the upright clip."""
    frames = _frames()
    upright = tmp_path / "upright.mp4"
    stored = tmp_path / "stored_rotated.mp4"
    write_h264(upright, frames, fps=30)
    write_h264(stored, [np.rot90(f, k=-1) for f in frames], fps=30, rotation_deg=90)

    a = run_pose_stage(upright, settings, model=pose_model)
    b = run_pose_stage(stored, settings, model=pose_model)
    assert b.info.rotation_deg == 90 and (b.info.width, b.info.height) == (640, 360)
    both = ~np.isnan(a.track.xy[..., 0]) & ~np.isnan(b.track.xy[..., 0])
    assert both.sum() > 50
    gap = np.linalg.norm(a.track.xy - b.track.xy, axis=-1)[both]
    assert np.median(gap) < 4.0


def test_sixty_fps_clip_is_analysed_at_the_set_rate(
    tmp_path: Path, settings: Settings, pose_model: PoseModel
) -> None:
    clip = tmp_path / "sixty.mp4"
    write_h264(clip, _frames(60), fps=60)
    out = run_pose_stage(clip, settings, model=pose_model)
    assert out.stats.frames_decoded == 60
    assert out.track.n_frames == 15  # 1 s at 15 analysed frames per second
    assert list(out.track.frame_indices) == list(range(0, 60, 4))
    assert out.track.detected_fraction == 1.0


def test_the_back_pass_reads_the_kept_frames_as_a_second_decoding_would(
    tmp_path: Path, settings: Settings, pose_model: PoseModel
) -> None:
    """The pose stage keeps its frames small for the back's pass instead of the clip being
    decoded again; a clip too long to keep is decoded again. Both give the same back."""
    from hingecheck.backshape import BackgroundSampler, measure_back_shape
    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.truth import ClipParams

    clip = tmp_path / "rounded.mp4"
    generate_clip(ClipParams(scenario=FaultName.LUMBAR_ROUNDING, grade="severe", reps=1, seed=4,
                             resolution=480), clip)
    out = run_pose_stage(clip, settings, model=pose_model)
    assert out.sampler.kept is not None and len(out.sampler.kept) == out.track.n_frames
    kept = measure_back_shape(out.info, settings, out.track, out.sampler, 1.0)
    assert out.sampler.kept is None  # handed over, not held while the clip is drawn
    again = BackgroundSampler(out.track.n_frames, max_bytes=0)  # keeps nothing
    again.frames, again.positions, again.scales = (out.sampler.frames, out.sampler.positions,
                                                   out.sampler.scales)
    decoded = measure_back_shape(out.info, settings, out.track, again, 1.0)
    assert np.isfinite(kept.backs[1.0].bulge).sum() > 5
    np.testing.assert_array_equal(kept.backs[1.0].bulge, decoded.backs[1.0].bulge)
    np.testing.assert_array_equal(kept.backs[1.0].outline, decoded.backs[1.0].outline)
