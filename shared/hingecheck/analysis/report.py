"""The judgement stage: the lifts the motion stage kept → per-rep measures → faults →
scores. Pure: arrays in, a ``HingeReport`` out.

A clip refused for its camera angle is measured (its reps keep their times and angles, so
the clip can still be shown) but not judged: no fault, cue or score anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.catalogue import FAULT_LABELS
from hingecheck.analysis.faults import RepFaults, assign_cues, detect_faults, measure_rep
from hingecheck.analysis.kinematics import Kinematics, median_seen, standing_frames
from hingecheck.analysis.motion import LeftOut, Motion, decide_motion
from hingecheck.analysis.scoring import ClipScore, clip_score, rep_score
from hingecheck.analysis.silhouette import median_profile_bulge
from hingecheck.vocab import Exercise, ExerciseChoice

FloatArray = NDArray[np.float64]


@dataclass
class HingeReport:
    exercise: Exercise
    exercise_guess_confidence: float | None
    kinematics: Kinematics
    reps: list[RepFaults]
    rep_scores: list[float | None]
    score: ClipScore
    standing_bulge: float
    judged: bool
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def judge(motion: Motion, back_heights: FloatArray, *, side_view_ok: bool, view_message: str,
          profile_end: float | None = None) -> HingeReport:
    """Judge the lifts of ``motion``.

    Args:
        back_heights: (n, steps) the back's profile per frame, measured with the decided
            exercise's profile (back shape stage), NaN where unmeasured. profile_end: where
            those profiles end along the chord (default: the profile's own).
        side_view_ok / view_message: the view check; a refused clip is not judged.
    """
    kin, profile = motion.kinematics, motion.profile
    standing = standing_frames(kin)
    end = profile.back_profile_end if profile_end is None else profile_end
    # Reported beside each rep's bulge, not subtracted: standing profiles of neutral
    # lifters spread wider (−0.15 to +0.2 on real clips: arms, bar and clothing cross the
    # back's outline when upright) than the rounding signal itself (docs/scoring.md).
    standing_bulge, _ = median_profile_bulge(back_heights[standing], end)
    standing_neck = median_seen(kin.neck_deg[standing])

    reps = []
    for k, span in enumerate(motion.lifts):
        measures = measure_rep(kin, span, k, back_heights, end)
        faults = detect_faults(measures, profile, standing_bulge, standing_neck) \
            if side_view_ok else []
        reps.append(RepFaults(measures, faults))
    assign_cues(reps)
    scores: list[float | None] = [rep_score(r.faults) if side_view_ok else None for r in reps]
    score = clip_score([s for s in scores if s is not None],
                       [r.measures.partial for r in reps] if side_view_ok else [],
                       side_view_ok, view_message,
                       [[FAULT_LABELS[f.name] for f in r.faults] for r in reps])
    notes: list[str] = []
    if any(r.measures.back_impossible for r in reps):
        notes.append("back not measured on some reps: the outline bent further than a back "
                     "can (a bar, plates, a caption or a rack on it)")
    return HingeReport(motion.exercise, motion.guess_confidence, kin, reps, scores, score,
                       standing_bulge, side_view_ok, motion.left_out, notes)


def analyse(times_s: FloatArray, xy: FloatArray, conf: FloatArray, facing: str | None,
            back_heights: FloatArray, *, exercise: ExerciseChoice | str, side_view_ok: bool,
            view_message: str, profile_end: float | None = None) -> HingeReport:
    """The motion and judgement stages in one call, for callers that have the back's
    profiles already (tests, benchmarks). ``exercise``: an exercise or ``auto``."""
    motion = decide_motion(times_s, xy, conf, facing, exercise)
    return judge(motion, back_heights, side_view_ok=side_view_ok, view_message=view_message,
                 profile_end=profile_end)
