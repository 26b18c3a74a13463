"""Joint and segment angles that never wrap.

An interior joint angle is taken from the dot product of the two limb vectors (arccos is
confined to 0–180°, so a knee can never read 329° after reading 122°). A segment's
inclination from vertical is folded to 0–180° the same way. Where a signed, continuous
angle over time is needed, ``unwrap_deg`` removes 360° jumps.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def joint_angle_deg(a: FloatArray, joint: FloatArray, b: FloatArray) -> FloatArray:
    """Interior angle at ``joint`` between segments joint→a and joint→b, in 0–180°.

    Arrays are (..., 2); NaN in any input gives NaN.
    """
    u = np.asarray(a, dtype=np.float64) - joint
    v = np.asarray(b, dtype=np.float64) - joint
    dot = np.sum(u * v, axis=-1)
    norm = np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, dot / norm, np.nan)
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def flexion_deg(a: FloatArray, joint: FloatArray, b: FloatArray) -> FloatArray:
    """Flexion at ``joint``: 0° when the limb is straight, growing as it bends."""
    return 180.0 - joint_angle_deg(a, joint, b)


def inclination_from_vertical_deg(lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Angle of the segment lower→upper from image vertical (y grows downwards), 0–180°."""
    d = np.asarray(upper, dtype=np.float64) - lower
    up = np.stack([np.zeros_like(d[..., 0]), -np.ones_like(d[..., 1])], axis=-1)
    return joint_angle_deg(np.asarray(lower, dtype=np.float64) + d, lower,
                           np.asarray(lower, dtype=np.float64) + up)


def unwrap_deg(angles: FloatArray) -> FloatArray:
    """Remove 360° jumps from a series of angles; NaN gaps are kept and bridged."""
    out = np.array(angles, dtype=np.float64)
    ok = ~np.isnan(out)
    if ok.sum() > 1:
        out[ok] = np.degrees(np.unwrap(np.radians(out[ok])))
    return out
