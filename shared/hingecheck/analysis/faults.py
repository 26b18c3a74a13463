"""Per-rep measurements, the faults they show, and the cues worth saying.

Each fault has a severity in 0–1 (the profile's ramps, see profiles.py) and is reported
when the severity reaches ``FAULT_THRESHOLD``; the numbers behind it travel with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hingecheck.analysis.catalogue import CUES
from hingecheck.analysis.kinematics import Kinematics, median_seen
from hingecheck.analysis.profiles import ExerciseProfile, Ramp
from hingecheck.analysis.reps import RepSpan
from hingecheck.analysis.silhouette import median_profile_bulge

# A fault is reported from this severity on (half way up its ramps).
FAULT_THRESHOLD = 0.5
# Squat substitution: knee flexion and the trunk against the shins tell hip from knee
# strategy best [HS]; forward knee travel and hips dropping more than going back follow
# from them and add less. Their weighted mean decides, unless one strong cue speaks alone
# (``speaks_alone``): then the larger of the two counts.
SQUAT_PRIMARY = 0.35
SQUAT_SECONDARY = 0.15
# A cue speaks alone once it reaches its ramp's "clearly wrong" end (severity 0.5 there,
# 1.0 half a ramp beyond it), and only where the joints behind it were seen well.
ALONE_FROM = 1.0
ALONE_MIN_CONFIDENCE = 0.5
# Outside lifts from the floor the trunk's upright lean calls a squat only when the hips
# folded like a squat's too (degrees of hip flexion): an upright trunk over straight legs
# is a shallow hinge (incomplete hinge), not a squat. A lift from the floor always folds
# that far, and there the knee (which hip flexion needs) is hidden by the plates.
TRUNK_ALONE_MIN_HIP_FLEXION_DEG = 60.0
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
# Repeat a cue only if the fault got this much worse since it was last said, or came back
# after a clean rep.
CUE_WORSE_BY = 0.25


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


@dataclass(frozen=True)
class Fault:
    name: str
    severity: float
    confidence: float
    start_s: float
    end_s: float
    evidence: dict[str, float]
    cue: str | None = None


@dataclass
class RepFaults:
    measures: RepMeasures
    faults: list[Fault] = field(default_factory=list)


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


def _weighted(evidence: list[tuple[float, float]]) -> float:
    """Weighted mean of the evidence that was measured (NaN where none was)."""
    ok = [(w, v) for w, v in evidence if not math.isnan(v)]
    total = sum(w for w, _ in ok)
    return sum(w * v for w, v in ok) / total if total else float("nan")


def speaks_alone(ramp: Ramp, value: float) -> float:
    """A cue's severity on its own: 0.5 at its ramp's "clearly wrong" end, 1.0 half a ramp
    beyond it, under 0.5 (not enough alone) before it."""
    t = ramp.position(value)
    if math.isnan(t):
        return float("nan")
    return float(min(1.0, max(0.0, t - ALONE_FROM + 0.5)))


def combine(weighted: list[tuple[float, float]], alone: list[float], trusted: bool) -> float:
    """A fault's severity from its evidence: the weighted mean, or one strong cue alone
    where the keypoints behind it were seen well (two weak cues stay weak)."""
    mean = _weighted(weighted)
    strong = [v for v in alone if not math.isnan(v)] if trusted else []
    if not strong:
        return mean
    return _larger(mean, max(strong))


def _larger(a: float, b: float) -> float:
    """The larger of two severities, either of which may be unmeasured (NaN)."""
    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)


def squat_severity(m: RepMeasures, profile: ExerciseProfile) -> float:
    """Squat substitution: the weighted evidence, or the knee, the trunk against the shins
    or (for lifts that set it) the trunk's own lean speaking alone."""
    trunk_minus_shin = m.trunk_at_bottom_deg - m.shin_at_bottom_deg
    weighted = [(SQUAT_PRIMARY, profile.knee_flexion_deg(m.knee_flexion_at_bottom_deg)),
                (SQUAT_PRIMARY, profile.trunk_minus_shin_deg(trunk_minus_shin)),
                (SQUAT_SECONDARY, profile.knee_forward_ratio(m.knee_forward_ratio))]
    if profile.hip_drop_minus_back is not None:
        weighted.append((SQUAT_SECONDARY, profile.hip_drop_minus_back(
            m.hip_drop_ratio - m.hip_back_ratio)))
    alone = [speaks_alone(profile.knee_flexion_deg, m.knee_flexion_at_bottom_deg),
             speaks_alone(profile.trunk_minus_shin_deg, trunk_minus_shin)]
    severity = combine(weighted, alone, m.confidence >= ALONE_MIN_CONFIDENCE)
    folded = profile.from_floor or m.peak_hip_flexion_deg >= TRUNK_ALONE_MIN_HIP_FLEXION_DEG
    if profile.trunk_upright_deg is not None and not m.partial and folded:
        # The trunk is the surest witness (hips and shoulders stay in view); not on a
        # partial rep, whose trunk is upright because it stopped half way.
        severity = _larger(severity, profile.trunk_upright_deg(m.trunk_at_bottom_deg))
    return severity


