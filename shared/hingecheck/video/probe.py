"""Read a video's facts from its container and refuse what hingecheck cannot analyse.

Headers can lie (frame counts, durations), so decode.py checks the limits again while it
counts real frames; probing is the cheap first gate that runs before any job exists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import av.error

from hingecheck import errors
from hingecheck.settings import Settings

# A lift needs time: a clip shorter than this cannot hold one rep. Real clips of one fast
# deadlift pull last 0.93 s (../shared/real); a kettlebell swing takes about a second.
MIN_DURATION_S = 0.5
# Containers FFmpeg opens for a single picture (a photo renamed .mp4 opens as one).
IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe",
                 "gif", "apng")
# Where ``VideoInfo.duration_s`` was read: the stream's own header (an MP4 track, after its
# edit list), the container's header (Matroska: may include a longer audio track), the
# packets' timestamps, or a count of frames at the stream's rate (a raw stream such as
# Annex-B .h264 stores no times at all).
DURATION_FROM = ("stream", "container", "packets", "frame-count")
# Creation dates before this are an unset clock (MP4 counts from 1904, some cameras from
# 1970), not a filming date.
EARLIEST_FILMING_YEAR = 1990


@dataclass(frozen=True)
class VideoLimits:
    """What hingecheck accepts. Landscape and portrait are both fine: sides are compared
    longer-with-longer, so 3840×2160 and 2160×3840 both fit the default."""

    max_duration_s: float = 600.0
    max_width: int = 3840
    max_height: int = 2160
    max_frames: int = 36_000
    min_duration_s: float = MIN_DURATION_S

    @classmethod
    def from_settings(cls, settings: Settings) -> VideoLimits:
        return cls(
            max_duration_s=settings.max_duration_s,
            max_width=settings.max_width,
            max_height=settings.max_height,
            max_frames=settings.max_frames,
            min_duration_s=settings.min_duration_s,
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
    stream_index: int = 0  # which of the file's video streams (see best_video_stream)
    duration_from: str = "stream"  # one of DURATION_FROM
    created_at: datetime | None = None  # when it was filmed, from the container's tags

    def to_dict(self) -> dict[str, Any]:
        facts = asdict(self)
        facts["created_at"] = self.created_at.isoformat() if self.created_at else None
        return facts


def _missing_index(path: Path) -> errors.TruncatedVideo:
    return errors.TruncatedVideo(
        f"{path.name}: the video is truncated (its index, the 'moov atom', is missing);"
        " the upload or the recording did not finish — export or upload it again"
    )


def _unfinished_mp4(path: Path) -> bool:
    """An MP4/MOV whose top-level boxes start with ``ftyp`` but hold no ``moov``: a
    recording or an upload that stopped before the index was written."""
    with path.open("rb") as f:
        size_left = path.stat().st_size
        offset, first = 0, True
        while offset + 8 <= size_left:
            f.seek(offset)
            header = f.read(16)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if first and kind != b"ftyp":
                return False
            if kind == b"moov":
                return False
            if size == 1 and len(header) == 16:
                size = int.from_bytes(header[8:16], "big")
            if size < 8:  # 0: the box runs to the end of the file
                break
            offset, first = offset + size, False
        return not first


def _open(path: Path) -> av.container.InputContainer:
    # FFmpeg's own message names the file by its full path: only its reason is passed on.
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        if "moov atom not found" in str(exc).lower() or _unfinished_mp4(path):
            raise _missing_index(path) from None
        raise errors.NotAVideo(
            f"{path.name}: not a video file FFmpeg can read ({exc.strerror})") from None
    except av.error.FFmpegError as exc:
        if _unfinished_mp4(path):
            raise _missing_index(path) from None
        raise errors.NotAVideo(f"{path.name}: cannot open as a video ({exc.strerror})") from None


def best_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The stream to analyse: the largest moving picture, not a cover image or a thumbnail
    (a phone may store a preview as stream 0 and the recording as stream 1)."""
    def rank(stream: av.video.stream.VideoStream) -> tuple[bool, int, int]:
        disposition = getattr(stream, "disposition", 0)
        still = bool(int(disposition) & 0x400)  # AV_DISPOSITION_ATTACHED_PIC
        ctx = stream.codec_context
        area = int(ctx.width or 0) * int(ctx.height or 0) if ctx is not None else 0
        return (not still, area, int(stream.frames or 0))

    return max(container.streams.video, key=rank)


def _rotation_from_first_frame(container: av.container.InputContainer,
                               stream: av.video.stream.VideoStream) -> int:
    """The display rotation (degrees counter-clockwise, a multiple of 90) of the first frame."""
    try:
        for frame in container.decode(stream):
            return normalise_rotation(frame.rotation)
    except av.error.FFmpegError:
        return 0
    return 0


def _packet_span(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                 enough_s: float, fps: float) -> float:
    """How long the stream's packets last, read until ``enough_s`` (no decoding)."""
    first = last = None
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            t = float(packet.pts * packet.time_base)
            first = t if first is None else min(first, t)
            last = t if last is None else max(last, t)
            if last - first >= enough_s:
                break
    except av.error.FFmpegError:
        pass
    if first is None or last is None:
        return 0.0
    return last - first + (1.0 / fps if fps > 0 else 0.0)


