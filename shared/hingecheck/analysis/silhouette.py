"""The back's shape from the image: how far the dorsal contour bulges off a straight line.

COCO keypoints have no spine points, so rounding is measured on the lifter's silhouette:

1. Background: most lift clips are filmed from a still camera. Each pixel's background is
   the median of that pixel over sampled frames in which it lies away from the lifter's
   body (a mask drawn from the keypoints), so a lifter who stands still for most of the
   clip does not end up in the background.
2. Foreground: pixels that differ from the background by more than ``DIFF_THRESHOLD`` in
   any colour channel, closed and opened to fill holes and drop speckle.
3. Profile: along the hip→shoulder chord, march from outside the body toward the chord on
   the dorsal side until the foreground is hit. A neutral back gives a straight (or
   slightly hollow) profile; a flexed spine makes it an arc. A hit nearer the chord than
   the back can be (``MIN_BACK_DEPTH``) is a missed outline, not a measurement.
4. Bulge: the sagitta of a parabola fitted to the profile, in chord lengths: 0 for a
   straight back, negative for a hollow one, about θ/8 for a back bent through θ radians.
   A load on the upper back can be skipped by ending the profile earlier; the bulge is
   then scaled to the whole profile's length (a back bent alike reads alike).

The outline can also come from a person mask (BlazePose's segmentation, ``pose.personmask``)
instead of the background model: ``back_profile`` marches the same way through whichever
mask it is given, or through the background model's foreground kept only where the person
mask (widened by ``FUSE_MARGIN_PX``) agrees, which drops captions and racks from it.

Frames come in at any scale; keypoints must be in the same pixels as the frame.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hingecheck.keypoints import BONES, L_SHOULDER, NOSE, PAIRS, R_SHOULDER

FloatArray = NDArray[np.float64]
ImageArray = NDArray[np.uint8]

# Foreground: difference from the background in any channel (grey levels, 0–255). The
# value from trials on real gym clips and generated clips: 30 separates clothing from
# walls without picking up compression noise (about ±6).
DIFF_THRESHOLD = 30
# Background: each pixel's median over the samples with the body farthest from it; a
# pixel is known when the body was at least BODY_CLEARANCE chord lengths (hip–shoulder)
# away in all of them. The back's surface is about 0.3 chord lengths from that line.
BACKGROUND_NEAREST_K = 5
BODY_CLEARANCE = 0.33
# Where the background is filled in from around (unknown), a pixel must differ by more.
INPAINTED_DIFF_THRESHOLD = 45
# A still camera: median |frame − background| away from the body, grey levels.
MAX_CAMERA_MOTION = 10.0
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

# Fused outline: the background model's foreground counts only within this many pixels
# (working resolution) of the person mask.
FUSE_MARGIN_PX = 3

SKELETON_LINES = (*BONES, (NOSE, L_SHOULDER), (NOSE, R_SHOULDER))


@dataclass(frozen=True)
class Background:
    """A still camera's background image, and how still the camera was."""

    image: ImageArray
    known: NDArray[np.bool_]
    camera_motion: float

    @property
    def still(self) -> bool:
        return self.camera_motion <= MAX_CAMERA_MOTION


def chord_length(keypoints: FloatArray) -> float:
    """Hip-centre to shoulder-centre distance of (17, 2) keypoints (NaN if unseen)."""
    shoulders, hips = keypoints[list(PAIRS["shoulder"])], keypoints[list(PAIRS["hip"])]
    if np.isnan(shoulders).all() or np.isnan(hips).all():
        return float("nan")
    return float(np.linalg.norm(np.nanmean(shoulders, axis=0) - np.nanmean(hips, axis=0)))


def skeleton_distance(shape: tuple[int, int], keypoints: FloatArray) -> NDArray[np.float32]:
    """Each pixel's distance (pixels) from the skeleton drawn from (17, 2) keypoints."""
    canvas = np.full(shape, 255, dtype=np.uint8)
    for a, b in SKELETON_LINES:
        pa, pb = keypoints[a], keypoints[b]
        if not (np.isnan(pa).any() or np.isnan(pb).any()):
            cv2.line(canvas, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), 0, 1)
    if canvas.all():
        return np.full(shape, np.inf, dtype=np.float32)
    return np.asarray(cv2.distanceTransform(canvas, cv2.DIST_L2, 3), dtype=np.float32)


