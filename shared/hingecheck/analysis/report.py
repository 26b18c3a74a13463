"""The analysis core end to end: keypoints (and the back's bulge) → kinematics → reps →
faults → scores. Pure: arrays in, a ``HingeReport`` out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.faults import RepFaults, assign_cues, detect_faults, measure_rep
from hingecheck.analysis.kinematics import Kinematics, compute_kinematics, standing_frames
from hingecheck.analysis.profiles import DEFAULT_EXERCISE, get_profile
from hingecheck.analysis.reps import RepSpan, segment_reps
from hingecheck.analysis.scoring import ClipScore, clip_score, rep_score
from hingecheck.analysis.silhouette import median_profile_bulge

FloatArray = NDArray[np.float64]

# Guessing the exercise ("auto"): a swing's reps are short; a good morning keeps the knees
# nearly straight; a deadlift bends them well beyond an RDL's soft knees.
SWING_MAX_REP_S = 1.6
GOOD_MORNING_MAX_KNEE_DEG = 12.0
DEADLIFT_MIN_KNEE_DEG = 40.0


@dataclass
class HingeReport:
    exercise: str
    exercise_guess_confidence: float | None
    kinematics: Kinematics
    reps: list[RepFaults]
    rep_scores: list[float]
    score: ClipScore
    standing_bulge: float
    notes: list[str] = field(default_factory=list)


def guess_exercise(kin: Kinematics, spans: list[RepSpan]) -> tuple[str, float]:
    """A guess at the exercise from how the reps move, and how sure it is (0–1)."""
    if not spans:
        return DEFAULT_EXERCISE, 0.0
    durations = [kin.times_s[s.end] - kin.times_s[s.start] for s in spans]
    knee = float(np.nanmedian(kin.knee_flexion_deg[[s.bottom for s in spans]]))
    if len(spans) >= 3 and float(np.median(durations)) < SWING_MAX_REP_S:
        return "kettlebell_swing", 0.7
    if spans[0].opens_clip:
        return "deadlift", 0.7  # starts at the bottom: a lift from the floor
    if knee < GOOD_MORNING_MAX_KNEE_DEG:
        return "good_morning", 0.5
    if knee > DEADLIFT_MIN_KNEE_DEG:
        return "deadlift", 0.5
    return DEFAULT_EXERCISE, 0.5


def analyse(times_s: FloatArray, xy: FloatArray, conf: FloatArray, facing: str | None,
            back_heights: FloatArray, *, exercise: str, side_view_ok: bool,
            view_message: str, profile_end: float | None = None) -> HingeReport:
    """Score a lifter's track.

    Args:
        times_s: (n,) frame times. xy: (n, 17, 2) cleaned keypoints, NaN where missing.
        conf: (n, 17) keypoint confidences. facing: "left"/"right" in the image.
        back_heights: (n, steps) the back's profile per frame (silhouette stage), NaN
            where unmeasured. profile_end: where those profiles end along the chord
            (default: the profile's own).
        exercise: a profile name or "auto". side_view_ok / view_message: the view check.
    """
    kin = compute_kinematics(times_s, xy, conf, facing)
    spans = segment_reps(kin.times_s, kin.hip_flexion_deg)
    guess_conf: float | None = None
    if exercise == "auto":
        exercise, guess_conf = guess_exercise(kin, spans)
    profile = get_profile(exercise)
    notes: list[str] = []
    standing = standing_frames(kin)
    end = profile.back_profile_end if profile_end is None else profile_end
    # Reported beside each rep's bulge, not subtracted: standing profiles of neutral
    # lifters spread wider (−0.15 to +0.2 on real clips: arms, bar and clothing cross the
    # back's outline when upright) than the rounding signal itself (docs/scoring.md).
    standing_bulge, _ = median_profile_bulge(back_heights[standing], end)
    neck_ok = kin.neck_deg[standing][~np.isnan(kin.neck_deg[standing])]
    standing_neck = float(np.median(neck_ok)) if neck_ok.size else float("nan")

    reps = []
    for k, span in enumerate(spans):
        measures = measure_rep(kin, span, k, back_heights, end)
        reps.append(RepFaults(measures, detect_faults(measures, profile, standing_bulge,
                                                      standing_neck)))
    assign_cues(reps)
    scores = [rep_score(r.faults) for r in reps]
    score = clip_score(scores, [r.measures.partial for r in reps], side_view_ok, view_message)
    return HingeReport(exercise, guess_conf, kin, reps, scores, score, standing_bulge, notes)
