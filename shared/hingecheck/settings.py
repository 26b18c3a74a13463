"""One settings object for every process, read from ``HINGECHECK_*`` environment variables.

Bad values fail at start-up with the variable's name and the reason (pydantic-settings).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from hingecheck.analysis.view_limit import MAX_VIEW_OFFSET_DEG

# The runtime carries OpenVINO only (no torch): the one backend there is.
Backend = Literal["openvino"]
# The network's precision on the CPU: f32; bf16 (on CPUs with AVX-512 BF16 or AMX, f32
# elsewhere); int8 (the IR quantized at install, docs/speed.md); "auto" is OpenVINO's own
# choice (bf16 wherever the CPU has it, AVX-512 BF16 included).
Precision = Literal["f32", "bf16", "int8", "auto"]


class BackOutline(StrEnum):
    """What the back's outline is traced on (``backshape.py`` maps each to its source)."""

    PERSON = "person"          # the lifter's person mask (BlazePose's segmentation)
    BACKGROUND = "background"  # a still camera's background model
    FUSED = "fused"            # the background model's edge where the person mask agrees


class Settings(BaseSettings):
    """Everything configurable, with the defaults a single machine wants."""

    model_config = SettingsConfigDict(env_prefix="HINGECHECK_", extra="ignore")

    # Storage roots (the embedded default keeps everything on the local disk).
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("hingecheck")))
    model_dir: Path = Field(default_factory=lambda: Path(user_cache_dir("hingecheck")) / "models")

    # Pose model. ``pose_model`` overrides the provisioned yolo11n-pose export with any
    # COCO-17 YOLO pose model exported to OpenVINO (the folder, or its .xml).
    pose_model: Path | None = None
    backend: Backend = "openvino"
    inference_precision: Precision = "f32"
    # The Python with torch + ultralytics that `hingecheck model fetch` exports with (an
    # install-time tool; the runtime never imports either).
    export_python: Path | None = None
    imgsz: int = Field(default=640, ge=160, le=1280, multiple_of=32)
    # Frames per inference. On 2 cores batching buys no speed with OpenVINO (pose stage
    # 15.8 s at 1, 14.8 s at 8 on a 10.9 s 1080p clip) and costs memory (peak 566 MB at 1,
    # 846 MB at 8; bench/speed.py): 1 it is.
    batch_size: int = Field(default=1, ge=1, le=64)
    person_conf: float = Field(default=0.25, gt=0.0, lt=1.0)
    keypoint_conf: float = Field(default=0.3, gt=0.0, lt=1.0)
    # Lifts are slow: 15 analysed frames per second loses nothing (stride 2 at 30 fps).
    analysis_fps: float = Field(default=15.0, gt=0.0, le=240.0)
    # Frames are scaled in FFmpeg's decoder thread to this longer side; unset = imgsz, what
    # the model sees, so no second resize runs before inference.
    decode_max_side: int | None = Field(default=None, ge=160, le=3840)
    # The annotated clip and poster are drawn at most this long on their longer side: 720p
    # (1280) draws and encodes about 1.6 times as fast as 1080p on two cores and reads
    # well on a phone (bench/speed.py, docs/speed.md).
    render_max_side: int = Field(default=1280, ge=160, le=3840)

    # Input limits: the API and the CLI refuse beyond these with a clear error.
    max_duration_s: float = Field(default=600.0, gt=0)
    max_width: int = Field(default=3840, gt=0)
    max_height: int = Field(default=2160, gt=0)
    max_frames: int = Field(default=36_000, gt=0)
    min_duration_s: float = Field(default=0.5, ge=0.0)  # shorter cannot hold a rep
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)

    # The back's outline: from the lifter's person mask (BlazePose's segmentation; works
    # with a moving camera, blind to on-screen captions), from a still camera's background
    # model, or the background model's edge kept only where the person mask agrees.
    back_outline: BackOutline = BackOutline.PERSON
    # A second opinion on the legs: the hips, knees and ankles as the mean of yolo11n-pose's
    # and BlazePose's readings (the person mask's network, same crop, no extra inference).
    # Off: it halves the knee error at an RDL's bottom on stills but made the hip worse
    # over whole generated validation clips (docs/pose.md).
    second_opinion: bool = False

    # Cleaning the track.
    max_gap_s: float = Field(default=0.35, ge=0.0, le=5.0)
    smooth_window_s: float = Field(default=0.27, gt=0.0, le=2.0)
    # Camera read further than this from a side view: metrics from one 2D camera are not
    # trusted (the reading runs high; see analysis/view.py).
    max_view_offset_deg: float = Field(default=MAX_VIEW_OFFSET_DEG, gt=0.0, lt=90.0)

    # Services. Embedded default: SQLite and a folder under data_dir, an in-process worker.
    database_url: str | None = None      # default: sqlite:///<data_dir>/hingecheck.db
    storage: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None      # default: <data_dir>/objects
    s3_endpoint: str = "127.0.0.1:9000"  # host:port of MinIO or any S3 server
    s3_secure: bool = False
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "hingecheck"
    s3_region: str = "us-east-1"
    # Presigned links to videos and posters live at most this long (seconds).
    presign_ttl_s: int = Field(default=900, gt=0, le=900)
    # A running job renews its lease every third of this; one not renewed for this long
    # (its worker died) is taken again. The sweep re-sends lost messages as often.
    job_lease_s: float = Field(default=60.0, ge=2.0)
    sweep_interval_s: float = Field(default=20.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_backoff_s: float = Field(default=10.0, ge=0)  # × 3^(attempt − 1), at most 300 s
    # How long a job waits out an outage: the object store's (to fetch the clip, to store
    # its outputs) and, once they are stored, the database's (to record the outcome).
    store_wait_s: float = Field(default=300.0, ge=0)
    # Nothing left behind (jobs/housekeeping.py): a rejected clip's source is kept this long
    # (0: removed at once), and a stored object no job owns is removed once this old (the
    # API stores a clip just before it writes the job's row).
    rejected_source_keep_s: float = Field(default=0.0, ge=0)
    orphan_grace_s: float = Field(default=3600.0, ge=60)
    # Webhook hosts allowed even on private addresses (comma-separated; tests, intranets).
    webhook_allow_hosts: str = ""
    # /metrics (every tenant's counts) answers only `Authorization: Bearer <this>`; unset: off.
    metrics_token: str | None = Field(default=None, min_length=16)
    # Requests the API serves at once (per process); more are answered 503 at once.
    api_max_in_flight: int = Field(default=32, ge=1)
    # Distributed mode: a Celery broker (Redis) wakes workers; unset = the embedded worker.
    broker_url: str | None = None
    queue: str = "hingecheck"
    # Per-job time limits (seconds): soft raises in the task, hard kills the child.
    job_soft_limit_s: int = Field(default=1500, gt=0)
    # The verdict first: result.json stored, the job succeeded and its webhook sent as soon
    # as the clip is judged; the annotated clip, poster and chart follow (the job's
    # progress stays below 1 until they are stored; jobs/rendering.py). Off: they are
    # drawn before the job succeeds, and every output exists once it has.
    render_after_verdict: bool = True
    # With the verdict first, a clip's drawings wait while other clips wait to be judged
    # (a coach's batch: every verdict before the first drawing), at most this long.
    render_defer_max_s: float = Field(default=300.0, ge=0)
    job_hard_limit_s: int = Field(default=1800, gt=0)

    def decode_side(self) -> int:
        """The longer side, in pixels, of the frames the pose and back stages decode."""
        return self.decode_max_side or self.imgsz

    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hingecheck.db'}"

    def webhook_hosts(self) -> set[str]:
        """Callback hosts allowed inside the network (HINGECHECK_WEBHOOK_ALLOW_HOSTS)."""
        return {h.strip() for h in self.webhook_allow_hosts.split(",") if h.strip()}

    def objects_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "objects"


class SettingsError(ValueError):
    """A HINGECHECK_* variable has a bad value."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated once; raises SettingsError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HINGECHECK_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"bad settings: {problems}") from None
