"""The result of analysing one clip (``result.json``), versioned by ``schema_version``.

Coordinates are display pixels (rotation applied) of the source video; times are seconds
from the first frame; angles are degrees; ``*_ratio`` distances are in the lifter's leg
lengths. ``null`` means "not measured", never zero. docs/result.md describes every field
and docs/result.schema.json is the JSON Schema (``hingecheck schema`` prints it).

Version history: 0.1 pose only; 0.2 adds exercise, reps, faults, scores, cues, the back's
shape and the per-frame kinematic series; 0.3: a clip refused for its view is not judged
(``summary.judged`` false, rep scores null, no faults or cues), ``left_out`` lists the
movements that were not lifts, reps carry ``back_confidence`` and
``shoulder_over_hip_rise``, and the fault ``hips_rise_first``; later in 0.3, optional
``video.created_at`` (when the clip was filmed, from the container's tags).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hingecheck.settings import BackOutline
from hingecheck.vocab import Exercise, ExerciseChoice, FaultName

__all__ = ["SCHEMA_VERSION", "AnalysisResult", "FaultName"]

SCHEMA_VERSION: Literal["0.3"] = "0.3"


class VideoFacts(BaseModel):
    container: str
    codec: str
    width: int = Field(description="display width in pixels (rotation applied)")
    height: int = Field(description="display height in pixels (rotation applied)")
    rotation_deg: int = Field(description="display rotation read from the file, counter-clockwise")
    fps: float = Field(description="average frame rate from the container")
    duration_s: float = Field(description="time of the last decoded frame")
    size_bytes: int
    frames_decoded: int = Field(description="frames counted while decoding (headers can lie)")
    frames_analysed: int
    analysis_fps: float = Field(description="analysed frames per second of video")
    created_at: datetime | None = Field(
        default=None, description="when the clip was filmed, from the container's tags "
                                  "(a phone's creation date); null where the file has none")


class ModelFacts(BaseModel):
    name: str
    backend: str
    imgsz: int
    person_conf: float
    keypoint_conf: float


class ViewCheck(BaseModel):
    offset_deg: float | None = Field(description="estimated camera offset from a side view")
    facing: Literal["left", "right"] | None
    near_side: Literal["left", "right"] | None = Field(description="body side toward the camera")
    side_view_ok: bool
    message: str
    yaw_3d_deg: float | None = Field(
        default=None, description="the camera's yaw off a side view (0 side, 90 front or "
        "back) measured in 3D from BlazePose's world landmarks (shoulder and hip lines), "
        "the median over frames; null where they were not read. Reported beside offset_deg; "
        "the side-view check still rests on offset_deg")
    yaw_3d_spread_deg: float | None = Field(
        default=None, description="how far the per-frame 3D readings scatter around "
        "yaw_3d_deg (1.4826 × their median absolute deviation)")
    seen_from: Literal["front", "back"] | None = Field(
        default=None, description="which half of the lifter faces the camera, in 3D")


class AthleteTrack(BaseModel):
    track_id: int
    selection_reason: str
    detected_fraction: float = Field(description="share of analysed frames with the lifter found")
    candidates: list[dict[str, float]]


class PoseSeries(BaseModel):
    keypoint_names: list[str]
    times_s: list[float]
    frame_indices: list[int]
    keypoints: list[list[tuple[float, float, float] | None]] = Field(
        description="per frame, 17 × [x, y, confidence] after cleaning; null where missing"
    )
    interpolated: list[list[int]] = Field(
        description="per frame, indices of keypoints bridged over a short gap"
    )


class Timings(BaseModel):
    model_load_s: float = Field(description="0 when the process had the model loaded already")
    decode_and_pose_s: float
    tracking_s: float
    back_shape_s: float = Field(description="background model and back outline")
    analysis_s: float = Field(description="kinematics, reps, faults and scores")
    total_s: float = Field(description="probe to result, model load excluded")
    frames_per_second: float = Field(description="analysed frames per wall-clock second")
    realtime_factor: float = Field(description="video seconds per wall-clock second")


class ExerciseFacts(BaseModel):
    """The exercise the reps were judged as (``result.exercise``)."""

    name: Exercise = Field(description="the exercise profile the reps were judged by")
    label: str
    requested: ExerciseChoice = Field(
        description="what the caller asked for: a profile name or 'auto'")
    guess_confidence: float | None = Field(
        default=None, description="0–1 when the profile was guessed ('auto'), else null")


class Fault(BaseModel):
    name: FaultName
    severity: float = Field(description="0–1; reported from 0.5 (see docs/scoring.md)")
    confidence: float = Field(description="0–1: how much of the evidence was measured well")
    start_s: float
    end_s: float
    evidence: dict[str, float | None] = Field(description="the numbers behind the call")
    cue: str | None = Field(default=None,
                            description="said on first appearance, clear worsening or return")


class Rep(BaseModel):
    index: int
    start_s: float
    bottom_s: float
    end_s: float
    down_s: float
    up_s: float
    partial: bool = Field(description="reached under 75 % of the clip's typical depth")
    score: float | None = Field(description="0–100; null when the clip is not judged")
    peak_hip_flexion_deg: float | None
    knee_flexion_at_bottom_deg: float | None
    trunk_at_bottom_deg: float | None = Field(description="lean from vertical, forward +")
    shin_at_bottom_deg: float | None = Field(description="lean from vertical, knee forward +")
    hip_back_ratio: float | None = Field(description="hip travel back from standing")
    hip_drop_ratio: float | None = Field(description="hip travel down from standing")
    knee_forward_ratio: float | None = Field(description="knee ahead of the ankle")
    lockout_trunk_deg: float | None = Field(description="trunk lean at lockout; back < 0")
    back_bulge: float | None = Field(
        description="the back's outline at the bottom: sagitta / chord (convex +), "
                    "null where it was not measured or no back could make that outline")
    back_confidence: float = Field(
        description="0–1: how far the back's reading can be trusted (0: not measured)")
    shoulder_over_hip_rise: float | None = Field(
        description="lifts from the floor: shoulder rise over hip rise in the first part "
                    "of the pull (1: a steady back angle; toward 0: the hips rise first)")
    confidence: float = Field(description="mean keypoint confidence over the rep")
    faults: list[Fault]


class LeftOut(BaseModel):
    start_s: float
    end_s: float
    reason: str = Field(description="why this movement is not a lift and was not judged")


class FaultSummary(BaseModel):
    name: FaultName
    reps: list[int] = Field(description="indices of the reps that show it")
    worst_severity: float


class Summary(BaseModel):
    score: float | None = Field(description="0–100; null when the clip cannot be scored")
    grade: Literal["A", "B", "C", "D"] | None
    reason: str = Field(description="how the score was made, or why there is none")
    judged: bool = Field(description="false: refused (see reason); no faults, cues or scores")
    rep_count: int
    full_reps: int
    faults: list[FaultSummary] = Field(description="worst first")
    cues: list[str] = Field(description="what to work on, most important first")


class BackShape(BaseModel):
    measured: bool
    still_camera: bool
    camera_motion: float | None = Field(description="median grey-level change off the body")
    standing_bulge: float | None = Field(description="the back's outline standing tall")
    outline: BackOutline | None = Field(
        default=None, description="what the outline was traced on: the lifter's person mask, "
        "a still camera's background model, or the background model where the person mask "
        "agrees; null when the back was not measured")
    note: str | None


class Series(BaseModel):
    """Per analysed frame, aligned with ``pose.times_s``."""

    hip_flexion_deg: list[float | None]
    knee_flexion_deg: list[float | None]
    trunk_deg: list[float | None]
    shin_deg: list[float | None]
    hip_back_ratio: list[float | None]
    hip_drop_ratio: list[float | None]
    knee_forward_ratio: list[float | None]
    back_bulge: list[float | None]
    back_outline: list[list[tuple[float, float]] | None] = Field(
        description="the back's surface as measured, hip to shoulder, display pixels")
    confidence: list[float]
    low_confidence_spans: list[tuple[float, float]] = Field(
        description="time spans where a joint behind the angles was seen poorly")
    leg_length_px: float | None


class AnalysisResult(BaseModel):
    schema_version: Literal["0.3"] = SCHEMA_VERSION
    hingecheck_version: str
    source_name: str
    exercise: ExerciseFacts
    summary: Summary
    reps: list[Rep]
    left_out: list[LeftOut] = Field(
        default=[], description="movements that were not lifts (walking, stepping to the "
                                "camera, the clip ending mid-movement), not judged")
    video: VideoFacts
    model: ModelFacts
    view: ViewCheck
    athlete: AthleteTrack
    back: BackShape
    series: Series
    pose: PoseSeries
    timings: Timings
    notes: list[str] = []
