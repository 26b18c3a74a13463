"""Ground truth written beside every generated clip (``clip.json``), versioned.

Keypoints are display pixels of the clip, in COCO-17 order (every COCO joint exists on the
generated body). Angles are measured on the true body in its own sagittal plane, on the
side facing the camera, with the same definitions the analysis uses: hip flexion
180° − ∠(knee, hip, shoulder); knee flexion 180° − ∠(hip, knee, ankle); trunk and shin
angles from vertical; lumbar flexion the spine's total forward bend (lumbar + thoracic).
Hip travel is the hip joint's position against its standing position, in body heights
(back positive, drop positive).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from hingecheck.vocab import Exercise, FaultName

TRUTH_SCHEMA_VERSION: Literal["1"] = "1"

# A scenario is a good set, one of the two drawn faults, a mix, or an exercise's own set.
Scenario = Literal[
    "good_hinge", FaultName.SQUAT_SUBSTITUTION, FaultName.LUMBAR_ROUNDING, "mixed",
    Exercise.DEADLIFT, Exercise.KETTLEBELL_SWING, Exercise.WALL_DRILL, Exercise.GOOD_MORNING,
]
SCENARIOS: tuple[str, ...] = (
    "good_hinge", FaultName.SQUAT_SUBSTITUTION.value, FaultName.LUMBAR_ROUNDING.value,
    "mixed", Exercise.DEADLIFT.value, Exercise.KETTLEBELL_SWING.value,
    Exercise.WALL_DRILL.value, Exercise.GOOD_MORNING.value,
)
Grade = Literal["mild", "clear", "severe"]  # how far a rounded back bends
# The faults a generated rep is labelled with.
DrawnFault = Literal[FaultName.SQUAT_SUBSTITUTION, FaultName.LUMBAR_ROUNDING]


class ClipParams(BaseModel):
    """Everything that decides a clip; the same params and seed give the same bytes."""

    scenario: Scenario = "good_hinge"
    exercise: Exercise | None = Field(default=None,
                                      description="profile; default follows the scenario")
    reps: int = Field(default=3, ge=1, le=20)
    seed: int = 0
    grade: Grade = "clear"
    view_deg: float = Field(default=0.0, ge=0.0, le=89.0,
                            description="camera offset from the side view")
    facing: Literal["left", "right"] = "right"
    orientation: Literal["landscape", "portrait"] = "landscape"
    resolution: Literal[480, 720, 1080] = 720
    fps: float = Field(default=30.0, ge=12.0, le=60.0)
    pause_s: float = Field(default=0.0, ge=0.0, le=10.0, description="extra pause at the top")
    partial_every: int = Field(default=0, ge=0,
                               description="every n-th rep only half way; 0 none")
    crf: int = Field(default=23, ge=10, le=45,
                     description="x264 quality: higher is more compressed")
    blur_sigma: float = Field(default=0.8, ge=0.0, le=4.0)
    noise_sigma: float = Field(default=3.0, ge=0.0, le=20.0)
    brightness: float = Field(default=1.0, ge=0.3, le=1.8)
    textured_background: bool = False
    passer_by: bool = Field(default=False, description="a second person walks through")
    load: Literal["barbell", "dumbbells", "barbell_back"] | None = Field(
        default=None, description="what the lifter holds (barbell_back: a bar on the upper "
                                  "back); default the exercise's own load")
    light_from: Literal["front", "behind"] | None = Field(
        default=None, description="where the light comes from against the way the lifter "
                                  "faces; default anywhere (drawn from the seed)")
    walk_off: bool = Field(default=False, description="the set ends with the lifter walking "
                                                      "to the camera and crouching (no rep)")

    @field_validator("scenario", mode="before")
    @classmethod
    def _known_scenario(cls, value: object) -> object:
        # Said with the scenarios' plain names (pydantic would show the enum members).
        if value not in SCENARIOS:
            names = ", ".join(map(repr, SCENARIOS[:-1])) + f" or {SCENARIOS[-1]!r}"
            raise PydanticCustomError("literal_error", "Input should be {expected}",
                                      {"expected": names})
        return value


class FaultTruth(BaseModel):
    name: DrawnFault
    grade: Grade


class RepTruth(BaseModel):
    index: int
    start_s: float
    bottom_s: float
    end_s: float
    depth: float = Field(description="1 full rep, 0.5 a half rep")
    faults: list[FaultTruth]
    peak_hip_flexion_deg: float
    knee_flexion_at_bottom_deg: float
    trunk_at_bottom_deg: float
    shin_at_bottom_deg: float
    lumbar_flexion_at_bottom_deg: float


class FrameTruth(BaseModel):
    index: int
    time_s: float
    keypoints: list[tuple[float, float]] = Field(description="17 COCO joints, display pixels")
    hip_flexion_deg: float
    knee_flexion_deg: float
    trunk_deg: float
    shin_deg: float
    lumbar_flexion_deg: float
    hip_back_bh: float
    hip_drop_bh: float


class ClipTruth(BaseModel):
    schema_version: Literal["1"] = TRUTH_SCHEMA_VERSION
    params: ClipParams
    exercise: Exercise
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    body_height_px: float
    near_side: Literal["left", "right"]
    passer_by_span_s: tuple[float, float] | None
    light: tuple[float, float, float] | None = Field(
        default=None, description="unit vector toward the light: image right, up, toward the "
                                  "camera (absent in sidecars written before it was drawn)")
    reps: list[RepTruth]
    frames: list[FrameTruth]
