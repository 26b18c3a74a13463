"""The faults a rep shows (one detector per fault of ``catalogue.py``) and the cues
worth saying.

Each fault has a severity in 0–1 (the profile's ramps, see profiles.py) and is reported
when the severity reaches ``FAULT_THRESHOLD``; the numbers behind it travel with it, keyed
as the catalogue's entry for the fault lists them. The rep's numbers: ``measures.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from hingecheck.analysis.catalogue import CUES, EVIDENCE, Reference, references
from hingecheck.analysis.measures import RepMeasures, measure_rep
from hingecheck.analysis.profiles import ExerciseProfile, Ramp
from hingecheck.vocab import FaultName

# The measures and the catalogue's tables, under the names callers have used.
__all__ = [
    "DETECTORS",
    "EVIDENCE",
    "FAULT_THRESHOLD",
    "Fault",
    "Reference",
    "RepFaults",
    "RepMeasures",
    "assign_cues",
    "combine",
    "detect_faults",
    "measure_rep",
    "references",
    "speaks_alone",
    "squat_severity",
]

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
# Repeat a cue only if the fault got this much worse since it was last said, or came back
# after a clean rep.
CUE_WORSE_BY = 0.25


@dataclass(frozen=True)
class Fault:
    name: FaultName
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


@dataclass(frozen=True)
class Context:
    """What every detector may read beside the rep: its bottom's time span and the
    lifter's standing readings."""

    bottom_span: tuple[float, float]
    standing_bulge: float
    standing_neck_deg: float


@dataclass(frozen=True)
class Call:
    """A detector's reading: severity (0–1, NaN unmeasured), when, the numbers behind it
    (keyed as the catalogue's evidence) and how far they can be trusted."""

    severity: float
    span: tuple[float, float]
    evidence: dict[str, float]
    confidence: float


# A fault's detector: None where the fault is not read on this rep.
Detector = Callable[[RepMeasures, ExerciseProfile, Context], Call | None]


def _squat(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call:
    return Call(squat_severity(m, p), c.bottom_span, {
        "knee_flexion_deg": m.knee_flexion_at_bottom_deg,
        "trunk_deg": m.trunk_at_bottom_deg,
        "trunk_minus_shin_deg": m.trunk_at_bottom_deg - m.shin_at_bottom_deg,
        "knee_forward_ratio": m.knee_forward_ratio,
        "hip_drop_minus_back_ratio": m.hip_drop_ratio - m.hip_back_ratio}, m.confidence)


def _rounding(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call:
    rounding = p.back_bulge(m.back_bulge)
    on_the_way = p.back_bulge_on_the_way(m.back_bulge_on_the_way)
    if not math.isnan(on_the_way):  # unmeasured there: the bottom alone decides
        rounding = min(rounding, on_the_way)
    return Call(rounding, c.bottom_span, {
        "back_bulge_at_bottom": m.back_bulge,
        "back_bulge_on_the_way": m.back_bulge_on_the_way,
        "back_bulge_standing": c.standing_bulge,
        "back_bend_deg": math.degrees(8.0 * m.back_bulge),
        "neck_flexion_rise_deg": m.neck_flexion_at_bottom_deg - c.standing_neck_deg,
        "trunk_at_bottom_deg": m.trunk_at_bottom_deg}, m.back_confidence)


def _hips_rise_first(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call | None:
    if p.shoulder_over_hip_rise is None or m.partial:
        return None
    return Call(p.shoulder_over_hip_rise(m.shoulder_over_hip_rise),
                (m.bottom_s, m.bottom_s + m.up_s / 2),
                {"shoulder_over_hip_rise": m.shoulder_over_hip_rise,
                 "trunk_change_deg": m.trunk_change_first_pull_deg}, m.confidence)


def _locked_knees(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call | None:
    if p.locked_knee_deg is None or m.partial:
        return None
    return Call(p.locked_knee_deg(m.knee_flexion_at_bottom_deg), c.bottom_span,
                {"knee_flexion_deg": m.knee_flexion_at_bottom_deg}, m.confidence)


def _incomplete_hinge(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call | None:
    if p.hip_back_ratio is None or p.min_hip_flexion_deg is None or m.partial:
        return None
    # Both must show it: the hip keypoint alone wanders on a folded body.
    shallow = p.min_hip_flexion_deg(m.peak_hip_flexion_deg)
    return Call(min(p.hip_back_ratio(m.hip_back_ratio), shallow), c.bottom_span,
                {"hip_back_ratio": m.hip_back_ratio,
                 "peak_hip_flexion_deg": m.peak_hip_flexion_deg}, m.confidence)


def _hyperextension(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call:
    return Call(p.lockout_trunk_deg(m.lockout_trunk_deg), (m.end_s - 0.3, m.end_s + 0.3),
                {"lockout_trunk_deg": m.lockout_trunk_deg}, m.confidence)


def _rushed_lowering(m: RepMeasures, p: ExerciseProfile, c: Context) -> Call | None:
    if p.tempo_ratio is None or not (m.down_s > 0 and m.up_s > 0):
        return None
    # Lowering much faster than lifting is a drop, not a controlled hinge (a slow,
    # deliberate lowering is a prescribed tempo and is not flagged).
    ratio = m.up_s / m.down_s
    return Call(p.tempo_ratio(ratio), (m.start_s, m.end_s),
                {"down_s": m.down_s, "up_s": m.up_s, "up_over_down": ratio}, m.confidence)


# Each fault's detector, in the order a rep lists its faults (result.json keeps it).
DETECTORS: dict[FaultName, Detector] = {
    FaultName.SQUAT_SUBSTITUTION: _squat,
    FaultName.LUMBAR_ROUNDING: _rounding,
    FaultName.HIPS_RISE_FIRST: _hips_rise_first,
    FaultName.LOCKED_KNEES: _locked_knees,
    FaultName.INCOMPLETE_HINGE: _incomplete_hinge,
    FaultName.HYPEREXTENSION: _hyperextension,
    FaultName.ASYMMETRIC_TEMPO: _rushed_lowering,
}


def detect_faults(m: RepMeasures, profile: ExerciseProfile, standing_bulge: float,
                  standing_neck_deg: float) -> list[Fault]:
    """The faults one rep shows under ``profile``, each with its evidence."""
    context = Context((m.bottom_s - min(0.3, m.down_s / 2), m.bottom_s + min(0.3, m.up_s / 2)),
                      standing_bulge, standing_neck_deg)
    faults: list[Fault] = []
    for name, detector in DETECTORS.items():
        call = detector(m, profile, context)
        if call is None or math.isnan(call.severity) or call.severity < FAULT_THRESHOLD:
            continue
        faults.append(Fault(name, round(call.severity, 3), round(call.confidence, 3),
                            call.span[0], call.span[1],
                            {k: round(v, 3) for k, v in call.evidence.items()}))
    return faults


def assign_cues(reps: list[RepFaults]) -> None:
    """Give each rep at most one cue: a fault's first appearance, a clear worsening, or its
    return after a clean rep. Constant correction discourages; silence on repeats is kind."""
    last_cued: dict[FaultName, float] = {}
    previous: set[FaultName] = set()
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


