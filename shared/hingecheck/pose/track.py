"""From per-frame detections to the lifter's clean ``PoseTrack``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from hingecheck import errors
from hingecheck.analysis.view import ViewEstimate, estimate_view
from hingecheck.keypoints import COCO_KEYPOINTS
from hingecheck.pose.model import FrameDetections
from hingecheck.pose.smoothing import clean_track
from hingecheck.pose.tracking import (
    choose_athlete,
    link_detections,
    stitch_tracklets,
    suppress_duplicates,
)

__all__ = ["COCO_KEYPOINTS", "PoseTrack", "build_pose_track", "with_second_opinion"]

# The legs (hips, knees, ankles) in COCO order, and each one's other side.
LEGS = np.arange(11, 17)
OTHER_SIDE = np.array([12, 11, 14, 13, 16, 15])
# A second model's point counts where it says the joint is this likely visible.
MIN_VISIBILITY = 0.5


@dataclass
class PoseTrack:
    """The lifter's keypoints over the analysed frames, in display pixels.

    xy: (n, 17, 2) smoothed positions, NaN where the point is missing (never invented).
    raw_xy / conf: (n, 17, 2) / (n, 17) what the model said (conf 0 where the lifter was
    not detected). observed / interpolated: (n, 17) which points are model output and which
    bridge a short gap. boxes: (n, 4), NaN where the lifter was not detected.
    """

    times_s: np.ndarray
    frame_indices: np.ndarray
    xy: np.ndarray
    raw_xy: np.ndarray
    conf: np.ndarray
    observed: np.ndarray
    interpolated: np.ndarray
    boxes: np.ndarray
    track_id: int
    selection_reason: str
    candidates: list[dict[str, float]]
    view: ViewEstimate
    frame_width: int
    frame_height: int
    notes: list[str] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        return int(self.times_s.shape[0])

    @property
    def detected_fraction(self) -> float:
        """Share of analysed frames in which the model found the lifter."""
        if self.n_frames == 0:
            return 0.0
        return float(np.mean(~np.isnan(self.boxes[:, 0])))


def build_pose_track(
    detections: list[FrameDetections],
    times_s: np.ndarray,
    frame_indices: np.ndarray,
    frame_width: int,
    frame_height: int,
    *,
    min_conf: float,
    max_gap_s: float,
    smooth_window_s: float,
    max_view_offset_deg: float,
) -> PoseTrack:
    """Link, choose the athlete, clean their keypoints and check the view.

    Raises:
        NoAthleteFound: nobody was detected in any analysed frame.
    """
    detections = [suppress_duplicates(d) for d in detections]
    tracks = link_detections(detections, times_s)
    tracks = stitch_tracklets(tracks, detections, times_s)
    choice = choose_athlete(tracks, detections, frame_height, min_conf=min_conf)
    if choice is None:
        raise errors.NoAthleteFound(
            "no person was found in the video; film the whole body, in good light"
        )
    n = len(detections)
    raw = np.full((n, 17, 3), np.nan)
    boxes = np.full((n, 4), np.nan)
    for pos, det in choice.track.members.items():
        raw[pos] = detections[pos].keypoints[det]
        boxes[pos] = detections[pos].boxes[det]
    conf = np.nan_to_num(raw[..., 2], nan=0.0)
    xy, observed, interpolated = clean_track(
        raw[..., :2], conf, times_s, min_conf=min_conf, max_gap_s=max_gap_s,
        window_s=smooth_window_s,
    )
    view = estimate_view(xy, max_view_offset_deg)
    return PoseTrack(
        times_s=times_s, frame_indices=frame_indices, xy=xy, raw_xy=raw[..., :2], conf=conf,
        observed=observed, interpolated=interpolated, boxes=boxes,
        track_id=choice.track.track_id, selection_reason=choice.reason,
        candidates=choice.candidates, view=view, frame_width=frame_width,
        frame_height=frame_height,
    )


def with_second_opinion(track: PoseTrack, landmarks: np.ndarray, *, max_gap_s: float,
                        smooth_window_s: float) -> PoseTrack:
    """The track with its hips, knees and ankles moved half way to a second model's.

    ``landmarks``: (n, 17, 3) another model's COCO-ordered points (display pixels,
    visibility 0–1), cleaned here as the track's own were. A frame whose left and right
    legs the two models name the other way round is turned round first. Where either
    model has no point the track keeps its own: nothing is invented.
    """
    other, visibility = landmarks[..., :2].copy(), np.nan_to_num(landmarks[..., 2])
    ours = track.xy[:, LEGS]
    same = np.nansum(np.linalg.norm(ours - other[:, LEGS], axis=-1), axis=1)
    turned = np.nansum(np.linalg.norm(ours - other[:, OTHER_SIDE], axis=-1), axis=1)
    flip = turned < same
    other[np.ix_(flip, LEGS)] = other[np.ix_(flip, OTHER_SIDE)]
    visibility[np.ix_(flip, LEGS)] = visibility[np.ix_(flip, OTHER_SIDE)]
    cleaned, _, _ = clean_track(other, visibility, track.times_s, min_conf=MIN_VISIBILITY,
                                max_gap_s=max_gap_s, window_s=smooth_window_s)
    xy = track.xy.copy()
    both = ~np.isnan(xy[:, LEGS]).any(axis=-1) & ~np.isnan(cleaned[:, LEGS]).any(axis=-1)
    legs = xy[:, LEGS]
    legs[both] = (legs[both] + cleaned[:, LEGS][both]) / 2
    xy[:, LEGS] = legs
    return replace(track, xy=xy)
