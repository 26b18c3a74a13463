"""Decode the frames the pose model will see, with their real timestamps.

- Timestamps come from each frame's presentation time, so variable frame rate clips
  (phones) keep true times.
- Frames are picked by time, not by index: ``analysis_fps`` frames per second whatever the
  source rate (stride 2 at 30 fps, 4 at 60 fps).
- Frames are rotated to the orientation the athlete filmed (display matrix) and scaled
  down in FFmpeg's scaler to ``max_side``; the model never needs more.
- Every decoded frame is counted against the limits, because headers lie.
- A clip is truncated when its decoded frames cover less time than its track's header
  says, not when fewer frames decode than the header counts: an MP4 edit list can make
  the demuxer discard frames the header counts (a phone's variable-rate recording).
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

# How much of the track's header duration the decoded frames may leave uncovered before
# the clip counts as cut off: the larger of a fixed slack (a phone's last-sample duration
# and a start offset are hundredths of a second; a cut upload loses far more) and a
# fraction of the clip (rounding in long headers).
TRUNCATION_SLACK_S = 0.25
TRUNCATION_SLACK_FRACTION = 0.02
# Without a header duration (Matroska, raw streams), far fewer frames than a header's
# count is the only sign of a cut.
TRUNCATION_FRAME_FRACTION = 0.95


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


def _refuse_if_cut_off(info: VideoInfo, stats: DecodeStats, covered_s: float) -> None:
    """Raise TruncatedVideo when the data ends before the header says it should (an upload
    or a recording that did not finish). ``covered_s``: stream start to the last decoded
    frame's end."""
    name = Path(info.path).name
    expected = info.frame_count_header
    if stats.frames_decoded == 0:
        raise errors.TruncatedVideo(
            f"{name}: the video breaks off before its first frame decodes; upload the"
            " complete file")
    if info.duration_from == "stream" and info.duration_s:
        # The track's duration is read after its edit list, as the frames' times are.
        slack = max(TRUNCATION_SLACK_S, TRUNCATION_SLACK_FRACTION * info.duration_s)
        if covered_s < info.duration_s - slack:
            raise errors.TruncatedVideo(
                f"{name}: the video breaks off at {covered_s:.2f} s of {info.duration_s:.2f}"
                f" s ({stats.frames_decoded} frames decoded); upload the complete file")
    elif expected and stats.frames_decoded < TRUNCATION_FRAME_FRACTION * expected:
        raise errors.TruncatedVideo(
            f"{name}: the video breaks off after {stats.frames_decoded} of {expected}"
            " frames; upload the complete file")


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
    last_frame_s = 0.0
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
            last_frame_s = (float(frame.duration * frame.time_base)
                            if frame.duration and frame.time_base else fallback_dt)
            if t > limits.max_duration_s:
                how = (f" ({stats.frames_decoded} frames at {info.fps:g} fps; the stream"
                       " stores no timestamps)" if frame.time is None else "")
                raise errors.VideoTooLong(
                    f"{name}: longer than the limit of {limits.max_duration_s:.0f} s{how};"
                    " trim the clip to the set you want judged"
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
    _refuse_if_cut_off(info, stats, stats.last_time_s + last_frame_s)
    if stats.last_time_s + fallback_dt < 0.99 * limits.min_duration_s:  # the header lied
        raise errors.VideoTooShort(too_short(name, stats.last_time_s + fallback_dt, limits))
    if stats.bad_packets:
        stats.notes.append(f"{stats.bad_packets} damaged packets were skipped")
    if stats.timestamps_repaired:
        stats.notes.append(f"{stats.timestamps_repaired} frames had missing or repeated times")
