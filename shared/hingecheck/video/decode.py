"""Decode the frames the pose model will see, with their real timestamps.

- Timestamps come from each frame's presentation time, so variable frame rate clips
  (phones) keep true times.
- Frames are picked by time, not by index: ``analysis_fps`` frames per second whatever the
  source rate (stride 2 at 30 fps, 4 at 60 fps).
- Frames are rotated to the orientation the athlete filmed (display matrix) and scaled
  down in FFmpeg's scaler to ``max_side``; the model never needs more.
- Every decoded frame is counted against the limits, because headers lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error
import numpy as np

from hingecheck import errors
from hingecheck.video.probe import (
    VideoInfo,
    VideoLimits,
    normalise_rotation,
    too_short,
)


@dataclass(frozen=True)
class DecodedFrame:
    """One analysed frame: BGR pixels in display orientation, scaled by ``scale``.

    A point (x, y) in ``image`` is at (x / scale, y / scale) in the displayed video.
    """

    index: int
    time_s: float
    image: np.ndarray
    scale: float


@dataclass
class DecodeStats:
    """What decoding found, filled in while the generator runs."""

    frames_decoded: int = 0
    frames_selected: int = 0
    last_time_s: float = 0.0
    timestamps_repaired: int = 0
    bad_packets: int = 0
    notes: list[str] = field(default_factory=list)


def _scaled_size(width: int, height: int, max_side: int) -> tuple[int, int, float]:
    scale = min(1.0, max_side / max(width, height))
    # Even sizes keep FFmpeg's scaler on its fast path for yuv420p.
    w = max(2, int(round(width * scale / 2)) * 2)
    h = max(2, int(round(height * scale / 2)) * 2)
    return w, h, w / width


def _frames_skipping_bad_packets(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream,
    stats: DecodeStats,
) -> Iterator[av.VideoFrame]:
    """Decode packet by packet so one damaged packet costs a frame, not the clip."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            stats.bad_packets += 1  # the container itself breaks off here
            return
        try:
            yield from packet.decode()
        except av.error.FFmpegError:
            stats.bad_packets += 1


def decode_frames(
    info: VideoInfo,
    *,
    analysis_fps: float,
    max_side: int,
    limits: VideoLimits,
    stats: DecodeStats | None = None,
) -> Iterator[DecodedFrame]:
    """Yield the analysed frames of the video described by ``info``.

    Raises:
        TruncatedVideo: the stream breaks off before any frame decodes, or mid-stream.
        TooManyFrames / VideoTooLong: the real content breaks a limit the header hid.
    """
    stats = stats if stats is not None else DecodeStats()
    name = Path(info.path).name
    # Coded size and rotation: the scaler works before rotation.
    w, h, scale = _scaled_size(info.coded_width, info.coded_height, max_side)
    period = 1.0 / analysis_fps
    next_time = -np.inf
    last_time = -np.inf
    fallback_dt = 1.0 / info.fps if info.fps > 0 else 1.0 / 30.0
    with av.open(info.path, mode="r", metadata_errors="ignore") as container:
        stream = next(s for s in container.streams.video if s.index == info.stream_index)
        stream.thread_type = "AUTO"
        start = 0.0
        if stream.start_time is not None and stream.time_base is not None:
            start = float(stream.start_time * stream.time_base)
        for frame in _frames_skipping_bad_packets(container, stream, stats):
            index = stats.frames_decoded
            stats.frames_decoded += 1
            if stats.frames_decoded > limits.max_frames:
                raise errors.TooManyFrames(
                    f"{name}: more than {limits.max_frames} frames; trim the clip or lower its"
                    " frame rate"
                )
            t = float(frame.time) - start if frame.time is not None else index * fallback_dt
            if t <= last_time:
                # A missing or repeated timestamp: keep time moving forward.
                t = last_time + fallback_dt
                stats.timestamps_repaired += 1
            last_time = t
            stats.last_time_s = t
            if t > limits.max_duration_s:
                raise errors.VideoTooLong(
                    f"{name}: longer than the limit of {limits.max_duration_s:.0f} s; trim"
                    " the clip to the set you want judged"
                )
            # Half a source frame of slack so 30 fps sampled at 15 fps is every 2nd frame.
            if t + 0.5 * fallback_dt < next_time:
                continue
            # After a gap (variable frame rate), restart the grid instead of catching up.
            next_time = t + period if next_time < t - period else next_time + period
            rotation = normalise_rotation(frame.rotation)
            image: np.ndarray = frame.to_ndarray(width=w, height=h, format="bgr24")
            if rotation:
                image = np.ascontiguousarray(np.rot90(image, k=rotation // 90))
            stats.frames_selected += 1
            yield DecodedFrame(index=index, time_s=t, image=image, scale=scale)
    expected = info.frame_count_header
    # An MP4's sample table counts exactly the frames it holds; far fewer decoded means
    # the data ends early (an upload or a recording that did not finish).
    if stats.frames_decoded == 0 or (expected and stats.frames_decoded < 0.95 * expected):
        raise errors.TruncatedVideo(
            f"{name}: the video breaks off after {stats.frames_decoded} of "
            f"{expected or '?'} frames; upload the complete file"
        )
    if stats.last_time_s + fallback_dt < 0.99 * limits.min_duration_s:  # the header lied
        raise errors.VideoTooShort(too_short(name, stats.last_time_s + fallback_dt, limits))
    if stats.bad_packets:
        stats.notes.append(f"{stats.bad_packets} damaged packets were skipped")
    if stats.timestamps_repaired:
        stats.notes.append(f"{stats.timestamps_repaired} frames had missing or repeated times")
