"""What one rep did, in numbers: the measures the fault detectors read (``faults.py``).

Pure: the clip's kinematics and the back's per-frame profiles in, ``RepMeasures`` out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hingecheck.analysis.kinematics import Kinematics, median_seen
from hingecheck.analysis.reps import RepSpan
from hingecheck.analysis.silhouette import median_profile_bulge

# The bottom window: frames within this fraction of the rep's depth of its deepest point.
BOTTOM_WINDOW = 0.1
# Rounding is judged on the rep's deepest trunk angles (the top 20 % of the rep's frames)
# and confirmed on the way there and back: the frames with the trunk between these
# fractions of its range over the rep (a flexing spine bends more the lower it goes, so it
# already shows there; a neutral back reads straight or hollow there whatever a keypoint
# that slips at the bottom makes of the deepest frames).
DEEP_TRUNK_PERCENTILE = 80
ON_THE_WAY_TRUNK = (0.55, 0.8)
# An outline no back can make follows a bar, plates, a caption or a rack, not the back;
# it is "back not measured here". The outline reads more than the spine's own bend (the
# shoulder blades and clothing round it): the generator's severe rounding (45° of spine
# flexion) reads 0.22–0.26 chord lengths, so the bound sits above that, under the 0.31
# (a "142° bend") of a barbell on the shoulders; hollow beyond 0.15 is no back either [HC].
BACK_BULGE_POSSIBLE = (-0.15, 0.29)
# The back is measured only where the keypoints that place the chord were seen this well.
BACK_MIN_CONFIDENCE = 0.3
# Lockout: after the bottom, frames within this fraction of the depth of upright, and up
# to this long after the rep ends (seconds).
LOCKOUT_WINDOW = 0.15
LOCKOUT_AFTER_S = 0.4
# Hips rising first is read over the first part of the lift: from the end of the bottom
# until the knees have made this fraction of their extension; the hips must rise this
# much there (leg lengths) for the ratio to mean anything.
FIRST_PULL_KNEE_FRACTION = 0.5
FIRST_PULL_MIN_HIP_RISE = 0.06
# The pull begins where the knees leave their deepest bend by more than this (degrees).
LIFT_OFF_KNEE_DEG = 3.0

@dataclass(frozen=True)
class RepMeasures:
    """What one rep did (angles in degrees, distances in leg lengths, times in seconds)."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    down_s: float
    up_s: float
    partial: bool
    peak_hip_flexion_deg: float
    knee_flexion_at_bottom_deg: float
    trunk_at_bottom_deg: float
    shin_at_bottom_deg: float
    hip_back_ratio: float
    hip_drop_ratio: float
    knee_forward_ratio: float
    lockout_trunk_deg: float
    neck_flexion_at_bottom_deg: float
    back_bulge: float
    back_bulge_on_the_way: float
    back_measured_share: float
    back_impossible: bool
    shoulder_over_hip_rise: float
    trunk_change_first_pull_deg: float
    confidence: float

    @property
    def back_confidence(self) -> float:
        """How far the back's reading can be trusted (0: not measured)."""
        return self.back_measured_share * self.confidence


def _first_pull(kin: Kinematics, span: RepSpan, bottom_end: int) -> tuple[float, float]:
    """Shoulder rise over hip rise, and the trunk's change (degrees, + = more horizontal),
    from the end of the bottom until the knees have made the first part of their extension.

    A pull with a steady back angle raises shoulders and hips together (ratio about 1);
    hips that rise first leave the shoulders behind (ratio toward 0, the trunk tilts down).
    """
    knee = kin.knee_flexion_deg
    up = np.arange(bottom_end, span.end + 1)
    ok = up[~np.isnan(knee[up])]
    if ok.size < 3:
        return float("nan"), float("nan")
    start = int(ok[0])
    straightest = float(np.min(knee[ok]))
    target = knee[start] - FIRST_PULL_KNEE_FRACTION * (knee[start] - straightest)
    reached = ok[knee[ok] <= target]
    if reached.size == 0:
        return float("nan"), float("nan")
    stop = int(reached[0])
    hip_rise = kin.hip_drop_ratio[start] - kin.hip_drop_ratio[stop]
    shoulder_rise = kin.shoulder_drop_ratio[start] - kin.shoulder_drop_ratio[stop]
    if not hip_rise >= FIRST_PULL_MIN_HIP_RISE:  # NaN too
        return float("nan"), float("nan")
    return (float(shoulder_rise / hip_rise),
            float(kin.trunk_deg[stop] - kin.trunk_deg[start]))


