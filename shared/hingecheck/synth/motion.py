"""Repetitions as joint-angle timelines: a top pose, a bottom pose per rep, and timing.

Each scenario draws its bottom poses from ranges that define it (a good RDL keeps the knees
soft and the shins near vertical; squat substitution drives the knees forward; rounding
flexes the spine on top of a good hip pattern). Everything is seeded: same seed, same clip.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from hingecheck.synth.body import PoseAngles, Proportions, Skeleton, pose_body
from hingecheck.vocab import Exercise, FaultName

ROUNDING_GRADES = {"mild": 15.0, "clear": 30.0, "severe": 45.0}  # total spine flexion, °
# A held load cannot pass through the legs: the hands stay this far (body heights) from the
# thigh's and shin's centre lines: a heavy build's leg half-width at the knee (0.05), the
# hand's (0.025) and the bar riding over the kneecap (0.035).
LEG_CLEARANCE = 0.11


@dataclass(frozen=True)
class RepPlan:
    """One repetition: its kind, bottom pose and timing (seconds)."""

    kind: str                 # "good", or FaultName.SQUAT_SUBSTITUTION / LUMBAR_ROUNDING
    grade: str | None         # rounding grade
    bottom: PoseAngles
    top_pause_s: float
    down_s: float
    hold_s: float
    up_s: float
    depth: float = 1.0        # 1 = full rep; < 1 a partial rep


@dataclass(frozen=True)
class ExerciseMotion:
    """An exercise's top pose and how its bottom pose and tempo are drawn."""

    name: Exercise
    top: PoseAngles
    load: str                 # "barbell", "dumbbells", "kettlebell", "none", "barbell_back"
    down_s: tuple[float, float]
    up_s: tuple[float, float]
    hold_s: tuple[float, float]


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


STANDING = PoseAngles(shin_deg=1.0, knee_flexion_deg=4.0, pelvis_flexion_deg=2.0)

_MOTIONS = (
    ExerciseMotion(Exercise.RDL, STANDING, "barbell", (1.1, 1.6), (0.9, 1.3), (0.1, 0.3)),
    ExerciseMotion(Exercise.DEADLIFT, STANDING, "barbell", (1.0, 1.4), (1.0, 1.4),
                   (0.2, 0.4)),
    ExerciseMotion(
        Exercise.KETTLEBELL_SWING, PoseAngles(shin_deg=1.0, knee_flexion_deg=4.0, arm_deg=85.0),
        "kettlebell", (0.45, 0.6), (0.45, 0.6), (0.0, 0.05)),
    ExerciseMotion(
        Exercise.GOOD_MORNING, PoseAngles(shin_deg=1.0, knee_flexion_deg=5.0, arm_deg=-35.0,
                                          elbow_flexion_deg=130.0),
        "barbell_back", (1.2, 1.6), (1.0, 1.3), (0.1, 0.3)),
    ExerciseMotion(Exercise.WALL_DRILL, STANDING, "none", (1.0, 1.4), (0.9, 1.2), (0.2, 0.5)),
)
# Keyed by the exercise; a plain name finds its entry too (Exercise is a StrEnum).
EXERCISES: dict[str, ExerciseMotion] = {m.name: m for m in _MOTIONS}


def bottom_pose(exercise: ExerciseMotion, kind: str, grade: str | None, rng: np.random.Generator,
                body: Proportions | None = None, load: str | None = None) -> PoseAngles:
    """A bottom position of ``kind`` for ``exercise``, drawn from the kind's ranges; a load
    held in the hands (``load``, default the exercise's) goes around the knees."""
    pose = _bottom_angles(exercise, kind, grade, rng)
    if (load or exercise.load) in ("barbell", "dumbbells"):
        pose = clear_of_legs(pose, body or Proportions())
    return pose


def clear_of_legs(pose: PoseAngles, body: Proportions) -> PoseAngles:
    """``pose`` with the arms swung forward just enough that the hands clear the legs.

    Hanging straight down, the hands of a lifter whose knees drive forward would sit inside
    the knee; a real bar rides down the thighs and around the knees instead.
    """
    for arm in np.arange(pose.arm_deg, pose.arm_deg + 90.0, 1.0):
        candidate = replace(pose, arm_deg=float(arm))
        if hand_to_leg(pose_body(candidate, body)) >= LEG_CLEARANCE:
            return candidate
    return pose


def hand_to_leg(sk: Skeleton) -> float:
    """Distance (body heights) from the hand to the nearer of thigh and shin, side view."""
    hand = sk.joints["left_hand"][:2]
    hip, knee, ankle = (sk.joints[f"left_{j}"][:2] for j in ("hip", "knee", "ankle"))
    return min(_segment_distance(hand, hip, knee), _segment_distance(hand, knee, ankle))


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    d = b - a
    t = float(np.clip((p - a) @ d / max(float(d @ d), 1e-12), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + t * d)))


