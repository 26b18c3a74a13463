"""What the back's outline is traced on: one class per source of the lifter's pixels.

- ``PersonOutline``: the lifter's person mask (BlazePose's segmentation, run by the back
  stage): needs no still camera and does not take on-screen captions or racks for the
  lifter;
- ``BackgroundOutline``: a still camera's background model's foreground (``background``);
- ``FusedOutline``: the background model's foreground kept only where the person mask
  (widened by ``FUSE_MARGIN_PX``) agrees, which drops captions and racks from it; with a
  moving camera it falls back to the person mask.

The back stage (``hingecheck.backshape``) picks the class from ``Settings.back_outline``.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.back.background import Background, ImageArray, foreground

# Fused outline: the background model's foreground counts only within this many pixels
# (working resolution) of the person mask.
FUSE_MARGIN_PX = 3



class OutlineSource:
    """Where the lifter's pixels come from, for the back's profile to march through."""

    # Whether the person mask's network must run on each frame for this source.
    needs_person: ClassVar[bool] = True
    # Whether the source needs a still camera (its background model) at all.
    needs_still_camera: ClassVar[bool] = False

    def for_camera(self, still: bool) -> OutlineSource | None:
        """The source to use given whether the camera stood still (None: no source)."""
        return self

    def mask(self, frame: ImageArray, background: Background | None,
             person: NDArray[np.bool_] | None,
             roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
        """The lifter's pixels inside ``roi`` (x0, y0, x1, y1)."""
        raise NotImplementedError


class PersonOutline(OutlineSource):
    def mask(self, frame: ImageArray, background: Background | None,
             person: NDArray[np.bool_] | None,
             roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
        if person is None:
            raise ValueError("the person outline needs a person mask")
        return person


class BackgroundOutline(OutlineSource):
    needs_person = False
    needs_still_camera = True

    def for_camera(self, still: bool) -> OutlineSource | None:
        return self if still else None  # a moving camera has no background model

    def mask(self, frame: ImageArray, background: Background | None,
             person: NDArray[np.bool_] | None,
             roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
        if background is None:
            raise ValueError("the background outline needs a background model")
        return foreground(frame, background, roi)


class FusedOutline(OutlineSource):
    needs_still_camera = True

    def for_camera(self, still: bool) -> OutlineSource | None:
        return self if still else PersonOutline()  # nothing to fuse with: the mask alone

    def mask(self, frame: ImageArray, background: Background | None,
             person: NDArray[np.bool_] | None,
             roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
        if background is None or person is None:
            raise ValueError("the fused outline needs a background model and a person mask")
        fg = foreground(frame, background, roi)
        x0, y0, x1, y1 = roi
        size = 2 * FUSE_MARGIN_PX + 1
        near = np.zeros_like(fg)
        near[y0:y1, x0:x1] = cv2.dilate(person[y0:y1, x0:x1].astype(np.uint8),
                                        np.ones((size, size), np.uint8)).astype(bool)
        return fg & near


def outline_mask(frame: ImageArray, background: Background | None,
                 person: NDArray[np.bool_] | None,
                 roi: tuple[int, int, int, int]) -> NDArray[np.bool_]:
    """The lifter's pixels inside ``roi``: the background model's foreground, the person
    mask, or (both given) the foreground where the person mask agrees."""
    if background is None:
        return PersonOutline().mask(frame, background, person, roi)
    source = BackgroundOutline() if person is None else FusedOutline()
    return source.mask(frame, background, person, roi)
