"""What to draw at a given moment, read from the result alone (no image work here).

The result holds the analysed frames (15 per second by default); the annotated clip plays
every source frame, so keypoints and the back's outline are interpolated in time between
the analysed frames around each shown frame.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from hingecheck.analysis.catalogue import FAULT_ANCHORS
from hingecheck.analysis.profiles import get_profile
from hingecheck.keypoints import PAIRS
from hingecheck.schemas.result import AnalysisResult, Fault, Rep

# How long messages stay on screen (seconds): long enough to read on a phone.
REP_BANNER_S = 1.6
FAULT_LABEL_MIN_S = 2.2


@dataclass(frozen=True)
class FaultLabel:
    fault: Fault
    rep_index: int
    anchor: str  # "back", "knee" or "hip": where on the body it points


@dataclass(frozen=True)
class SceneState:
    """Everything the overlay needs for one frame (display pixels)."""

    time_s: float
    keypoints: np.ndarray | None          # (17, 3) x, y, confidence; None: lifter not seen
    back_outline: np.ndarray | None       # (k, 2)
    back_rounded: float                   # 0 neutral … 1 clearly rounded (colour)
    hip_flexion_deg: float | None
    knee_flexion_deg: float | None
    reps_done: int
    rep_total: int
    current_rep: Rep | None
    banner: Rep | None                    # a rep that just locked out
    labels: list[FaultLabel]
    hip_path: np.ndarray                  # (m, 2) hip positions since the rep began


ANCHORS = FAULT_ANCHORS  # where on the body the clip points to each fault


def series_array(values: list[float | None]) -> np.ndarray:
    """A result series as floats, NaN where it says null (not measured)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


class Scene:
    """Per-moment overlay state for one result."""

    def __init__(self, result: AnalysisResult) -> None:
        self.result = result
        self.times = np.asarray(result.pose.times_s, dtype=float)
        kp_rows = [[(np.nan, np.nan, 0.0) if p is None else p for p in row]
                   for row in result.pose.keypoints]
        self.keypoints = np.array(kp_rows, dtype=float).reshape(len(self.times), 17, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # frames without the lifter
            self.hip = np.nanmean(self.keypoints[:, list(PAIRS["hip"]), :2], axis=1) \
                if len(self.times) else np.zeros((0, 2))
        self.hip_flexion = series_array(result.series.hip_flexion_deg)
        self.knee_flexion = series_array(result.series.knee_flexion_deg)
        self.outlines = result.series.back_outline
        self.rounding = self._rounding_per_frame()

    def _rounding_per_frame(self) -> np.ndarray:
        """0–1 colour of the back: the profile's rounding ramp on each frame's bulge (none
        on a clip that was not judged: its outline is drawn neutral)."""
        if not self.result.summary.judged:
            return np.zeros(len(self.times))
        ramp = get_profile(self.result.exercise.name).back_bulge
        return np.array([ramp(b) for b in series_array(self.result.series.back_bulge)])

    def _interp_keypoints(self, t: float) -> np.ndarray | None:
        if len(self.times) == 0:
            return None
        i = int(np.searchsorted(self.times, t))
        if i <= 0 or i >= len(self.times):
            k = self.keypoints[0 if i <= 0 else -1]
            return None if np.isnan(k[:, 0]).all() else k
        a, b = self.keypoints[i - 1], self.keypoints[i]
        w = (t - self.times[i - 1]) / max(self.times[i] - self.times[i - 1], 1e-9)
        out = (1 - w) * a + w * b
        # A point seen on one side only: show the nearer frame's (never invent beyond).
        nearer = a if w < 0.5 else b
        gap = np.isnan(out[:, 0])
        out[gap] = nearer[gap]
        return None if np.isnan(out[:, 0]).all() else out

    def _nearest(self, t: float) -> int:
        i = int(np.clip(np.searchsorted(self.times, t), 1, max(len(self.times) - 1, 1)))
        return i - 1 if abs(self.times[i - 1] - t) <= abs(self.times[i] - t) else i

    def state(self, t: float) -> SceneState:
        reps = self.result.reps
        near = self._nearest(t) if len(self.times) else 0
        outline = self.outlines[near] if self.outlines and len(self.times) else None
        current = next((r for r in reps if r.start_s <= t <= r.end_s), None)
        # A rep's score shows after its lockout until the next rep starts (at most
        # REP_BANNER_S): during a rep the banner would name the one before it.
        banner = None if current is not None else next(
            (r for r in reps if r.end_s <= t < r.end_s + REP_BANNER_S), None)
        labels = [FaultLabel(f, r.index, ANCHORS[f.name]) for r in reps for f in r.faults
                  if f.start_s <= t <= max(f.end_s, f.start_s + FAULT_LABEL_MIN_S)]
        path = np.zeros((0, 2))
        if current is not None and len(self.times):
            span = (self.times >= current.start_s) & (self.times <= t)
            path = self.hip[span]
            path = path[~np.isnan(path[:, 0])]
        return SceneState(
            time_s=t, keypoints=self._interp_keypoints(t),
            back_outline=None if outline is None else np.asarray(outline, dtype=float),
            back_rounded=float(np.nan_to_num(self.rounding[near])) if len(self.times) else 0.0,
            hip_flexion_deg=_finite(self.hip_flexion, near),
            knee_flexion_deg=_finite(self.knee_flexion, near),
            reps_done=sum(r.end_s <= t for r in reps), rep_total=len(reps),
            current_rep=current, banner=banner, labels=labels, hip_path=path,
        )

    def worst_rep(self) -> Rep | None:
        """The lowest-scoring rep (the first of equals); None without scored reps."""
        reps = [r for r in self.result.reps if r.score is not None]
        return min(reps, key=lambda r: (r.score or 0.0, r.index)) if reps else None


def _finite(values: np.ndarray, i: int) -> float | None:
    if i >= values.size or not np.isfinite(values[i]):
        return None
    return float(values[i])
