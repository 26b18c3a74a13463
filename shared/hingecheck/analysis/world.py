"""Joint angles in 3D and the camera's yaw, from BlazePose's world landmarks.

The world landmarks are metres around the hip centre in the camera's axes (x right, y down,
z away from the camera; the crop's turn already undone). Angles between 3D segments do not
depend on where the camera stands, so knee and hip flexion read the same from the side,
obliquely or from the front. Trunk and shin angles are taken against the frame's vertical:
with an upright camera, image y down is gravity.

The camera's yaw comes from the shoulder and hip lines: they stay across the body (normal
to the sagittal plane) while the lifter hinges, so the horizontal direction the body faces
is "up × (left → right)". 0° is a side view, 90° the front or the back.

Points are cleaned like the 2D track (``pose.smoothing``, whose import the layout forbids
here): points the network is unsure are present are dropped, short gaps bridged linearly,
then a zero-phase Savitzky–Golay fit on real timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.angles import flexion_deg, joint_angle_deg

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# BlazePose's landmarks used here, by their index among its 33.
SHOULDER = (11, 12)  # left, right
HIP = (23, 24)
KNEE = (25, 26)
ANKLE = (27, 28)
USED = (*SHOULDER, *HIP, *KNEE, *ANKLE)
# A landmark counts where the network's presence (that the point is inside the crop) is at
# least this; visibility is not used: the 3D estimate of an occluded far-side joint is
# still the body's, and it is what makes a front view measurable.
MIN_PRESENCE = 0.5
UP = np.array([0.0, -1.0, 0.0])
SPREAD_PER_MAD = 1.4826  # the median absolute deviation → a standard deviation


@dataclass(frozen=True)
class WorldAngles:
    """Per analysed frame (length n), NaN where a landmark behind a value is missing.

    Flexions are the mean of the left and right sides (``*_sides``: (n, 2) left, right);
    trunk is hip centre → shoulder centre from vertical, shin ankle → knee (mean of sides).
    All in degrees, 0–180.
    """

    times_s: FloatArray
    knee_flexion_deg: FloatArray
    hip_flexion_deg: FloatArray
    trunk_deg: FloatArray
    shin_deg: FloatArray
    knee_flexion_sides_deg: FloatArray
    hip_flexion_sides_deg: FloatArray
    points: FloatArray  # (n, 33, 3) the cleaned landmarks, NaN missing


@dataclass(frozen=True)
class CameraYaw:
    """The camera's yaw relative to the lifter, from the 3D shoulder and hip lines.

    yaw_deg: 0 a side view, 90 the front or the back (median over frames).
    spread_deg: how much the per-frame readings scatter around it (1.4826 × the median
    absolute deviation; a standard deviation for normal scatter).
    azimuth_deg: which way the lifter faces, from image right (0) toward the camera (90),
    image left (180) and away (−90); a circular median over frames.
    seen_from: which half of the body faces the camera. facing: which way the lifter
    faces in the image. frames: how many frames gave a reading.
    """

    yaw_deg: float | None
    spread_deg: float | None
    azimuth_deg: float | None
    seen_from: Literal["front", "back"] | None
    facing: Literal["left", "right"] | None
    frames: int


def clean_world(world: FloatArray, times_s: FloatArray, *, min_presence: float = MIN_PRESENCE,
                max_gap_s: float, window_s: float) -> FloatArray:
    """Drop unsure landmarks, bridge short gaps, smooth in time.

    Args:
        world: (n, 33, 5) x, y, z in metres, visibility and presence per frame (NaN rows
            where the network did not run).
        times_s: (n,) seconds, increasing.
        min_presence: a landmark below this presence is missing.
        max_gap_s: the longest gap bridged (nothing is invented at the ends).
        window_s: the smoothing window.

    Returns:
        (n, 33, 3) the cleaned points, NaN where missing.
    """
    present = np.nan_to_num(world[..., 4], nan=0.0) >= min_presence
    present &= ~np.isnan(world[..., :3]).any(axis=-1)
    filled = fill_short_gaps(world[..., :3], present, times_s, max_gap_s)
    return savgol(filled, times_s, window_s)


def fill_short_gaps(points: FloatArray, valid: BoolArray, times_s: FloatArray,
                    max_gap_s: float) -> FloatArray:
    """Linear interpolation over gaps no longer than ``max_gap_s``; (n, k, d) points."""
    out = np.where(valid[..., None], points, np.nan)
    for j in range(valid.shape[1]):
        for a, b in pairwise(np.flatnonzero(valid[:, j])):
            if b - a < 2 or times_s[b] - times_s[a] > max_gap_s:
                continue
            w = (times_s[a + 1:b] - times_s[a]) / (times_s[b] - times_s[a])
            out[a + 1:b, j] = (1 - w)[:, None] * out[a, j] + w[:, None] * out[b, j]
    return out


def savgol(points: FloatArray, times_s: FloatArray, window_s: float,
           polyorder: int = 2) -> FloatArray:
    """Savitzky–Golay smoothing of (n, k, d) points on real timestamps; NaN stays NaN.

    Each frame's value is a least-squares polynomial's over the points within
    ``window_s / 2`` either side; with fewer than ``polyorder + 2`` of them in reach the
    raw value is kept (the same fit as the 2D track's)."""
    out = points.copy()
    present: BoolArray = np.asarray(~np.isnan(points).any(axis=-1))
    values = np.nan_to_num(points)
    lo = np.searchsorted(times_s, times_s - window_s / 2 - 1e-9, side="left")
    hi = np.searchsorted(times_s, times_s + window_s / 2 + 1e-9, side="right")
    powers = np.arange(polyorder + 1)
    for i in range(points.shape[0]):
        sl = slice(lo[i], hi[i])
        design = (times_s[sl] - times_s[i])[:, None] ** powers[None, :]
        weight = present[sl].astype(np.float64)
        usable = present[i] & (weight.sum(axis=0) >= polyorder + 2)
        if not usable.any():
            continue
        normal = np.einsum("wk,wa,wb->kab", weight, design, design)
        rhs = np.einsum("wk,wa,wkc->kac", weight, design, values[sl])
        normal[~usable] = np.eye(polyorder + 1)
        out[i, usable] = np.linalg.solve(normal, rhs)[usable, 0, :]
    return out


def from_vertical_deg(lower: FloatArray, upper: FloatArray) -> FloatArray:
    """The 3D angle of lower → upper from straight up (image y down is gravity), 0–180°."""
    return joint_angle_deg(upper, lower, lower + UP)


def across_body(points: FloatArray) -> FloatArray:
    """(n, 3) the unit left → right direction: the shoulder and hip lines, each made unit
    length, added (either alone where the other is missing); NaN where neither is seen."""
    lines = []
    for left, right in (SHOULDER, HIP):
        d = points[:, right] - points[:, left]
        length = np.linalg.norm(d, axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            lines.append(np.where(length > 1e-6, d / length, np.nan))
    both = np.stack(lines)
    summed = np.where(np.isnan(both).all(axis=0), np.nan, np.nansum(both, axis=0))
    length = np.linalg.norm(summed, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(length > 1e-6, summed / length, np.nan))


def _sagittal(v: FloatArray, across: FloatArray) -> FloatArray:
    """``v`` projected onto the plane normal to ``across`` (the body's sagittal plane)."""
    return np.asarray(v - np.sum(v * across, axis=-1, keepdims=True) * across)


def world_angles(points: FloatArray, times_s: FloatArray) -> WorldAngles:
    """Knee and hip flexion, trunk and shin angles from cleaned (n, 33, 3) landmarks.

    The knee is a hinge: its flexion is the 3D angle. The hip also abducts and rotates, and
    the shoulders are wider than the hips, so its flexion is taken in the sagittal plane
    (normal to the shoulder and hip lines): the trunk (hip centre → shoulder centre)
    against the thigh, as the generated truth and the 2D reading define it."""
    knee = np.stack([flexion_deg(points[:, HIP[s]], points[:, KNEE[s]], points[:, ANKLE[s]])
                     for s in (0, 1)], axis=1)
    hip_centre = points[:, list(HIP)].mean(axis=1)
    shoulder_centre = points[:, list(SHOULDER)].mean(axis=1)
    across = across_body(points)
    trunk = _sagittal(shoulder_centre - hip_centre, across)
    origin = np.zeros_like(trunk)
    hip = np.stack([flexion_deg(_sagittal(points[:, KNEE[s]] - points[:, HIP[s]], across),
                                origin, trunk) for s in (0, 1)], axis=1)
    shin = np.stack([from_vertical_deg(points[:, ANKLE[s]], points[:, KNEE[s]])
                     for s in (0, 1)], axis=1)
    return WorldAngles(
        times_s=np.asarray(times_s, dtype=np.float64),
        knee_flexion_deg=knee.mean(axis=1), hip_flexion_deg=hip.mean(axis=1),
        trunk_deg=from_vertical_deg(hip_centre, shoulder_centre), shin_deg=shin.mean(axis=1),
        knee_flexion_sides_deg=knee, hip_flexion_sides_deg=hip, points=points)


def azimuth_per_frame_deg(points: FloatArray) -> FloatArray:
    """Per frame, which way the lifter faces (``CameraYaw.azimuth_deg``), NaN unseen.

    The left → right line (``across_body``) on the floor's plane; forward is up × it."""
    d = across_body(points)
    flat = np.stack([d[:, 0], d[:, 2]], axis=-1)
    length = np.linalg.norm(flat, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        across = np.where(length > 1e-6, flat / length, np.nan)
    # forward = up × across = (−dz, 0, dx); its angle from image right toward the camera
    # (−z) is atan2(−dx, −dz).
    return np.asarray(np.degrees(np.arctan2(-across[:, 0], -across[:, 1])))


def camera_yaw(points: FloatArray) -> CameraYaw:
    """The camera's yaw from cleaned (n, 33, 3) landmarks (``CameraYaw``)."""
    azimuth = azimuth_per_frame_deg(points)
    seen = azimuth[~np.isnan(azimuth)]
    if seen.size < 3:
        return CameraYaw(None, None, None, None, None, int(seen.size))
    rad = np.radians(seen)
    mean = np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())
    # The circular median: the mean, then the median of the deviations from it.
    deviation = np.degrees(np.angle(np.exp(1j * (rad - mean))))
    centre = float(np.degrees(mean) + np.median(deviation))
    centre = float((centre + 180.0) % 360.0 - 180.0)
    per_frame = np.minimum(np.abs(seen), 180.0 - np.abs(seen))  # off the side view, 0–90
    yaw = float(np.median(per_frame))
    spread = float(SPREAD_PER_MAD * np.median(np.abs(per_frame - yaw)))
    return CameraYaw(
        yaw_deg=yaw, spread_deg=spread, azimuth_deg=centre,
        seen_from="front" if centre > 0 else "back",
        facing="right" if abs(centre) < 90 else "left", frames=int(seen.size))