def build_background(frames: list[ImageArray], keypoints: list[FloatArray],
                     chord_px: float) -> Background:
    """Each pixel's background from the sampled frames in which the body was farthest away.

    A plain median over time fails where the lifter stays put (standing between reps puts
    their torso into the "background" and draws a ghost beside the real back). Instead each
    pixel takes the median of its ``BACKGROUND_NEAREST_K`` samples with the skeleton
    farthest from it. A pixel the body never cleared by ``BODY_CLEARANCE`` chord lengths is
    unknown (``Background.known``) and filled in from the background around it.
    """
    stack = np.stack(frames)
    dist = np.stack([skeleton_distance(f.shape[:2], k)
                     for f, k in zip(frames, keypoints, strict=True)])
    k = min(BACKGROUND_NEAREST_K, len(frames))
    farthest = np.argpartition(-dist, k - 1, axis=0)[:k]            # (k, h, w)
    picked = np.take_along_axis(stack, farthest[..., None], axis=0)  # (k, h, w, 3)
    image = np.median(picked, axis=0).astype(np.uint8)
    clearance = np.take_along_axis(dist, farthest, axis=0).min(axis=0)
    known = clearance >= BODY_CLEARANCE * chord_px
    if not known.all():
        # Walls and floors are smooth at this scale; such pixels need a larger difference.
        image = cv2.inpaint(image, (~known).astype(np.uint8), 5, cv2.INPAINT_TELEA)
    away = dist >= BODY_CLEARANCE * chord_px
    diffs = [float(np.median(np.abs(stack[i].astype(np.int16) - image)[away[i] & known]))
             if (away[i] & known).any() else 0.0 for i in range(len(frames))]
    return Background(image, known, float(np.median(diffs)) if diffs else 0.0)


def foreground(frame: ImageArray, background: Background,
               roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
    """Foreground mask inside ``roi`` (x0, y0, x1, y1); False elsewhere."""
    x0, y0, x1, y1 = roi
    mask = np.zeros(frame.shape[:2], dtype=bool)
    if x1 <= x0 or y1 <= y0:
        return mask
    diff = cv2.absdiff(frame[y0:y1, x0:x1], background.image[y0:y1, x0:x1]).max(axis=2)
    known = background.known[y0:y1, x0:x1]
    threshold = np.where(known, DIFF_THRESHOLD, INPAINTED_DIFF_THRESHOLD)
    fg = (diff > threshold).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, kernel)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask[y0:y1, x0:x1] = fg.astype(bool)
    return mask


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


def outline_mask(frame: ImageArray, background: Background | None,
                 person: NDArray[np.bool_] | None,
                 roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
    """The lifter's pixels inside ``roi``: the background model's foreground, the person
    mask, or (both given) the foreground where the person mask agrees."""
    if background is None:
        if person is None:
            raise ValueError("an outline needs a background model or a person mask")
        return person
    fg = foreground(frame, background, roi)
    if person is None:
        return fg
    x0, y0, x1, y1 = roi
    size = 2 * FUSE_MARGIN_PX + 1
    near = np.zeros_like(fg)
    near[y0:y1, x0:x1] = cv2.dilate(person[y0:y1, x0:x1].astype(np.uint8),
                                    np.ones((size, size), np.uint8)).astype(bool)
    return fg & near


def back_profile(frame: ImageArray, background: Background | None, hip: FloatArray,
                 shoulder: FloatArray, facing_sign: float, end: float = 1.0,
                 person: NDArray[np.bool_] | None = None) -> BackProfile:
    """Measure the dorsal contour from the hip to ``end`` of the hip→shoulder chord, on
    the background model's foreground, the ``person`` mask (frame-sized), or both."""
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
    mask = outline_mask(frame, background, person, (x0, y0, x1, y1))
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
