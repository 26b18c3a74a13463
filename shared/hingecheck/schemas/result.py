"""The result of analysing one clip (``result.json``), versioned by ``schema_version``.

Coordinates are display pixels (rotation applied) of the source video; times are seconds
from the first frame.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION: Literal["0.1"] = "0.1"


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
    total_s: float = Field(description="probe to result, model load excluded")
    frames_per_second: float = Field(description="analysed frames per wall-clock second")
    realtime_factor: float = Field(description="video seconds per wall-clock second")


class AnalysisResult(BaseModel):
    schema_version: Literal["0.1"] = SCHEMA_VERSION
    hingecheck_version: str
    source_name: str
    exercise: str
    video: VideoFacts
    model: ModelFacts
    view: ViewCheck
    athlete: AthleteTrack
    pose: PoseSeries
    timings: Timings
    notes: list[str] = []