def _measure_untimed(path: Path, stream_index: int, fps: float,
                     limits: VideoLimits) -> tuple[float, str]:
    """The duration of a stream whose container stores none (a raw .h264 or .hevc file):
    the span of its packets' timestamps where it has them, else its frame count at
    ``fps``. Reading stops as soon as a limit is broken, so a long raw stream is refused
    after a parse of its first ``max_duration_s``, with no frame decoded.

    Raises:
        VideoTooLong / TooManyFrames: the stream is longer than the limits allow.
    """
    count, first, last = 0, None, None
    rate = fps if fps > 0 else 25.0  # FFmpeg's own assumption for raw streams
    with _open(path) as container:
        stream = next(s for s in container.streams.video if s.index == stream_index)
        try:
            for packet in container.demux(stream):
                if not packet.size:
                    continue  # the demuxer's end-of-stream marker
                count += 1
                if packet.pts is not None and packet.time_base is not None:
                    t = float(packet.pts * packet.time_base)
                    first = t if first is None else min(first, t)
                    last = t if last is None else max(last, t)
                timed = first is not None and last is not None
                span = (last or 0.0) - (first or 0.0) + 1.0 / rate if timed else count / rate
                if span > limits.max_duration_s:
                    how = ("by its timestamps" if timed else
                           f"{count} frames at {rate:g} fps; the stream stores no timestamps")
                    raise errors.VideoTooLong(
                        f"{path.name}: longer than the limit of {limits.max_duration_s:.0f} s"
                        f" ({how}); trim the clip to the set you want judged")
                if count > limits.max_frames:
                    raise errors.TooManyFrames(
                        f"{path.name}: more than {limits.max_frames} frames; trim the clip or"
                        " lower its frame rate")
        except av.error.FFmpegError:
            pass  # a damaged tail: measure what is there; decoding judges the rest
    if first is not None and last is not None:
        return last - first + 1.0 / rate, "packets"
    return count / rate, "frame-count"


def _created_at(container: av.container.InputContainer,
                stream: av.video.stream.VideoStream) -> datetime | None:
    """When the clip was filmed, from its tags: Apple's local date with its UTC offset
    first, then the MP4/Matroska ``creation_time`` (UTC). None when absent or unset."""
    tags = [dict(container.metadata or {}), dict(stream.metadata or {})]
    for key in ("com.apple.quicktime.creationdate", "creation_time"):
        for found in tags:
            value = str(found.get(key) or "").strip()
            try:
                when = datetime.fromisoformat(value) if value else None
            except ValueError:
                when = None
            if when is not None and when.year >= EARLIEST_FILMING_YEAR:
                return when
    return None


def normalise_rotation(rotation: float) -> int:
    """Round a display-matrix rotation to 0, 90, 180 or 270 degrees counter-clockwise."""
    return int(round(rotation / 90.0)) % 4 * 90


def probe(path: str | Path, limits: VideoLimits | None = None) -> VideoInfo:
    """Open ``path``, read its best video stream's facts, and check them against ``limits``.

    Raises:
        NotAVideo: empty file, not a media file, a single picture, or no video stream.
        VideoTooShort: shorter than MIN_DURATION_S.
        TruncatedVideo: the container's index is missing.
        UnsupportedCodec: FFmpeg has no decoder for the stream.
        VideoTooLong / VideoTooLarge / TooManyFrames: a header already breaks a limit, or
            a stream with no container timing (raw .h264) is measured past one.
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
        if container.format.name in IMAGE_FORMATS:
            raise errors.NotAVideo(
                f"{path.name}: a single picture ({container.format.name.split('_')[0]}), "
                "not a video; upload the recording of the lift")
        stream = best_video_stream(container)
        codec_ctx = stream.codec_context
        if codec_ctx is None or not codec_ctx.name:
            raise errors.UnsupportedCodec(f"{path.name}: no decoder for this video codec")
        coded_w, coded_h = int(codec_ctx.width), int(codec_ctx.height)
        if coded_w <= 0 or coded_h <= 0:
            raise errors.NotAVideo(f"{path.name}: the video stream has no picture size")
        duration_s: float | None = None
        duration_from = "stream"
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s, duration_from = container.duration / 1_000_000, "container"
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if duration_s is None and codec_ctx.framerate:
            # No container timing: a raw stream's average rate is the demuxer's 25 fps
            # guess, while the codec's own header (H.264 VUI) knows the real one.
            rate = codec_ctx.framerate
        fps = float(rate) if rate else 0.0
        frames_header = int(stream.frames) or None
        rotation = _rotation_from_first_frame(container, stream)
        if duration_s is not None and duration_s < limits.min_duration_s:
            # Headers lie (a variable frame rate can shrink them): read the packets' times.
            duration_s = _packet_span(container, stream, limits.min_duration_s, fps)
            duration_from = "packets"
        created_at = _created_at(container, stream)
        container_name, codec_name, stream_index = (
            container.format.name, codec_ctx.name, stream.index)
    if duration_s is None:
        duration_s, duration_from = _measure_untimed(path, stream_index, fps, limits)
    info = VideoInfo(
        path=str(path),
        container=container_name,
        codec=codec_name,
        width=coded_h if rotation in (90, 270) else coded_w,
        height=coded_w if rotation in (90, 270) else coded_h,
        coded_width=coded_w,
        coded_height=coded_h,
        rotation_deg=rotation,
        fps=fps,
        duration_s=duration_s,
        frame_count_header=frames_header,
        size_bytes=size,
        stream_index=stream_index,
        duration_from=duration_from,
        created_at=created_at,
    )
    check_limits(info, limits)
    return info


def too_short(name: str, seconds: float, limits: VideoLimits) -> str:
    return (f"{name}: {seconds:.2f} s is too short to hold a rep (the minimum is "
            f"{limits.min_duration_s:g} s); upload the whole set")


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
    if info.duration_s is not None and info.duration_s < 0.99 * limits.min_duration_s:
        raise errors.VideoTooShort(too_short(name, info.duration_s, limits))
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
