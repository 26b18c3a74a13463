"""The motion stage: kinematics, the lifts among the movements, and the exercise.

Everything after this stage reads its result (``Motion``) and nothing here reads what
comes after: the back's shape is measured with the profile decided here, and the faults
are judged on the lifts kept here.

A movement of the hips is a lift only if it starts and ends where the exercise starts
(standing tall, or at the floor for a lift from the floor) with the feet planted and the
lifter at one distance from the camera. Walking into frame, stepping to the camera,
crouching to set the weight down or to stop the recording are left out, and the result
says what was left out, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hingecheck.analysis.kinematics import Kinematics, compute_kinematics, median_seen
from hingecheck.analysis.profiles import ExerciseProfile, get_profile, parse_choice
from hingecheck.analysis.reps import RepSpan, mark_partial, segment_reps
from hingecheck.vocab import DEFAULT_EXERCISE, Exercise, ExerciseChoice

FloatArray = NDArray[np.float64]

# Guessing the exercise ("auto"): a swing's reps are short; a good morning keeps the knees
# nearly straight; a deadlift bends them well beyond an RDL's soft knees.
SWING_MAX_REP_S = 1.6
GOOD_MORNING_MAX_KNEE_DEG = 12.0
DEADLIFT_MIN_KNEE_DEG = 40.0
# Feet planted: the ankles end a lift within this of where they started (leg lengths).
# Ankle keypoints wander about ±0.05 on a still foot; a step moves the foot 0.5 or more
# [HC].
FEET_MOVED_LEG = 0.35
# One distance from the camera: the lifter's leg length in the image ends a lift within
# this fraction of where it started; walking toward the camera grows it [HC].
SCALE_CHANGED = 0.25
# Frames read at each end of a movement (standing, if it is a lift).
END_FRAMES = 3


@dataclass(frozen=True)
class LeftOut:
    """A movement that was not a lift, and why it was not judged."""

    start_s: float
    end_s: float
    reason: str


@dataclass
class Motion:
    kinematics: Kinematics
    lifts: list[RepSpan]
    left_out: list[LeftOut]
    exercise: Exercise
    profile: ExerciseProfile
    guess_confidence: float | None


def guess_exercise(kin: Kinematics, spans: list[RepSpan]) -> tuple[Exercise, float]:
    """A guess at the exercise from how the lifts move, and how sure it is (0–1)."""
    if not spans:
        return DEFAULT_EXERCISE, 0.0
    durations = [kin.times_s[s.end] - kin.times_s[s.start] for s in spans]
    knee = float(np.nanmedian(kin.knee_flexion_deg[[s.bottom for s in spans]]))
    if len(spans) >= 3 and float(np.median(durations)) < SWING_MAX_REP_S:
        return Exercise.KETTLEBELL_SWING, 0.7
    if spans[0].opens_clip:
        return Exercise.DEADLIFT, 0.7  # starts at the bottom: a lift from the floor
    if knee < GOOD_MORNING_MAX_KNEE_DEG:
        return Exercise.GOOD_MORNING, 0.5
    if knee > DEADLIFT_MIN_KNEE_DEG:
        return Exercise.DEADLIFT, 0.5
    return DEFAULT_EXERCISE, 0.5


def _at_ends(values: FloatArray, span: RepSpan) -> tuple[float, float]:
    """The median of ``values`` over the first and the last frames of a movement (where the
    lifter is in the start position, if it is a lift): NaN where unseen."""
    return (median_seen(values[span.start:span.start + END_FRAMES]),
            median_seen(values[max(span.end + 1 - END_FRAMES, span.start):span.end + 1]))


def why_not_a_lift(kin: Kinematics, span: RepSpan) -> str | None:
    """Why this movement is not a lift of the exercise, or None if it is one.

    A lift ends where it started: the feet where they were, the lifter as far from the
    camera. Both are read where the lifter stands (the movement's first and last frames),
    never at the bottom, where plates and folded limbs put the knees and ankles off.
    """
    if span.closes_clip and not span.opens_clip:
        return "the clip ends before the lifter is back in the start position"
    if span.opens_clip:
        return None  # starts at the floor: the first frames are the bottom, not standing
    before, after = _at_ends(kin.ankle_shift_ratio, span)
    if abs(after - before) > FEET_MOVED_LEG:
        return "the feet moved (walking or stepping), not a lift from planted feet"
    before, after = _at_ends(kin.leg_scale, span)
    if max(before, after) > (1.0 + SCALE_CHANGED) * min(before, after):
        return "the lifter moved toward or away from the camera"
    return None


def find_lifts(kin: Kinematics) -> tuple[list[RepSpan], list[LeftOut]]:
    """The lifts among the clip's hip movements, and the movements left out."""
    kept: list[RepSpan] = []
    left_out: list[LeftOut] = []
    for span in segment_reps(kin.times_s, kin.hip_flexion_deg):
        reason = why_not_a_lift(kin, span)
        if reason is None:
            kept.append(span)
        else:
            left_out.append(LeftOut(round(float(kin.times_s[span.start]), 3),
                                    round(float(kin.times_s[span.end]), 3), reason))
    return mark_partial(kept), left_out


def decide_motion(times_s: FloatArray, xy: FloatArray, conf: FloatArray, facing: str | None,
                  exercise: ExerciseChoice | str) -> Motion:
    """Kinematics, the lifts and the exercise: ``exercise`` is one, or ``auto`` to guess
    it (a name that is neither raises KeyError)."""
    choice = parse_choice(exercise)
    kin = compute_kinematics(times_s, xy, conf, facing)
    lifts, left_out = find_lifts(kin)
    guess: float | None = None
    decided = choice.exercise
    if decided is None:
        decided, guess = guess_exercise(kin, lifts)
    return Motion(kin, lifts, left_out, decided, get_profile(decided), guess)
