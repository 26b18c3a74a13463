"""The one table of faults hingecheck calls: one entry per fault.

Each entry says what the fault is called and said, what it costs and looks like, the
numbers its detector writes as evidence (in a coach's words, with their units), which of
them an exercise profile gives reference ranges for (its thresholds, ``profiles.py``), and
so which exercises it applies to. The schema, the scoring, the annotated clip, the chart,
``references()``, ``GET /v1/scoring`` and the coach's page all read this table; the
detectors (``detectors.py``) write what it says. Adding a fault: docs/scoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from hingecheck.analysis.profiles import PROFILES, ExerciseProfile, Ramp
from hingecheck.vocab import Exercise, FaultName

Anchor = Literal["back", "knee", "hip"]


@dataclass(frozen=True)
class Measure:
    """One number a detector writes as evidence: its key, in a coach's words, its unit."""

    key: str
    words: str
    unit: str


@dataclass(frozen=True)
class Threshold:
    """An evidence number that ``ExerciseProfile.<ramp>`` gives a reference range for."""

    evidence: str  # a Measure's key
    ramp: str      # an ExerciseProfile field holding a ``Ramp`` (or None: not read there)


@dataclass(frozen=True)
class FaultKind:
    name: FaultName
    label: str          # what a coach reads on the clip, the chart and the page
    cue: str            # what to do about it, said on the clip and in the summary
    weight: float       # points the fault costs at full severity (scoring.py)
    colour: str         # the chart's and the page's colour (#rrggbb)
    anchor: Anchor      # where on the body the clip points to it
    evidence: tuple[Measure, ...]       # what the detector writes, in its order
    thresholds: tuple[Threshold, ...]   # which of those the profiles give ranges for
    # The profile ramps the fault needs: an exercise whose profile leaves one unset (None)
    # is never judged for this fault.
    requires: tuple[str, ...] = ()

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        """The exercises this fault is judged on."""
        return tuple(e for e, p in PROFILES.items() if self.applies_to(p))

    def applies_to(self, profile: ExerciseProfile) -> bool:
        return all(getattr(profile, ramp) is not None for ramp in self.requires)

    def as_dict(self) -> dict[str, object]:
        """What clients read about the fault (``GET /v1/scoring``)."""
        return {"name": self.name, "label": self.label, "cue": self.cue,
                "weight": self.weight, "colour": self.colour, "anchor": self.anchor}


def _m(key: str, words: str, unit: str) -> Measure:
    return Measure(key, words, unit)


_KNEE = _m("knee_flexion_deg", "knee bend at the bottom", "°")
_TRUNK_AT_BOTTOM = "trunk lean from vertical at the bottom"

