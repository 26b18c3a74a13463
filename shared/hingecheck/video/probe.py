"""Read a video's facts from its container and refuse what hingecheck cannot analyse.

Headers can lie (frame counts, durations), so decode.py checks the limits again while it
counts real frames; probing is the cheap first gate that runs before any job exists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from hingecheck import errors
from hingecheck.settings import Settings


@dataclass(frozen=True)
class VideoLimits:
    """What hingecheck accepts. Landscape and portrait are both fine: sides are compared
    longer-with-longer, so 3840×2160 and 2160×3840 both fit the default."""

    max_duration_s: float = 600.0
    max_width: int = 3840
    max_height: int = 2160
    max_frames: int = 36_000

    @classmethod
    def from_settings(cls, settings: Settings) -> VideoLimits:
        return cls(
            max_duration_s=settings.max_duration_s,
            max_width=settings.max_width,
            max_height=settings.max_height,
            max_frames=settings.max_frames,
        )


@dataclass(frozen=True)
class VideoInfo:
    """Facts of one video stream. ``width``/``height`` are as displayed (rotation applied)."""

    path: str
    container: str
    codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation_deg: int
    fps: float
    duration_s: float | None
    frame_count_header: int | None
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _missing_index(path: Path) -> errors.TruncatedVideo:
    return errors.TruncatedVideo(
        f"{path.name}: the video is truncated (its index, the 'moov atom', is missing);"
        " the upload or the recording did not finish — export or upload it again"
    )


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        text = str(exc).lower()
        if "moov atom not found" in text:
            raise _missing_index(path) from None
        raise errors.NotAVideo(f"{path.name}: not a video file FFmpeg can read ({exc})") from None
    except av.error.FFmpegError as exc:
        raise errors.NotAVideo(f"{path.name}: cannot open as a video ({exc})") from None


def _rotation_from_first_frame(container: av.container.InputContainer) -> int:
    """The display rotation (degrees counter-clockwise, a multiple of 90) of the first frame."""
    stream = container.streams.video[0]
    try:
        for frame in container.decode(stream):
            return normalise_rotation(frame.rotation)
    except av.error.FFmpegError:
        return 0
    return 0


def normalise_rotation(rotation: float) -> int:
    """Round a display-matrix rotation to 0, 90, 180 or 270 degrees counter-clockwise."""
    return int(round(rotation / 90.0)) % 4 * 90


def probe(path: str | Path, limits: VideoLimits | None = None) -> VideoInfo:
    """Open ``path``, read its first video stream's facts, and check them against ``limits``.

    Raises:
        NotAVideo: empty file, not a media file, or no video stream.
        TruncatedVideo: the container's index is missing.
        UnsupportedCodec: FFmpeg has no decoder for the stream.
        VideoTooLong / VideoTooLarge / TooManyFrames: a header already breaks a limit.
    """
    path = Path(path)
    limits = limits or VideoLimits()
    if not path.is_file():
        raise errors.NotAVideo(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise errors.NotAVideo(f"{path.name}: the file is empty (0 bytes)")

    with _open(path) as container:
        if not container.streams and "mp4" in container.format.name:
            # FFmpeg opens an MP4 whose index never got written, but finds no stream in it.
            raise _missing_index(path)
        if not container.streams.video:
            raise errors.NotAVideo(f"{path.name}: the file has no video stream")
        stream = container.streams.video[0]
        codec_ctx = stream.codec_context
        if codec_ctx is None or not codec_ctx.name:
            raise errors.UnsupportedCodec(f"{path.name}: no decoder for this video codec")
        coded_w, coded_h = int(codec_ctx.width), int(codec_ctx.height)
        if coded_w <= 0 or coded_h <= 0:
            raise errors.NotAVideo(f"{path.name}: the video stream has no picture size")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        duration_s: float | None = None
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s = container.duration / 1_000_000
        frames_header = int(stream.frames) or None
        rotation = _rotation_from_first_frame(container)
        info = VideoInfo(
            path=str(path),
            container=container.format.name,
            codec=codec_ctx.name,
            width=coded_h if rotation in (90, 270) else coded_w,
            height=coded_w if rotation in (90, 270) else coded_h,
            coded_width=coded_w,
            coded_height=coded_h,
            rotation_deg=rotation,
            fps=fps,
            duration_s=duration_s,
            frame_count_header=frames_header,
            size_bytes=size,
        )
    check_limits(info, limits)
    return info


def check_limits(info: VideoInfo, limits: VideoLimits) -> None:
    """Refuse a video whose header already breaks a limit."""
    name = Path(info.path).name
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    max_long, max_short = (
        max(limits.max_width, limits.max_height),
        min(limits.max_width, limits.max_height),
    )
    if long_side > max_long or short_side > max_short:
        raise errors.VideoTooLarge(
            f"{name}: {info.width}×{info.height} is larger than the limit "
            f"{limits.max_width}×{limits.max_height}; export it at 1080p or 4K"
        )
    if info.duration_s is not None and info.duration_s > limits.max_duration_s:
        raise errors.VideoTooLong(
            f"{name}: {info.duration_s:.0f} s is longer than the limit of "
            f"{limits.max_duration_s:.0f} s; trim the clip to the set you want judged"
        )
    if info.frame_count_header is not None and info.frame_count_header > limits.max_frames:
        raise errors.TooManyFrames(
            f"{name}: {info.frame_count_header} frames is more than the limit of "
            f"{limits.max_frames}; trim the clip or lower its frame rate"
        )
