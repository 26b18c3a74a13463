"""Per-frame hinge kinematics in the sagittal plane, from the lifter's keypoints.

Joints are the confidence-weighted mean of the left and right keypoints: in a side view
both project to nearly the same place, and their mean is the sagittal projection even a
few tens of degrees off the side view. Segment angles are signed leans from vertical,
forward (the way the lifter faces) positive:

    trunk   hip → shoulder        hip flexion  = trunk − thigh
    thigh   knee → hip            knee flexion = shin − thigh
    shin    ankle → knee

so a hip pushed forward past the shoulders at lockout reads as negative hip flexion
(extension) and a trunk leaning back as a negative trunk angle. Distances are in units of
the lifter's own leg length (hip → knee → ankle), measured where it looks longest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hingecheck.keypoints import PAIRS

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# A frame whose weakest hip/knee/ankle/shoulder keypoint is below this is marked low
# confidence: its angles are kept but nothing is concluded from it alone.
LOW_CONFIDENCE = 0.5
# Joint angles a body can take (degrees); outside them the keypoints are swapped or
# misplaced (a knee read above the hip), so the frame's value is dropped, not believed.
HIP_FLEXION_RANGE_DEG = (-60.0, 165.0)
KNEE_FLEXION_RANGE_DEG = (-25.0, 165.0)
# Standing frames: hip flexion within this of the clip's most upright 10 % (degrees).
STANDING_MARGIN_DEG = 8.0


@dataclass(frozen=True)
class Kinematics:
    """Per-frame series (length n), NaN where the keypoints behind a value are missing."""

    times_s: FloatArray
    hip_flexion_deg: FloatArray
    knee_flexion_deg: FloatArray
    trunk_deg: FloatArray
    shin_deg: FloatArray
    neck_deg: FloatArray
    hip_back_ratio: FloatArray
    hip_drop_ratio: FloatArray
    knee_forward_ratio: FloatArray
    shoulder_drop_ratio: FloatArray
    ankle_shift_ratio: FloatArray
    leg_scale: FloatArray
    confidence: FloatArray
    leg_length_px: float
    facing_sign: float

    @property
    def low_confidence(self) -> BoolArray:
        return np.asarray(~(self.confidence >= LOW_CONFIDENCE))


def _joint(xy: FloatArray, conf: FloatArray, name: str) -> tuple[FloatArray, FloatArray]:
    """Confidence-weighted mean of the left/right keypoint; its confidence is the best one."""
    a, b = PAIRS[name]
    pts = xy[:, [a, b]]
    w = np.where(np.isnan(pts[..., 0]), 0.0, np.maximum(conf[:, [a, b]], 1e-3))
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(pts * w[..., None], axis=1) / total[:, None]
    mean[total == 0] = np.nan
    return mean, np.where(total > 0, np.max(conf[:, [a, b]], axis=1), 0.0)


def _lean_deg(lower: FloatArray, upper: FloatArray, facing_sign: float) -> FloatArray:
    """Signed lean of lower→upper from vertical, positive toward ``facing_sign`` (image x)."""
    d = upper - lower
    return np.asarray(np.degrees(np.arctan2(d[:, 0] * facing_sign, -d[:, 1])))


def compute_kinematics(times_s: FloatArray, xy: FloatArray, conf: FloatArray,
                       facing: str | None) -> Kinematics:
    """Hinge kinematics from a cleaned (n, 17, 2) track and its (n, 17) confidences.

    ``facing`` is the way the lifter faces in the image ("left"/"right"); unknown is
    treated as right, which flips signs but not magnitudes of the joint flexions.
    """
    sign = -1.0 if facing == "left" else 1.0
    ear, c_ear = _joint(xy, conf, "ear")
    shoulder, c_sh = _joint(xy, conf, "shoulder")
    hip, c_hip = _joint(xy, conf, "hip")
    knee, c_knee = _joint(xy, conf, "knee")
    ankle, c_ank = _joint(xy, conf, "ankle")

    trunk = _lean_deg(hip, shoulder, sign)
    thigh = _lean_deg(knee, hip, sign)
    shin = _lean_deg(ankle, knee, sign)
    # Neck flexion: positive when the head hangs below the trunk line, negative looking up.
    neck = _lean_deg(shoulder, ear, sign) - trunk

    leg = np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
    leg_ok = leg[~np.isnan(leg)]
    leg_px = float(np.percentile(leg_ok, 90)) if leg_ok.size else float("nan")

    hip_flexion = _plausible(_wrap(trunk - thigh), HIP_FLEXION_RANGE_DEG)
    knee_flexion = _plausible(_wrap(shin - thigh), KNEE_FLEXION_RANGE_DEG)
    standing = _standing_frames(hip_flexion)
    ref = _reference(hip, standing)
    hip_back = -(hip[:, 0] - ref[0]) * sign / leg_px
    hip_drop = (hip[:, 1] - ref[1]) / leg_px
    knee_forward = (knee[:, 0] - ankle[:, 0]) * sign / leg_px
    shoulder_drop = (shoulder[:, 1] - _reference(shoulder, standing)[1]) / leg_px
    # Feet that move (walking, stepping to the camera) and a body that grows in the image
    # (coming closer) tell a lift from other movement: a hinge keeps the feet planted.
    ankle_shift = (ankle[:, 0] - _reference(ankle, standing)[0]) * sign / leg_px
    leg_scale = leg / leg_px

    confidence = np.min(np.stack([c_sh, c_hip, c_knee, c_ank]), axis=0)
    return Kinematics(
        times_s=np.asarray(times_s, dtype=np.float64), hip_flexion_deg=hip_flexion,
        knee_flexion_deg=knee_flexion, trunk_deg=trunk, shin_deg=shin,
        neck_deg=np.where(c_ear > 0, neck, np.nan), hip_back_ratio=hip_back,
        hip_drop_ratio=hip_drop, knee_forward_ratio=knee_forward,
        shoulder_drop_ratio=shoulder_drop, ankle_shift_ratio=ankle_shift, leg_scale=leg_scale,
        confidence=confidence,
        leg_length_px=leg_px, facing_sign=sign,
    )


def median_seen(values: FloatArray) -> float:
    """The median of the values that were measured (NaN where none was)."""
    ok = values[~np.isnan(values)]
    return float(np.median(ok)) if ok.size else float("nan")


def _reference(points: FloatArray, standing: BoolArray) -> FloatArray:
    """Where a joint is while the lifter stands tall (the median), NaN if never seen."""
    if not standing.any() or np.isnan(points[standing, 0]).all():
        return np.full(2, np.nan)
    return np.asarray(np.nanmedian(points[standing], axis=0))


def _wrap(deg: FloatArray) -> FloatArray:
    """Into (−180°, 180°]: a difference of two leans can come out a turn too far."""
    return np.asarray(-((-deg + 180.0) % 360.0 - 180.0))


def _plausible(deg: FloatArray, bounds: tuple[float, float]) -> FloatArray:
    with np.errstate(invalid="ignore"):
        return np.where((deg >= bounds[0]) & (deg <= bounds[1]), deg, np.nan)


def _standing_frames(hip_flexion: FloatArray) -> BoolArray:
    ok = ~np.isnan(hip_flexion)
    if not ok.any():
        return np.zeros(hip_flexion.shape, dtype=bool)
    upright = float(np.percentile(hip_flexion[ok], 10))
    return np.asarray(ok & (hip_flexion <= upright + STANDING_MARGIN_DEG))


def standing_frames(kin: Kinematics) -> BoolArray:
    """Frames in which the lifter stands tall (the clip's own neutral reference)."""
    return _standing_frames(kin.hip_flexion_deg)