def detect_faults(m: RepMeasures, profile: ExerciseProfile, standing_bulge: float,
                  standing_neck_deg: float) -> list[Fault]:
    """The faults one rep shows under ``profile``, each with its evidence."""
    faults: list[Fault] = []
    bottom_span = (m.bottom_s - min(0.3, m.down_s / 2), m.bottom_s + min(0.3, m.up_s / 2))

    def add(name: str, severity: float, span: tuple[float, float], evidence: dict[str, float],
            confidence: float) -> None:
        if not math.isnan(severity) and severity >= FAULT_THRESHOLD:
            faults.append(Fault(name, round(severity, 3), round(confidence, 3), span[0], span[1],
                                {k: round(v, 3) for k, v in evidence.items()}))

    add("squat_substitution", squat_severity(m, profile), bottom_span, {
        "knee_flexion_deg": m.knee_flexion_at_bottom_deg,
        "trunk_deg": m.trunk_at_bottom_deg,
        "trunk_minus_shin_deg": m.trunk_at_bottom_deg - m.shin_at_bottom_deg,
        "knee_forward_ratio": m.knee_forward_ratio,
        "hip_drop_minus_back_ratio": m.hip_drop_ratio - m.hip_back_ratio}, m.confidence)

    rounding = profile.back_bulge(m.back_bulge)
    on_the_way = profile.back_bulge_on_the_way(m.back_bulge_on_the_way)
    if not math.isnan(on_the_way):  # unmeasured there: the bottom alone decides
        rounding = min(rounding, on_the_way)
    add("lumbar_rounding", rounding, bottom_span, {
        "back_bulge_at_bottom": m.back_bulge,
        "back_bulge_on_the_way": m.back_bulge_on_the_way,
        "back_bulge_standing": standing_bulge,
        "back_bend_deg": math.degrees(8.0 * m.back_bulge),
        "neck_flexion_rise_deg": m.neck_flexion_at_bottom_deg - standing_neck_deg,
        "trunk_at_bottom_deg": m.trunk_at_bottom_deg}, m.back_confidence)

    if profile.hips_rise_first is not None and not m.partial:
        add("hips_rise_first", profile.hips_rise_first(m.shoulder_over_hip_rise),
            (m.bottom_s, m.bottom_s + m.up_s / 2),
            {"shoulder_over_hip_rise": m.shoulder_over_hip_rise,
             "trunk_change_deg": m.trunk_change_first_pull_deg}, m.confidence)
    if profile.locked_knee_deg is not None and not m.partial:
        add("locked_knees", profile.locked_knee_deg(m.knee_flexion_at_bottom_deg), bottom_span,
            {"knee_flexion_deg": m.knee_flexion_at_bottom_deg}, m.confidence)
    if profile.hip_back_ratio is not None and profile.min_hip_flexion_deg is not None \
            and not m.partial:
        # Both must show it: the hip keypoint alone wanders on a folded body.
        shallow = profile.min_hip_flexion_deg(m.peak_hip_flexion_deg)
        add("incomplete_hinge", min(profile.hip_back_ratio(m.hip_back_ratio), shallow),
            bottom_span, {"hip_back_ratio": m.hip_back_ratio,
                          "peak_hip_flexion_deg": m.peak_hip_flexion_deg}, m.confidence)
    add("hyperextension", profile.lockout_trunk_deg(m.lockout_trunk_deg),
        (m.end_s - 0.3, m.end_s + 0.3), {"lockout_trunk_deg": m.lockout_trunk_deg},
        m.confidence)
    if profile.tempo_ratio is not None and m.down_s > 0 and m.up_s > 0:
        # Lowering much faster than lifting is a drop, not a controlled hinge (a slow,
        # deliberate lowering is a prescribed tempo and is not flagged).
        ratio = m.up_s / m.down_s
        add("asymmetric_tempo", profile.tempo_ratio(ratio), (m.start_s, m.end_s),
            {"down_s": m.down_s, "up_s": m.up_s, "up_over_down": ratio}, m.confidence)
    return faults


