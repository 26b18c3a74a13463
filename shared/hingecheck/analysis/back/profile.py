"""The back's profile and its bulge: how far the dorsal contour bulges off a straight line.

COCO keypoints have no spine points, so rounding is measured on the lifter's outline (a
mask of the lifter's pixels, ``outline.py``):

1. Profile: along the hip→shoulder chord, march from outside the body toward the chord on
   the dorsal side until the mask is hit. A neutral back gives a straight (or slightly
   hollow) profile; a flexed spine makes it an arc. A hit nearer the chord than the back
   can be (``MIN_BACK_DEPTH``) is a missed outline, not a measurement.
2. Bulge: the sagitta of a parabola fitted to the profile, in chord lengths: 0 for a
   straight back, negative for a hollow one, about θ/8 for a back bent through θ radians.
   A load on the upper back can be skipped by ending the profile earlier; the bulge is
   then scaled to the whole profile's length (a back bent alike reads alike).

Frames come in at any scale; keypoints must be in the same pixels as the frame.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.back.background import Background, FloatArray, ImageArray
from hingecheck.analysis.back.outline import OutlineSource, outline_mask

# The profile: chord fractions, and how far outside / inside the chord to search.
PROFILE_STEPS = 21
PROFILE_START = 0.0
PROFILE_OUTSIDE = 0.7
PROFILE_INSIDE = 0.2
# A profile needs this share of its samples to hit the body to give a bulge.
MIN_PROFILE_COVERAGE = 0.7
# The back's surface lies well outside the hip–shoulder joint line: at its thinnest, over
# the shoulder blades, about 5–6 cm behind the shoulder joint, a tenth of the chord. A
# "surface" found nearer the line than this is the outline missed until deep inside the
# body (clothing the colour of the wall), not the back: that sample is left unmeasured.
MIN_BACK_DEPTH = 0.08

@dataclass(frozen=True)
class BackProfile:
    """Dorsal contour heights above the chord (chord lengths) and the bulge they make."""

    heights: FloatArray
    bulge: float
    coverage: float


def dorsal_normal(hip: FloatArray, shoulder: FloatArray, facing_sign: float) -> FloatArray:
    """Unit vector perpendicular to hip→shoulder, pointing out of the lifter's back."""
    d = (shoulder - hip) / max(float(np.linalg.norm(shoulder - hip)), 1e-9)
    # Facing +x, the back is on the left of the hip→shoulder direction in image coords.
    n = np.array([d[1], -d[0]]) * facing_sign
    return np.asarray(n, dtype=np.float64)


def back_profile(frame: ImageArray, background: Background | None, hip: FloatArray,
                 shoulder: FloatArray, facing_sign: float, end: float = 1.0,
                 person: NDArray[np.bool_] | None = None,
                 source: OutlineSource | None = None) -> BackProfile:
    """Measure the dorsal contour from the hip to ``end`` of the hip→shoulder chord, on
    ``source``'s outline (default: the background model's foreground, the ``person`` mask
    (frame-sized), or both, whichever are given)."""
    chord = float(np.linalg.norm(shoulder - hip))
    nan = BackProfile(np.full(PROFILE_STEPS, np.nan), float("nan"), 0.0)
    if not chord > 4 or np.isnan(chord):
        return nan
    normal = dorsal_normal(hip, shoulder, facing_sign)
    s = profile_positions(end)
    along = hip[None, :] + s[:, None] * (shoulder - hip)[None, :]
    offsets = np.arange(PROFILE_OUTSIDE * chord, -PROFILE_INSIDE * chord, -1.0)
    pts = along[:, None, :] + offsets[None, :, None] * normal[None, None, :]
    h, w = frame.shape[:2]
    x0 = int(max(0, np.floor(pts[..., 0].min())))
    y0 = int(max(0, np.floor(pts[..., 1].min())))
    x1 = int(min(w, np.ceil(pts[..., 0].max()) + 1))
    y1 = int(min(h, np.ceil(pts[..., 1].max()) + 1))
    roi = (x0, y0, x1, y1)
    mask = source.mask(frame, background, person, roi) if source is not None \
        else outline_mask(frame, background, person, roi)
    xi = np.clip(np.round(pts[..., 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(pts[..., 1]).astype(int), 0, h - 1)
    inside = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    hit = mask[yi, xi] & inside
    # Three foreground samples in a row: a speck of noise is not the back.
    run = hit[:, :-2] & hit[:, 1:-1] & hit[:, 2:]
    heights = np.full(PROFILE_STEPS, np.nan)
    for i in range(PROFILE_STEPS):
        first = np.flatnonzero(run[i])
        if first.size and offsets[first[0]] >= MIN_BACK_DEPTH * chord:
            heights[i] = offsets[first[0]] / chord
    coverage = float(np.mean(~np.isnan(heights)))
    if coverage < MIN_PROFILE_COVERAGE:
        return BackProfile(heights, float("nan"), coverage)
    return BackProfile(heights, _bulge(s, heights), coverage)


def profile_positions(end: float = 1.0) -> FloatArray:
    """Where along the chord (0 hip … 1 shoulder) the profile's samples lie."""
    return np.linspace(PROFILE_START, end, PROFILE_STEPS)


def outline_points(profile: BackProfile, hip: FloatArray, shoulder: FloatArray,
                   facing_sign: float, end: float = 1.0) -> FloatArray:
    """The profile's hits as (steps, 2) image points (NaN where nothing was hit)."""
    chord = float(np.linalg.norm(shoulder - hip))
    s = profile_positions(end)
    normal = dorsal_normal(hip, shoulder, facing_sign)
    along = hip[None, :] + s[:, None] * (shoulder - hip)[None, :]
    return np.asarray(along + (profile.heights * chord)[:, None] * normal[None, :])


def median_profile_bulge(heights: FloatArray, end: float = 1.0) -> tuple[float, float]:
    """Bulge of the median of several frames' profiles (k, steps), and its coverage.

    A rep's bottom spans several frames; their median profile is steadier than any one.
    """
    if heights.shape[0] == 0:
        return float("nan"), 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # columns never hit stay NaN
        med = np.nanmedian(heights, axis=0)
    coverage = float(np.mean(~np.isnan(med)))
    if coverage < MIN_PROFILE_COVERAGE:
        return float("nan"), coverage
    return _bulge(profile_positions(end), med), coverage


def _bulge(s: FloatArray, heights: FloatArray) -> float:
    """Sagitta of the parabola fitted to the profile, in chord lengths (positive: convex).

    A fit uses every sample, so it does not matter where along the back the hump sits, and
    one stray sample moves it little. For an arc bending through θ radians the sagitta is
    about θ/8 of the chord, so 0.065 is a 30° bend.
    """
    ok = ~np.isnan(heights)
    c = float(np.polyfit(s[ok], heights[ok], 2)[0])
    # The curvature, as the sagitta of a whole-length profile bent that much: the same back
    # reads the same whether its profile ends at the shoulder or short of a bar on it, and
    # whatever part of it was hit.
    span = 1.0 - PROFILE_START
    return -c * span * span / 4.0