def _bottom_angles(exercise: ExerciseMotion, kind: str, grade: str | None,
                   rng: np.random.Generator) -> PoseAngles:
    top = exercise.top
    if kind == FaultName.SQUAT_SUBSTITUTION:
        # Knees drive forward (flexion 60–110°), hips drop, trunk stays more upright.
        knee = _u(rng, 65, 105)
        shin = _u(rng, 24, 34)
        trunk = _u(rng, 30, 48)
        thigh = shin - knee
        return PoseAngles(shin_deg=shin, knee_flexion_deg=knee,
                          pelvis_flexion_deg=trunk - thigh, neck_extension_deg=_u(rng, 0, 15),
                          arm_deg=_arm_bottom(exercise, trunk),
                          elbow_flexion_deg=top.elbow_flexion_deg)
    if exercise.name == Exercise.DEADLIFT:
        knee, shin, trunk = _u(rng, 45, 60), _u(rng, 10, 16), _u(rng, 50, 62)
    elif exercise.name == Exercise.WALL_DRILL:
        knee, shin, trunk = _u(rng, 12, 22), _u(rng, 0, 5), _u(rng, 45, 60)
    elif exercise.name == Exercise.GOOD_MORNING:
        knee, shin, trunk = _u(rng, 5, 15), _u(rng, 0, 4), _u(rng, 65, 85)
    elif exercise.name == Exercise.KETTLEBELL_SWING:
        knee, shin, trunk = _u(rng, 18, 28), _u(rng, 3, 8), _u(rng, 60, 75)
    else:  # rdl: trunk 70–100° from vertical, knees 10–25°, shins near vertical
        knee, shin, trunk = _u(rng, 12, 25), _u(rng, 0, 5), _u(rng, 72, 95)
    thigh = shin - knee
    rounded = kind == FaultName.LUMBAR_ROUNDING
    spine = ROUNDING_GRADES[grade] if rounded and grade else _u(rng, 0, 4)
    # Rounding flexes the lumbar and thoracic segments; the pelvis keeps the hinge, so the
    # hip→shoulder line ends up about half the spine's flexion further forward.
    pelvis = trunk - thigh - (0.5 * spine if rounded else 0.0)
    return PoseAngles(
        shin_deg=shin, knee_flexion_deg=knee, pelvis_flexion_deg=pelvis,
        lumbar_flexion_deg=0.55 * spine, thoracic_flexion_deg=0.45 * spine,
        neck_extension_deg=_u(rng, 20, 45) if trunk > 60 else _u(rng, 5, 20),
        arm_deg=_arm_bottom(exercise, trunk + (spine if rounded else 0)),
        elbow_flexion_deg=top.elbow_flexion_deg,
    )


def _arm_bottom(exercise: ExerciseMotion, trunk_deg: float) -> float:
    if exercise.load == "kettlebell":
        return -_clip(trunk_deg * 0.35, 10, 35)  # the bell swings back between the legs
    if exercise.load == "barbell_back":
        return exercise.top.arm_deg + trunk_deg  # hands stay on the bar across the back
    return 0.0  # loads hang straight down from the shoulders


def _clip(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


@dataclass
class Timeline:
    """Pose per frame time, and each rep's true start / bottom / end."""

    exercise: ExerciseMotion
    reps: list[RepPlan]
    lead_in_s: float
    tail_s: float
    rep_times: list[tuple[float, float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        t = self.lead_in_s
        for rep in self.reps:
            t += rep.top_pause_s
            start = t
            bottom = start + rep.down_s + rep.hold_s / 2
            end = start + rep.down_s + rep.hold_s + rep.up_s
            self.rep_times.append((start, bottom, end))
            t = end

    @property
    def duration_s(self) -> float:
        return (self.rep_times[-1][2] if self.rep_times else self.lead_in_s) + self.tail_s

    def pose_at(self, t: float) -> PoseAngles:
        top = self.exercise.top
        for rep, (start, _, end) in zip(self.reps, self.rep_times, strict=True):
            if start <= t < end:
                target = top.blend(rep.bottom, rep.depth)
                if t < start + rep.down_s:
                    w = _ease((t - start) / rep.down_s)
                elif t < start + rep.down_s + rep.hold_s:
                    w = 1.0
                else:
                    w = 1.0 - _ease((t - start - rep.down_s - rep.hold_s) / rep.up_s)
                return top.blend(target, w)
        return top


def _ease(x: float) -> float:
    """Smooth start and stop (half a cosine): no jerk at the top or the bottom."""
    return 0.5 - 0.5 * float(np.cos(np.pi * min(max(x, 0.0), 1.0)))


def plan_reps(exercise: ExerciseMotion, kinds: list[tuple[str, str | None]],
              rng: np.random.Generator, *, pause_s: float = 0.0, partial_every: int = 0,
              body: Proportions | None = None, load: str | None = None) -> list[RepPlan]:
    """Draw a RepPlan per (kind, grade); ``pause_s`` lengthens the top pauses, and every
    ``partial_every``-th rep goes only half way down."""
    plans = []
    for i, (kind, grade) in enumerate(kinds):
        partial = partial_every > 0 and (i + 1) % partial_every == 0
        plans.append(RepPlan(
            kind=kind, grade=grade, bottom=bottom_pose(exercise, kind, grade, rng, body, load),
            top_pause_s=_u(rng, 0.3, 0.6) + pause_s,
            down_s=_u(rng, *exercise.down_s), hold_s=_u(rng, *exercise.hold_s),
            up_s=_u(rng, *exercise.up_s), depth=0.5 if partial else 1.0,
        ))
    return plans
