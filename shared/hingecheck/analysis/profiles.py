"""Exercise profiles: what a good rep of each hinge exercise looks like, in numbers.

Every fault's evidence is a ramp (``Ramp``): 0 at ``ok`` (nothing wrong), 1 at ``bad``
(clearly wrong), linear between. A ramp may run either way (``bad`` below ``ok`` for
"too little"). Thresholds are per exercise; each carries its source.

Sources used below (where a number is our own choice, it says [HC]):
- [GM] good morning: peak knee flexion about 5 ± 7°, against 60–110° in knee-dominant
  lifts such as squats (PMC3878967).
- [HS] hip vs knee strategy: a trunk leaning beyond the shins by more than about 10° is a
  hip strategy; a trunk parallel to the shins is a squat (the trunk–tibia relation of
  squat coaching, e.g. NSCA's Essentials of Strength Training and Conditioning).
- [RDL] Romanian deadlift as taught: soft knees (about 15–25°), trunk 70–100° from
  vertical at the bottom, shins near vertical, hips travelling back.
- [DL] conventional deadlift lift-off: knees about 60–80° flexed, trunk about 45–60° from
  vertical, shins forward of the bar (Escamilla et al. 2000, Med Sci Sports Exerc 32(7)).
- [KB] kettlebell swing: a hinge, not a squat; knees soft at the backswing (McGill &
  Marshall 2012, J Strength Cond Res 26(1), describe the swing as a hip hinge).
- [SS] the pull from the floor: the back angle stays constant as the bar leaves the floor,
  shoulders and hips rising together (Rippetoe, Starting Strength, 3rd ed., the
  deadlift's first pull); hips that rise first leave the shoulders behind.
- [WD] wall drill: hips reach back to a wall behind, knees soft, shins vertical.
- [HC] hingecheck's own margins for keypoint noise (knee flexion read within about 7–14°
  of the truth on generated clips; README), set on the generated suite (of the flat
  drawing the generator used before its figure was rendered in 3D; unchanged since) and
  checked on the real clips, never fitted to one clip. docs/scoring.md shows the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from hingecheck.vocab import DEFAULT_EXERCISE, Exercise, ExerciseChoice

__all__ = ["DEFAULT_EXERCISE", "EXERCISES", "PROFILES", "ExerciseProfile", "Ramp",
           "get_profile", "parse_choice"]


@dataclass(frozen=True)
class Ramp:
    """Evidence of a fault from one number: 0 at ``ok``, 1 at ``bad``."""

    ok: float
    bad: float

    def __call__(self, value: float) -> float:
        t = self.position(value)
        return t if t != t else float(min(1.0, max(0.0, t)))

    def position(self, value: float) -> float:
        """Where ``value`` lies along the ramp, unclipped: 0 at ``ok``, 1 at ``bad``."""
        if value != value:  # NaN: no evidence either way
            return float("nan")
        return float((value - self.ok) / (self.bad - self.ok))


@dataclass(frozen=True)
class ExerciseProfile:
    name: Exercise
    label: str
    from_floor: bool
    # Squat substitution (evidence averaged; see faults.py).
    knee_flexion_deg: Ramp
    trunk_minus_shin_deg: Ramp
    hip_drop_minus_back: Ramp | None
    knee_forward_ratio: Ramp
    # A trunk too upright for the lift on its own (degrees from vertical): the hip and
    # shoulder keypoints are the surest at the bottom (a deadlift's plates hide the knees
    # and shins), and a trunk as upright as a squat's is a squat whatever the knees read.
    # None where a shallow trunk is the exercise (the wall drill).
    trunk_upright_deg: Ramp | None
    # The pull from the floor: shoulder rise over hip rise in its first part (faults.py);
    # None for lifts that do not start at the floor.
    shoulder_over_hip_rise: Ramp | None
    # Soft knees: knee flexion at the bottom (None: straight knees are the exercise).
    locked_knee_deg: Ramp | None
    # Hips must travel back (leg lengths): flagged only where they clearly did not (the
    # hip keypoint wanders ±0.05 leg lengths on a folded body); None where the setup
    # decides it.
    hip_back_ratio: Ramp | None
    # ... and the hinge stays shallow (peak hip flexion, degrees).
    min_hip_flexion_deg: Ramp | None
    # Lockout: trunk leaning back past vertical (degrees, negative = back).
    lockout_trunk_deg: Ramp
    # Lifting time over lowering time: lowering several times faster than lifting is a
    # drop into the bottom; None for ballistic lifts.
    tempo_ratio: Ramp | None
    # Rounding: the back's bulge at the bottom, in chord lengths (silhouette.py), and on
    # the way there (faults.py): both must show it.
    back_bulge: Ramp
    back_bulge_on_the_way: Ramp
    # Where the back's profile ends along the hip→shoulder chord (a bar on the upper back
    # covers the last part in a good morning).
    back_profile_end: float = 1.0


# Squat substitution: a knee-dominant bottom has the trunk nearly parallel to the shins
# [HS]; the knee ramps sit between each lift's normal knee range and the 60–110° of a
# squat [GM]. Hip drop vs back travel: in a hinge the hips go back more than down [RDL].
# Forward knee travel: shin 25–35° forward ≈ 0.2–0.3 leg lengths of knee ahead of ankle.
# Rounding: an arc bent through θ has a sagitta of about θ/8 of its chord, so a back bent
# 30° (the "clear" rounding of the generated suite) bulges 0.065; neutral backs measured
# −0.08 to +0.05 on real and generated clips [HC]. Half way (reported) is 0.06 ≈ 27°.
_BULGE = Ramp(0.04, 0.08)
# On the way down and up (trunk at 55–80 % of its range) neutral backs of the flat
# drawing's suite read −0.13 to −0.03 where their bottom read wrongly convex (the model's
# hip and shoulder keypoints slip onto the back at the deepest frames), and mild rounding
# already reads +0.01 to +0.04; half way (−0.01) sits between them [HC]. On the real deadlifts it
# changes no call: the labelled rounded backs (bad008, bad011) read +0.08 and +0.07 there.
_BULGE_ON_THE_WAY = Ramp(-0.03, 0.01)
# Hips rising first: a steady back angle raises shoulders and hips together (1.0) [SS];
# the ramp starts well under it for keypoint noise and ends where the shoulders rise at a
# fifth of the hips' pace (a trunk tilting about 15° down at a 50° start) [HC].
_HIPS_RISE_FIRST = Ramp(0.6, 0.2)
# Lockout: the hip→shoulder line of correct real lockouts leans back up to 8° (good
# clips −1 to −8°; the one labelled hyperextension −6°), so the trunk line cannot see a
# lumbar hyperextension; only a plain lean back of 14°+ is called [HC].
_LOCKOUT = Ramp(-8.0, -20.0)

PROFILES: dict[Exercise, ExerciseProfile] = {
    Exercise.RDL: ExerciseProfile(
        Exercise.RDL, "Romanian deadlift", False,
        knee_flexion_deg=Ramp(35.0, 60.0),          # [RDL] ≤ 25° + 10° noise; squat ≥ 60 [GM]
        trunk_minus_shin_deg=Ramp(45.0, 15.0),      # [RDL] 70–100 − 0–5; squat ≈ 0–20 [HS]
        hip_drop_minus_back=Ramp(0.0, 0.25),
        knee_forward_ratio=Ramp(0.15, 0.35),
        trunk_upright_deg=Ramp(50.0, 35.0),         # [RDL] 70–100°; a squat's 25–45 [HS]
        shoulder_over_hip_rise=None,
        locked_knee_deg=Ramp(8.0, 0.0),              # [RDL] soft knees, 15–25°
        hip_back_ratio=Ramp(0.05, -0.05),
        min_hip_flexion_deg=Ramp(50.0, 30.0),           # [RDL] trunk 70–100° at the bottom
        lockout_trunk_deg=_LOCKOUT,
        tempo_ratio=Ramp(2.0, 3.0),
        back_bulge=_BULGE,
        back_bulge_on_the_way=_BULGE_ON_THE_WAY,
    ),
    Exercise.DEADLIFT: ExerciseProfile(
        Exercise.DEADLIFT, "conventional deadlift", True,
        knee_flexion_deg=Ramp(80.0, 105.0),         # [DL] 60–80° at lift-off
        trunk_minus_shin_deg=Ramp(30.0, 10.0),      # [DL] 45–60 − 10–20; squat ≈ 0–20 [HS]
        hip_drop_minus_back=None,                    # hips drop by design: the bar is low
        knee_forward_ratio=Ramp(0.25, 0.4),         # [DL] shins 10–20° forward
        trunk_upright_deg=Ramp(45.0, 30.0),         # [DL] 45–60°; a squat's 25–35 [HS]
        shoulder_over_hip_rise=_HIPS_RISE_FIRST,
        locked_knee_deg=None,                        # knees bend to reach the floor
        hip_back_ratio=None,
        min_hip_flexion_deg=None,
        lockout_trunk_deg=_LOCKOUT,
        tempo_ratio=None,                            # lowering fast is normal
        back_bulge=_BULGE,
        back_bulge_on_the_way=_BULGE_ON_THE_WAY,
    ),
    Exercise.KETTLEBELL_SWING: ExerciseProfile(
        Exercise.KETTLEBELL_SWING, "kettlebell swing", False,
        knee_flexion_deg=Ramp(40.0, 65.0),          # [KB] 20–30° + noise
        trunk_minus_shin_deg=Ramp(40.0, 15.0),      # [KB] 60–75 − 3–8
        hip_drop_minus_back=Ramp(0.0, 0.25),
        knee_forward_ratio=Ramp(0.15, 0.35),
        trunk_upright_deg=Ramp(45.0, 30.0),         # [KB] 60–75°; a squat's 25–45 [HS]
        shoulder_over_hip_rise=None,
        locked_knee_deg=Ramp(8.0, 0.0),
        hip_back_ratio=Ramp(0.05, -0.05),
        min_hip_flexion_deg=Ramp(45.0, 25.0),           # [KB] trunk 60–75° at the backswing
        lockout_trunk_deg=_LOCKOUT,
        tempo_ratio=None,                            # ballistic: the bell sets the rhythm
        back_bulge=_BULGE,
        back_bulge_on_the_way=_BULGE_ON_THE_WAY,
    ),
    Exercise.GOOD_MORNING: ExerciseProfile(
        Exercise.GOOD_MORNING, "good morning", False,
        knee_flexion_deg=Ramp(25.0, 50.0),          # [GM] 5 ± 7°
        trunk_minus_shin_deg=Ramp(45.0, 15.0),
        hip_drop_minus_back=Ramp(0.0, 0.2),
        knee_forward_ratio=Ramp(0.12, 0.3),
        trunk_upright_deg=Ramp(50.0, 35.0),         # [GM] trunk near level; squat [HS]
        shoulder_over_hip_rise=None,
        locked_knee_deg=None,                        # [GM] near-straight knees are the lift
        hip_back_ratio=Ramp(0.05, -0.05),
        min_hip_flexion_deg=Ramp(50.0, 30.0),
        lockout_trunk_deg=_LOCKOUT,
        tempo_ratio=Ramp(2.0, 3.0),
        back_bulge=_BULGE,
        back_bulge_on_the_way=_BULGE_ON_THE_WAY,
        back_profile_end=0.7,                        # the bar and hands sit on the upper back
    ),
    Exercise.WALL_DRILL: ExerciseProfile(
        Exercise.WALL_DRILL, "wall drill", False,
        knee_flexion_deg=Ramp(35.0, 60.0),          # [WD] soft knees
        trunk_minus_shin_deg=Ramp(35.0, 10.0),      # [WD] a shallower hinge than an RDL
        hip_drop_minus_back=Ramp(0.0, 0.2),
        knee_forward_ratio=Ramp(0.12, 0.3),
        trunk_upright_deg=None,                      # [WD] a shallow hinge by design
        shoulder_over_hip_rise=None,
        locked_knee_deg=Ramp(8.0, 0.0),
        hip_back_ratio=Ramp(0.05, -0.05),
        min_hip_flexion_deg=Ramp(35.0, 20.0),           # [WD] a shallow hinge by design
        lockout_trunk_deg=_LOCKOUT,
        tempo_ratio=Ramp(2.0, 3.0),
        back_bulge=_BULGE,
        back_bulge_on_the_way=_BULGE_ON_THE_WAY,
    ),
}

EXERCISES: tuple[Exercise, ...] = tuple(PROFILES)


def get_profile(exercise: Exercise | str) -> ExerciseProfile:
    """The profile for ``exercise``; a name from outside that is no exercise raises
    KeyError listing the known ones."""
    try:
        return PROFILES[Exercise(exercise)]
    except ValueError:
        raise KeyError(f"unknown exercise {str(exercise)!r}; choose one of "
                       f"{', '.join(EXERCISES)}") from None


def parse_choice(choice: ExerciseChoice | str) -> ExerciseChoice:
    """An exercise or ``auto`` from outside; anything else raises KeyError listing them."""
    try:
        return ExerciseChoice(choice)
    except ValueError:
        raise KeyError(f"unknown exercise {str(choice)!r}; choose one of "
                       f"{', '.join(ExerciseChoice)}") from None