def _lift_off(kin: Kinematics, bottom: np.ndarray) -> int:
    """The last frame of the bottom with the knees still at their most bent: where the
    pull begins (the hips can stay folded while the knees already straighten)."""
    knee = kin.knee_flexion_deg[bottom]
    if np.isnan(knee).all():
        return int(bottom[-1])
    held = bottom[knee >= np.nanmax(knee) - LIFT_OFF_KNEE_DEG]
    return int(held[-1])


def _back_reading(heights: np.ndarray, end: float) -> tuple[float, float, bool]:
    """The back's bulge over these frames, its coverage, and whether the outline was one
    no back can make (then the bulge is NaN: not measured here)."""
    bulge, coverage = median_profile_bulge(heights, end)
    lo, hi = BACK_BULGE_POSSIBLE
    if not math.isnan(bulge) and not lo <= bulge <= hi:
        return float("nan"), coverage, True
    return bulge, coverage, False


def measure_rep(kin: Kinematics, span: RepSpan, index: int, back_heights: np.ndarray,
                profile_end: float) -> RepMeasures:
    """Measure one rep from the clip's kinematics and per-frame back profiles (n, steps)."""
    t, h = kin.times_s, kin.hip_flexion_deg
    frames = np.arange(span.start, span.end + 1)
    peak = float(np.nanmax(h[frames])) if not np.isnan(h[frames]).all() else float("nan")
    bottom = frames[h[frames] >= peak - BOTTOM_WINDOW * span.depth_deg]
    if bottom.size == 0:
        bottom = np.array([span.bottom])
    upright = peak - span.depth_deg
    after = np.arange(span.bottom, h.size)
    after = after[(t[after] <= t[span.end] + LOCKOUT_AFTER_S)
                  & (h[after] <= upright + LOCKOUT_WINDOW * span.depth_deg)]
    lockout = float(np.nanmin(kin.trunk_deg[after])) if after.size and not np.isnan(
        kin.trunk_deg[after]).all() else float("nan")
    trunk = kin.trunk_deg[frames]
    deep = on_the_way = frames[:0]
    if not np.isnan(trunk).all():
        deep = frames[trunk >= np.nanpercentile(trunk, DEEP_TRUNK_PERCENTILE)]
        lo, hi = float(np.nanmin(trunk)), float(np.nanmax(trunk))
        a, b = (lo + f * (hi - lo) for f in ON_THE_WAY_TRUNK)
        on_the_way = frames[(trunk >= a) & (trunk <= b)]
    confidence = float(np.mean(kin.confidence[frames]))
    bulge, coverage, impossible = _back_reading(back_heights[deep], profile_end)
    bulge_on_the_way, _, impossible_on_the_way = _back_reading(back_heights[on_the_way],
                                                               profile_end)
    if confidence < BACK_MIN_CONFIDENCE:
        bulge = bulge_on_the_way = float("nan")
    rise_ratio, trunk_change = _first_pull(kin, span, _lift_off(kin, bottom))
    return RepMeasures(
        index=index, start_s=float(t[span.start]), bottom_s=float(t[span.bottom]),
        end_s=float(t[span.end]), down_s=float(t[span.bottom] - t[span.start]),
        up_s=float(t[span.end] - t[span.bottom]), partial=span.partial,
        peak_hip_flexion_deg=peak,
        knee_flexion_at_bottom_deg=median_seen(kin.knee_flexion_deg[bottom]),
        trunk_at_bottom_deg=median_seen(kin.trunk_deg[bottom]),
        shin_at_bottom_deg=median_seen(kin.shin_deg[bottom]),
        hip_back_ratio=median_seen(kin.hip_back_ratio[bottom]),
        hip_drop_ratio=median_seen(kin.hip_drop_ratio[bottom]),
        knee_forward_ratio=median_seen(kin.knee_forward_ratio[bottom]),
        lockout_trunk_deg=lockout,
        neck_flexion_at_bottom_deg=median_seen(kin.neck_deg[bottom]),
        back_bulge=bulge, back_bulge_on_the_way=bulge_on_the_way,
        back_measured_share=coverage if not math.isnan(bulge) else 0.0,
        back_impossible=impossible or impossible_on_the_way,
        shoulder_over_hip_rise=rise_ratio, trunk_change_first_pull_deg=trunk_change,
        confidence=confidence,
    )
