"""A still camera's background model and the lifter's foreground against it.

Most lift clips are filmed from a still camera. Each pixel's background is the median of
that pixel over sampled frames in which it lies away from the lifter's body (a mask drawn
from the keypoints), so a lifter who stands still for most of the clip does not end up in
the background. Foreground: pixels that differ from the background by more than
``DIFF_THRESHOLD`` in any colour channel, closed and opened to fill holes and drop speckle.

Frames come in at any scale; keypoints must be in the same pixels as the frame.
"""

from __future__ import annotations

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