def assign_cues(reps: list[RepFaults]) -> None:
    """Give each rep at most one cue: a fault's first appearance, a clear worsening, or its
    return after a clean rep. Constant correction discourages; silence on repeats is kind."""
    last_cued: dict[str, float] = {}
    previous: set[str] = set()
    for rep in reps:
        present = {f.name for f in rep.faults}
        for i, fault in sorted(enumerate(rep.faults), key=lambda p: -p[1].severity):
            new = fault.name not in last_cued
            worse = fault.severity >= last_cued.get(fault.name, 9.0) + CUE_WORSE_BY
            back = fault.name in last_cued and fault.name not in previous
            if new or worse or back:
                rep.faults[i] = Fault(**{**fault.__dict__, "cue": CUES[fault.name]})
                last_cued[fault.name] = fault.severity
                break
        previous = present


# What each number in a fault's evidence is, in a coach's words, and its unit.
EVIDENCE: dict[str, tuple[str, str]] = {
    "knee_flexion_deg": ("knee bend at the bottom", "°"),
    "trunk_deg": ("trunk lean from vertical at the bottom", "°"),
    "trunk_minus_shin_deg": ("trunk lean beyond the shins' lean", "°"),
    "knee_forward_ratio": ("knees ahead of the ankles", "leg lengths"),
    "hip_drop_minus_back_ratio": ("hips dropping more than going back", "leg lengths"),
    "back_bulge_at_bottom": ("back's bulge at the bottom", "chord lengths"),
    "back_bulge_on_the_way": ("back's bulge on the way down and up", "chord lengths"),
    "back_bulge_standing": ("back's bulge standing tall", "chord lengths"),
    "back_bend_deg": ("the outline's curve as an arc (shoulder blades and clothing add to it)",
                      "°"),
    "neck_flexion_rise_deg": ("neck bending further than standing", "°"),
    "trunk_at_bottom_deg": ("trunk lean from vertical at the bottom", "°"),
    "shoulder_over_hip_rise": ("shoulder rise over hip rise off the floor", "×"),
    "trunk_change_deg": ("trunk angle change off the floor", "°"),
    "hip_back_ratio": ("hips travelling back", "leg lengths"),
    "peak_hip_flexion_deg": ("hip bend at the deepest point", "°"),
    "lockout_trunk_deg": ("trunk lean at lockout (negative: back)", "°"),
    "down_s": ("lowering time", "s"),
    "up_s": ("lifting time", "s"),
    "up_over_down": ("lifting time over lowering time", "×"),
}


@dataclass(frozen=True)
class Reference:
    """One number that can call ``fault`` under a profile: nothing wrong at ``ok``, clearly
    wrong at ``bad`` (a fault is called half way, ``FAULT_THRESHOLD``)."""

    fault: str
    evidence: str  # its key in the fault's evidence
    ok: float
    bad: float


def references(profile: ExerciseProfile) -> list[Reference]:
    """Where each of ``profile``'s ramps runs, keyed as ``detect_faults`` keys the evidence:
    the reference values a coach reads a rep's numbers against."""
    ramps: list[tuple[str, str, Ramp | None]] = [
        ("squat_substitution", "knee_flexion_deg", profile.knee_flexion_deg),
        ("squat_substitution", "trunk_minus_shin_deg", profile.trunk_minus_shin_deg),
        ("squat_substitution", "knee_forward_ratio", profile.knee_forward_ratio),
        ("squat_substitution", "hip_drop_minus_back_ratio", profile.hip_drop_minus_back),
        ("squat_substitution", "trunk_deg", profile.trunk_upright_deg),
        ("lumbar_rounding", "back_bulge_at_bottom", profile.back_bulge),
        ("lumbar_rounding", "back_bulge_on_the_way", profile.back_bulge_on_the_way),
        ("hips_rise_first", "shoulder_over_hip_rise", profile.hips_rise_first),
        ("locked_knees", "knee_flexion_deg", profile.locked_knee_deg),
        ("incomplete_hinge", "hip_back_ratio", profile.hip_back_ratio),
        ("incomplete_hinge", "peak_hip_flexion_deg", profile.min_hip_flexion_deg),
        ("hyperextension", "lockout_trunk_deg", profile.lockout_trunk_deg),
        ("asymmetric_tempo", "up_over_down", profile.tempo_ratio),
    ]
    return [Reference(fault, key, ramp.ok, ramp.bad) for fault, key, ramp in ramps
            if ramp is not None]
