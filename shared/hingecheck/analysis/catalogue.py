"""The one list of faults hingecheck calls: what each is named, said, costs and looks like.

The schema, the scoring, the annotated clip, the chart, ``GET /v1/scoring`` and the
coach's page all read this table; nothing else names a fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True)
class FaultKind:
    name: str
    label: str          # what a coach reads on the clip, the chart and the page
    cue: str            # what to do about it, said on the clip and in the summary
    weight: float       # points the fault costs at full severity (scoring.py)
    colour: str         # the chart's and the page's colour (#rrggbb)
    anchor: Literal["back", "knee", "hip"]  # where on the body the clip points to it

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Weights: the two classic hinge errors cost most (they move load from the hips to the
# knees or the lumbar spine); an incomplete hinge is the lost pattern itself; hips rising
# first turns the pull into a stiff-legged one and loads the back; the rest refine.
CATALOGUE: dict[str, FaultKind] = {f.name: f for f in (
    FaultKind("lumbar_rounding", "Rounded back",
              "Keep a long, neutral spine: chest proud, brace before you hinge.",
              45.0, "#9467bd", "back"),
    FaultKind("squat_substitution", "Squat substitution",
              "Push the hips back toward the wall; keep the shins vertical.",
              40.0, "#d62728", "knee"),
    FaultKind("incomplete_hinge", "Incomplete hinge",
              "Push the hips back toward the wall and feel the hamstrings load.",
              30.0, "#e377c2", "hip"),
    FaultKind("hips_rise_first", "Hips rise first",
              "Chest and hips rise together: push the floor away, keep the back angle.",
              25.0, "#17becf", "hip"),
    FaultKind("hyperextension", "Leaning back at lockout",
              "Finish tall: squeeze the glutes, don't lean back at the top.",
              15.0, "#ff7f0e", "hip"),
    FaultKind("locked_knees", "Locked knees",
              "Soft knees: unlock them a little before the hips go back.",
              10.0, "#8c564b", "knee"),
    FaultKind("asymmetric_tempo", "Rushed lowering",
              "Control the way down: lower as smoothly as you lift.",
              5.0, "#7f7f7f", "hip"),
)}
CUES: dict[str, str] = {n: f.cue for n, f in CATALOGUE.items()}
FAULT_WEIGHTS: dict[str, float] = {n: f.weight for n, f in CATALOGUE.items()}
FAULT_LABELS: dict[str, str] = {n: f.label for n, f in CATALOGUE.items()}
