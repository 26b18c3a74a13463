"""How close the camera is to a side view, and which way the lifter faces.

In a side view the left and right shoulders (and hips) nearly overlap in the image; seen
from the front they are a shoulder-width apart. The shoulder and hip lines stay
perpendicular to the sagittal plane while the lifter hinges, so their projected length
against the trunk's length gives the camera's offset from the side view:

    sin(offset) ≈ (|L−R shoulder| + |L−R hip|) / (trunk length × BREADTH_PER_TRUNK)

The constants and where they come from: ``analysis.view_limit``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hingecheck.analysis.view_limit import BREADTH_PER_TRUNK, MAX_VIEW_OFFSET_DEG
from hingecheck.keypoints import L_EAR, L_HIP, L_SHOULDER, NOSE, R_EAR, R_HIP, R_SHOULDER

__all__ = ["BREADTH_PER_TRUNK", "MAX_VIEW_OFFSET_DEG", "Facing", "ViewEstimate", "estimate_view"]

# Which way the lifter faces in the image (and so which body side the camera sees).
Facing = Literal["left", "right"]


@dataclass(frozen=True)
class ViewEstimate:
    """The camera's estimated offset from a pure side view, and the lifter's orientation.

    facing: which way the lifter faces in the image ("left" or "right").
    """

    offset_deg: float | None
    facing: Facing | None
    side_view_ok: bool
    message: str

    @property
    def near_side(self) -> Facing | None:
        """The body side toward the camera: the side the lifter faces in the image (a
        lifter facing right shows the camera their right side; on the real side-view clips
        the pose model is surer of that side's keypoints, 24 of 24)."""
        return self.facing


def _pair_distance(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.asarray(np.linalg.norm(xy[:, a] - xy[:, b], axis=-1))


def estimate_view(xy: np.ndarray, max_offset_deg: float = MAX_VIEW_OFFSET_DEG) -> ViewEstimate:
    """Estimate the view from a cleaned (n, 17, 2) keypoint track with NaN for missing."""
    shoulder_mid = (xy[:, L_SHOULDER] + xy[:, R_SHOULDER]) / 2
    hip_mid = (xy[:, L_HIP] + xy[:, R_HIP]) / 2
    trunk = np.linalg.norm(shoulder_mid - hip_mid, axis=-1)
    breadth = _pair_distance(xy, L_SHOULDER, R_SHOULDER) + _pair_distance(xy, L_HIP, R_HIP)
    ok = ~np.isnan(trunk) & ~np.isnan(breadth) & (trunk > 1.0)
    offset: float | None = None
    if ok.sum() >= 3:
        # The trunk's true length is best seen when it is longest in the image.
        trunk_len = float(np.nanpercentile(trunk[ok], 90))
        ratio = float(np.median(breadth[ok])) / (trunk_len * BREADTH_PER_TRUNK)
        offset = float(np.degrees(np.arcsin(np.clip(ratio, 0.0, 1.0))))

    facing = _facing(xy)
    if offset is None:
        return ViewEstimate(None, facing, False,
                            "cannot judge the camera angle: shoulders and hips not seen")
    if offset > max_offset_deg:
        message = (
            f"the camera is about {offset:.0f}° off a side view (limit {max_offset_deg:.0f}°): "
            "film from the side, camera at hip height, the whole body in frame"
        )
        return ViewEstimate(offset, facing, False, message)
    return ViewEstimate(offset, facing, True,
                        f"side view (about {offset:.0f}° off), lifter faces {facing}")


def _facing(xy: np.ndarray) -> Facing | None:
    """Which way the nose points from the ears, by majority over frames."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with neither ear seen
        ears = np.nanmean(np.stack([xy[:, L_EAR, 0], xy[:, R_EAR, 0]]), axis=0)
    direction = xy[:, NOSE, 0] - ears
    direction = direction[~np.isnan(direction)]
    if direction.size == 0:
        return None
    return "right" if float(np.median(direction)) > 0 else "left"