# Weights: the two classic hinge errors cost most (they move load from the hips to the
# knees or the lumbar spine); an incomplete hinge is the lost pattern itself; hips rising
# first turns the pull into a stiff-legged one and loads the back; the rest refine.
FAULTS: tuple[FaultKind, ...] = (
    FaultKind(
        FaultName.LUMBAR_ROUNDING, "Rounded back",
        "Keep a long, neutral spine: chest proud, brace before you hinge.",
        45.0, "#9467bd", "back",
        evidence=(
            _m("back_bulge_at_bottom", "back's bulge at the bottom", "chord lengths"),
            _m("back_bulge_on_the_way", "back's bulge on the way down and up",
               "chord lengths"),
            _m("back_bulge_standing", "back's bulge standing tall", "chord lengths"),
            _m("back_bend_deg", "the outline's curve as an arc (shoulder blades and clothing "
                                "add to it)", "°"),
            _m("neck_flexion_rise_deg", "neck bending further than standing", "°"),
            _m("trunk_at_bottom_deg", _TRUNK_AT_BOTTOM, "°")),
        thresholds=(Threshold("back_bulge_at_bottom", "back_bulge"),
                    Threshold("back_bulge_on_the_way", "back_bulge_on_the_way"))),
    FaultKind(
        FaultName.SQUAT_SUBSTITUTION, "Squat substitution",
        "Push the hips back toward the wall; keep the shins vertical.",
        40.0, "#d62728", "knee",
        evidence=(
            _KNEE,
            _m("trunk_deg", _TRUNK_AT_BOTTOM, "°"),
            _m("trunk_minus_shin_deg", "trunk lean beyond the shins' lean", "°"),
            _m("knee_forward_ratio", "knees ahead of the ankles", "leg lengths"),
            _m("hip_drop_minus_back_ratio", "hips dropping more than going back",
               "leg lengths")),
        thresholds=(Threshold("knee_flexion_deg", "knee_flexion_deg"),
                    Threshold("trunk_minus_shin_deg", "trunk_minus_shin_deg"),
                    Threshold("knee_forward_ratio", "knee_forward_ratio"),
                    Threshold("hip_drop_minus_back_ratio", "hip_drop_minus_back"),
                    Threshold("trunk_deg", "trunk_upright_deg"))),
    FaultKind(
        FaultName.INCOMPLETE_HINGE, "Incomplete hinge",
        "Push the hips back toward the wall and feel the hamstrings load.",
        30.0, "#e377c2", "hip",
        evidence=(_m("hip_back_ratio", "hips travelling back", "leg lengths"),
                  _m("peak_hip_flexion_deg", "hip bend at the deepest point", "°")),
        thresholds=(Threshold("hip_back_ratio", "hip_back_ratio"),
                    Threshold("peak_hip_flexion_deg", "min_hip_flexion_deg")),
        requires=("hip_back_ratio", "min_hip_flexion_deg")),
    FaultKind(
        FaultName.HIPS_RISE_FIRST, "Hips rise first",
        "Chest and hips rise together: push the floor away, keep the back angle.",
        25.0, "#17becf", "hip",
        evidence=(_m("shoulder_over_hip_rise", "shoulder rise over hip rise off the floor",
                     "×"),
                  _m("trunk_change_deg", "trunk angle change off the floor", "°")),
        thresholds=(Threshold("shoulder_over_hip_rise", "shoulder_over_hip_rise"),),
        requires=("shoulder_over_hip_rise",)),
    FaultKind(
        FaultName.HYPEREXTENSION, "Leaning back at lockout",
        "Finish tall: squeeze the glutes, don't lean back at the top.",
        15.0, "#ff7f0e", "hip",
        evidence=(_m("lockout_trunk_deg", "trunk lean at lockout (negative: back)", "°"),),
        thresholds=(Threshold("lockout_trunk_deg", "lockout_trunk_deg"),)),
    FaultKind(
        FaultName.LOCKED_KNEES, "Locked knees",
        "Soft knees: unlock them a little before the hips go back.",
        10.0, "#8c564b", "knee",
        evidence=(_KNEE,),
        thresholds=(Threshold("knee_flexion_deg", "locked_knee_deg"),),
        requires=("locked_knee_deg",)),
    FaultKind(
        FaultName.ASYMMETRIC_TEMPO, "Rushed lowering",
        "Control the way down: lower as smoothly as you lift.",
        5.0, "#7f7f7f", "hip",
        evidence=(_m("down_s", "lowering time", "s"), _m("up_s", "lifting time", "s"),
                  _m("up_over_down", "lifting time over lowering time", "×")),
        thresholds=(Threshold("up_over_down", "tempo_ratio"),),
        requires=("tempo_ratio",)),
)

CATALOGUE: dict[FaultName, FaultKind] = {f.name: f for f in FAULTS}
CUES: dict[FaultName, str] = {n: f.cue for n, f in CATALOGUE.items()}
FAULT_WEIGHTS: dict[FaultName, float] = {n: f.weight for n, f in CATALOGUE.items()}
FAULT_LABELS: dict[FaultName, str] = {n: f.label for n, f in CATALOGUE.items()}
FAULT_COLOURS: dict[FaultName, str] = {n: f.colour for n, f in CATALOGUE.items()}
FAULT_ANCHORS: dict[FaultName, Anchor] = {n: f.anchor for n, f in CATALOGUE.items()}


def _evidence() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for kind in FAULTS:
        for m in kind.evidence:
            if table.setdefault(m.key, (m.words, m.unit)) != (m.words, m.unit):
                raise ValueError(f"evidence {m.key!r} is described two ways")
    return table


# What each number in a fault's evidence is, in a coach's words, and its unit.
EVIDENCE: dict[str, tuple[str, str]] = _evidence()
RAMP_FIELDS = frozenset(f.name for f in fields(ExerciseProfile)
                        if "Ramp" in str(f.type))


@dataclass(frozen=True)
class Reference:
    """One number that can call ``fault`` under a profile: nothing wrong at ``ok``, clearly
    wrong at ``bad`` (a fault is called half way, ``faults.FAULT_THRESHOLD``)."""

    fault: FaultName
    evidence: str  # its key in the fault's evidence
    ok: float
    bad: float


def references(profile: ExerciseProfile) -> list[Reference]:
    """Where each of ``profile``'s ramps runs, keyed as the detectors key the evidence:
    the reference values a coach reads a rep's numbers against (faults that do not apply
    to the exercise have none)."""
    found: list[Reference] = []
    for kind in FAULTS:
        if not kind.applies_to(profile):
            continue
        for t in kind.thresholds:
            ramp: Ramp | None = getattr(profile, t.ramp)
            if ramp is not None:
                found.append(Reference(kind.name, t.evidence, ramp.ok, ramp.bad))
    return found
