"""Write H.264 MP4 files with PyAV (libx264, yuv420p): playable in browsers and phones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_h264(
    path: str | Path,
    frames: Iterable[np.ndarray],
    *,
    fps: float = 30.0,
    times_s: Iterable[float] | None = None,
    rotation_deg: int = 0,
    crf: int = 23,
    preset: str = "veryfast",
    faststart: bool = True,
    deterministic: bool = False,
    created_at: datetime | None = None,
) -> int:
    """Encode BGR frames of one size into ``path``; returns the number of frames written.

    Args:
        times_s: per-frame presentation times for a variable frame rate file; evenly
            spaced at ``fps`` when omitted.
        rotation_deg: display rotation stored in the container (counter-clockwise), as a
            phone does when it films portrait.
        faststart: put the index at the front so playback starts before download ends.
        deterministic: byte-identical output for identical frames: one x264 thread and
            no macroblock-tree rate control (with it, x264 here gave different bytes for
            the same frames from one run to the next).
        created_at: the filming date stored in the container's ``creation_time`` tag
            (written in UTC; a naive datetime is taken as UTC).
    """
    path = Path(path)
    options = {"movflags": "+faststart"} if faststart else {}
    time_base = Fraction(1, 90_000)
    times = iter(times_s) if times_s is not None else None
    count = 0
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        if created_at is not None:
            when = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
            container.metadata["creation_time"] = (
                when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset}
        if deterministic:
            stream.options = {**stream.options, "x264-params": "no-mbtree=1"}
            stream.codec_context.thread_count = 1
        stream.codec_context.time_base = time_base
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for image in frames:
            if count == 0:
                stream.height, stream.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            t = next(times) if times is not None else count / fps
            frame.pts = int(round(t / time_base))
            frame.time_base = time_base
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return count
