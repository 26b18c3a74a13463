"""The pose pipeline on real people: real deadlift clips from ../shared/real (read in place,
never copied; skipped where the folder is absent)."""

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.model import PoseModel
from hingecheck.settings import Settings
from hingecheck.synth.photo_clip import shipped_photo
from hingecheck.video.encode import write_h264

pytestmark = [pytest.mark.real_footage, pytest.mark.model]

SIDE_VIEW = [
    "deadlift-c/good.mp4", "deadlift-c/rdl.mp4", "deadlift-c/nico_blocked.mp4",
    "deadlift-c/nico_unblocked.mp4", "deadlift-b/good/good019.mp4",
    "deadlift-b/bad/bad010.mp4", "deadlift-b/bad/bad011.mp4", "deadlift-b/bad/bad012.mp4",
]
FRONT_OR_OBLIQUE = ["deadlift-b/good/good017.mp4", "deadlift-b/good/good005.mp4",
                    "deadlift-b/good/good002.mp4"]
HIPS = [11, 12]


@pytest.mark.parametrize("clip", SIDE_VIEW)
def test_lifter_is_followed_through_the_whole_clip(real_footage: Path, settings: Settings,
                                                   pose_model: PoseModel,
                                                   clip: str) -> None:
    out = run_pose_stage(real_footage / clip, settings, model=pose_model)
    track = out.track
    assert out.stats.frames_selected == track.n_frames > 10
    assert track.detected_fraction >= 0.95, track.selection_reason
    hips_seen = ~np.isnan(track.xy[:, HIPS, 0]).all(axis=1)
    assert hips_seen.mean() >= 0.95
    assert track.view.side_view_ok, track.view.message
    # One identity: the lifter's box never jumps more than half a body height per frame.
    boxes = track.boxes[~np.isnan(track.boxes[:, 0])]
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    heights = boxes[:, 3] - boxes[:, 1]
    jumps = np.linalg.norm(np.diff(centres, axis=0), axis=1) / heights[1:]
    assert jumps.max() < 0.5


@pytest.mark.parametrize("clip", FRONT_OR_OBLIQUE)
def test_front_and_oblique_views_are_flagged(real_footage: Path, settings: Settings,
                                             pose_model: PoseModel,
                                             clip: str) -> None:
    view = run_pose_stage(real_footage / clip, settings, model=pose_model).track.view
    assert view.offset_deg is not None and view.offset_deg > 35
    assert not view.side_view_ok and "film from the side" in view.message


def _pedestrian(pose_model: PoseModel) -> np.ndarray:
    """A real pedestrian cut from bus.jpg (the most confident person)."""
    image = cv2.imread(str(shipped_photo("bus.jpg")))
    assert image is not None
    (dets,) = pose_model.predict([image])
    x1, y1, x2, y2 = dets.boxes[int(np.argmax(dets.scores))].astype(int)
    crop = image[y1:y2, x1:x2]
    scale = 420 / crop.shape[0]
    return cv2.resize(crop, None, fx=scale, fy=scale)


def test_lifter_not_passer_by_with_two_people_in_frame(
    real_footage: Path, settings: Settings, pose_model: PoseModel, tmp_path: Path
) -> None:
    """A real lifter on the left; a real pedestrian walks across the right half for 40%
    of the clip. The lifter must be chosen."""
    walker = _pedestrian(pose_model)
    with av.open(str(real_footage / "deadlift-c/good.mp4")) as container:
        lift = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    n = len(lift)
    frames = []
    for i, image in enumerate(lift):
        canvas = np.full((600, 1200, 3), 90, np.uint8)
        canvas[:, :600] = cv2.resize(image, (600, 600))
        start, stop = int(0.3 * n), int(0.7 * n)
        if start <= i < stop:
            x = int(1200 - walker.shape[1] - (i - start) / (stop - start) * (560 - walker.shape[1]))
            canvas[120 : 120 + walker.shape[0], x : x + walker.shape[1]] = walker
        frames.append(canvas)
    path = tmp_path / "two_people.mp4"
    write_h264(path, frames, fps=30)
    track = run_pose_stage(path, settings, model=pose_model).track
    assert len(track.candidates) >= 2, "the passer-by should have been detected too"
    boxes = track.boxes[~np.isnan(track.boxes[:, 0])]
    assert np.median((boxes[:, 0] + boxes[:, 2]) / 2) < 600
    assert track.detected_fraction >= 0.95
