"""Repetitions from the hip flexion series: start → bottom → lockout.

A rep is an excursion of hip flexion away from the lifter's upright level, found with two
thresholds (hysteresis), so noise near either threshold cannot split or merge reps:

- it begins when hip flexion rises past ``upright + ENTER_FRACTION × range`` and ends when
  it falls back below ``upright + EXIT_FRACTION × range``;
- its start and end are then moved out to where the movement really began and ended (the
  last still frame before, the first still frame after), so pauses at the top belong to
  no rep and a slow setup does not stretch it;
- its bottom is the middle of the plateau around the deepest point, so a pause at the
  bottom does not bias the bottom's time.

A clip that opens at the bottom (a deadlift set up on the floor) counts its first lift as
a rep from the clip's start. A movement the clip ends in (the lifter never stands back up)
is found here and marked ``closes_clip``; which movements are lifts is decided in
``motion.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Hip flexion ranges below this are not hinge reps (degrees); a good morning or a wall
# drill already exceeds 40°.
MIN_RANGE_DEG = 20.0
# Hysteresis as fractions of the clip's hip flexion range (upright p10 → deep p95): a half
# rep (50 % depth) must still count, so entering stays well under half.
ENTER_FRACTION = 0.30
EXIT_FRACTION = 0.15
ENTER_MIN_DEG = 12.0
# "Still": within this fraction of the range from the local extreme.
STILL_FRACTION = 0.06
# A rep is at least this long; a kettlebell swing takes about a second (seconds).
MIN_REP_S = 0.4
# The bottom: the middle of the frames within this fraction of the range of the deepest
# (wide enough that keypoint noise on a held bottom does not cut the hold short).
BOTTOM_PLATEAU = 0.08
# Reps reaching less than this fraction of the median rep's depth are partial.
PARTIAL_FRACTION = 0.75


@dataclass(frozen=True)
class RepSpan:
    """Frame indices of one rep, and whether it is partial or cut by the clip's edge."""

    start: int
    bottom: int
    end: int
    depth_deg: float
    partial: bool
    opens_clip: bool
    closes_clip: bool


def _fill(values: FloatArray) -> FloatArray:
    """Linear fill of NaN (segmentation only: angles reported stay NaN)."""
    ok = ~np.isnan(values)
    if ok.all() or not ok.any():
        return values.copy()
    idx = np.arange(values.size)
    return np.interp(idx, idx[ok], values[ok])


def _plateau_middle(h: FloatArray, lo: int, hi: int, tol: float) -> int:
    peak = lo + int(np.argmax(h[lo:hi + 1]))
    left, right = peak, peak
    while left > lo and h[left - 1] >= h[peak] - tol:
        left -= 1
    while right < hi and h[right + 1] >= h[peak] - tol:
        right += 1
    return (left + right) // 2


def segment_reps(times_s: FloatArray, hip_flexion_deg: FloatArray) -> list[RepSpan]:
    """Find the reps in a hip flexion series (degrees, NaN allowed) sampled at ``times_s``."""
    ok = ~np.isnan(hip_flexion_deg)
    if ok.sum() < 4:
        return []
    h = _fill(hip_flexion_deg)
    upright = float(np.percentile(h[ok], 10))
    deep = float(np.percentile(h[ok], 95))
    span = deep - upright
    if span < MIN_RANGE_DEG:
        return []
    enter = upright + max(ENTER_MIN_DEG, ENTER_FRACTION * span)
    leave = upright + EXIT_FRACTION * span
    still = STILL_FRACTION * span

    # Excursions: [first index above enter .. last index before falling below leave].
    excursions: list[tuple[int, int]] = []
    down_since: int | None = 0 if h[0] > enter else None
    for i in range(1, h.size):
        if down_since is None and h[i] > enter:
            down_since = i
        elif down_since is not None and h[i] < leave:
            excursions.append((down_since, i))
            down_since = None
    if down_since is not None:
        excursions.append((down_since, h.size - 1))

    reps: list[RepSpan] = []
    prev_end = 0
    for k, (a, b) in enumerate(excursions):
        opens = a == 0 and h[0] > enter
        closes = b == h.size - 1 and h[-1] >= leave
        start = 0 if opens else _movement_start(h, prev_end, a, still)
        nxt = excursions[k + 1][0] if k + 1 < len(excursions) else h.size - 1
        end = h.size - 1 if closes else _movement_end(h, b, nxt, still)
        bottom = _plateau_middle(h, start, end, BOTTOM_PLATEAU * span)
        reps.append(RepSpan(start, bottom, end, float(h[bottom] - upright), False, opens,
                            closes))
        prev_end = end
    reps = [r for r in reps if times_s[r.end] - times_s[r.start] >= MIN_REP_S or r.opens_clip]
    return mark_partial(reps)


def _movement_start(h: FloatArray, lo: int, crossing: int, still: float) -> int:
    """The last still frame before the descent that crosses at ``crossing``."""
    base = float(np.min(h[lo:crossing + 1]))
    i = crossing
    while i > lo and h[i - 1] > base + still:
        i -= 1
    return max(i - 1, lo) if i > lo else lo


def _movement_end(h: FloatArray, crossing: int, hi: int, still: float) -> int:
    """The first still frame after the ascent that crosses at ``crossing``."""
    base = float(np.min(h[crossing:hi + 1]))
    i = crossing
    while i < hi and h[i + 1] > base + still:
        i += 1
    return min(i + 1, hi)


def mark_partial(reps: list[RepSpan]) -> list[RepSpan]:
    """Mark the reps that reach under ``PARTIAL_FRACTION`` of the median rep's depth."""
    if not reps:
        return reps
    typical = float(np.median([r.depth_deg for r in reps]))
    out = []
    for r in reps:
        partial = r.depth_deg < PARTIAL_FRACTION * typical
        out.append(RepSpan(r.start, r.bottom, r.end, r.depth_deg, partial, r.opens_clip,
                           r.closes_clip))
    return out
