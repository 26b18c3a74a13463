"""The annotated clip (H.264 MP4), the poster (JPEG) and where the time goes.

Every source frame is decoded again in display orientation (what the athlete filmed,
rotation applied, so the file needs no rotation flag), scaled to at most 1080p (1920
pixels on its longer side), annotated, and encoded with libx264 (yuv420p, even size, +faststart)
at the source's own frame times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hingecheck.render.overlay import draw_frame
from hingecheck.render.scene import Scene
from hingecheck.schemas.result import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.video import VideoLimits, decode_frames, probe
from hingecheck.video.encode import write_h264

# 1080p at most: 1920 on the longer side (a 4K phone clip comes out 1920×1080).
MAX_SIDE = 1920
# x264 speed/quality: "veryfast" at CRF 23 keeps rendering well above 60 frames per second
# at 720p on two cores (bench/speed.py) at a quality where the overlay text stays crisp.
PRESET = "veryfast"
CRF = 23
POSTER_QUALITY = 88

RenderProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderStats:
    frames: int
    width: int
    height: int
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


def _exercise_label(result: AnalysisResult) -> str:
    return result.exercise.label[:1].upper() + result.exercise.label[1:]


def render_clip(source: str | Path, result: AnalysisResult, out: str | Path,
                settings: Settings, *, progress: RenderProgress | None = None) -> RenderStats:
    """Write the annotated clip of ``source`` to ``out``."""
    started = time.perf_counter()
    limits = VideoLimits.from_settings(settings)
    info = probe(source, limits)
    scene = Scene(result)
    reason = None if result.summary.score is not None else result.summary.reason
    label = _exercise_label(result)
    expected = max(1, result.video.frames_decoded)
    times: list[float] = []
    size: list[int] = []

    def frames() -> Iterator[np.ndarray]:
        # Every frame: a sampling rate far above any source rate keeps them all.
        for frame in decode_frames(info, analysis_fps=10_000.0, max_side=MAX_SIDE,
                                   limits=limits):
            image = _even(frame.image)
            if not size:
                size.extend(image.shape[:2])
            times.append(frame.time_s)
            draw_frame(image, scene.state(frame.time_s), frame.scale, label, reason)
            if progress and len(times) % 15 == 0:
                progress(len(times), expected)
            yield image

    # The encoder asks for a frame's time after taking the frame, so an iterator over the
    # list being filled in always finds it there.
    count = write_h264(out, frames(), fps=info.fps or 30.0, times_s=iter(times), crf=CRF,
                       preset=PRESET)
    return RenderStats(count, size[1] if size else 0, size[0] if size else 0,
                       time.perf_counter() - started)


def _even(image: np.ndarray) -> np.ndarray:
    """yuv420p needs even width and height."""
    h, w = image.shape[:2]
    return image if h % 2 == 0 and w % 2 == 0 else np.ascontiguousarray(image[:h - h % 2,
                                                                                :w - w % 2])


def render_poster(source: str | Path, result: AnalysisResult, out: str | Path,
                  settings: Settings) -> float | None:
    """Write the bottom of the worst rep, annotated, as a JPEG; return its time (None: no
    reps, the middle of the clip is used)."""
    limits = VideoLimits.from_settings(settings)
    info = probe(source, limits)
    scene = Scene(result)
    worst = scene.worst_rep()
    target = worst.bottom_s if worst is not None else result.video.duration_s / 2
    best = None
    for frame in decode_frames(info, analysis_fps=10_000.0, max_side=MAX_SIDE, limits=limits):
        if best is None or abs(frame.time_s - target) < abs(best.time_s - target):
            best = frame
        elif frame.time_s > target:
            break
    if best is None:
        return None
    image = _even(best.image.copy())
    reason = None if result.summary.score is not None else result.summary.reason
    draw_frame(image, scene.state(best.time_s), best.scale, _exercise_label(result), reason)
    cv2.imwrite(str(out), image, [cv2.IMWRITE_JPEG_QUALITY, POSTER_QUALITY])
    return best.time_s if worst is not None else None
