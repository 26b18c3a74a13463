"""The annotated clip (H.264 MP4), the poster (JPEG) and where the time goes.

Every source frame is decoded again in display orientation (what the athlete filmed,
rotation applied, so the file needs no rotation flag), scaled in the decoder to at most
``Settings.render_max_side`` on its longer side (720p by default), annotated, and encoded
with libx264 (yuv420p, even size, +faststart) at the source's own frame times. The poster
is the annotated frame nearest the worst rep's bottom, taken from the same pass where the
clip is drawn (``render_clip(..., poster=...)``), so the source is decoded once for both.
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
    poster_time_s: float | None = None  # the poster's moment, when one was written

    @property
    def fps(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


def _exercise_label(result: AnalysisResult) -> str:
    return result.exercise.label[:1].upper() + result.exercise.label[1:]


def render_clip(source: str | Path, result: AnalysisResult, out: str | Path,
                settings: Settings, *, progress: RenderProgress | None = None,
                poster: str | Path | None = None) -> RenderStats:
    """Write the annotated clip of ``source`` to ``out`` and, given ``poster``, the poster
    (as ``render_poster`` draws it) from the same decoding pass."""
    started = time.perf_counter()
    limits = VideoLimits.from_settings(settings)
    info = probe(source, limits)
    scene = Scene(result)
    reason = None if result.summary.score is not None else result.summary.reason
    label = _exercise_label(result)
    expected = max(1, result.video.frames_decoded)
    target = _poster_target(scene, result)
    times: list[float] = []
    size: list[int] = []
    nearest: list[tuple[float, np.ndarray]] = []  # the poster: (time, annotated frame)

    def frames() -> Iterator[np.ndarray]:
        # Every frame: a sampling rate far above any source rate keeps them all.
        for frame in decode_frames(info, analysis_fps=10_000.0,
                                   max_side=settings.render_max_side, limits=limits):
            image = _even(frame.image)
            if not size:
                size.extend(image.shape[:2])
            times.append(frame.time_s)
            draw_frame(image, scene.state(frame.time_s), frame.scale, label, reason,
                       result.summary.judged)
            if poster is not None and (not nearest or abs(frame.time_s - target)
                                       < abs(nearest[0][0] - target)):
                nearest[:] = [(frame.time_s, image.copy())]
            if progress and len(times) % 15 == 0:
                progress(len(times), expected)
            yield image

    # The encoder asks for a frame's time after taking the frame, so an iterator over the
    # list being filled in always finds it there.
    count = write_h264(out, frames(), fps=info.fps or 30.0, times_s=iter(times), crf=CRF,
                       preset=PRESET)
    poster_time = None
    if poster is not None and nearest:
        cv2.imwrite(str(poster), nearest[0][1], [cv2.IMWRITE_JPEG_QUALITY, POSTER_QUALITY])
        poster_time = nearest[0][0] if scene.worst_rep() is not None else None
    return RenderStats(count, size[1] if size else 0, size[0] if size else 0,
                       time.perf_counter() - started, poster_time)


def _poster_target(scene: Scene, result: AnalysisResult) -> float:
    """The poster's moment: the bottom of the worst rep, else the middle of the clip."""
    worst = scene.worst_rep()
    return worst.bottom_s if worst is not None else result.video.duration_s / 2


def _even(image: np.ndarray) -> np.ndarray:
    """yuv420p needs even width and height."""
    h, w = image.shape[:2]
    return image if h % 2 == 0 and w % 2 == 0 else np.ascontiguousarray(image[:h - h % 2,
                                                                                :w - w % 2])


def render_poster(source: str | Path, result: AnalysisResult, out: str | Path,
                  settings: Settings) -> float | None:
    """Write the bottom of the worst rep, annotated, as a JPEG; return its time (None: no
    reps, the middle of the clip is used). ``render_clip(..., poster=out)`` writes the
    same poster without decoding the clip a second time."""
    limits = VideoLimits.from_settings(settings)
    info = probe(source, limits)
    scene = Scene(result)
    target = _poster_target(scene, result)
    best = None
    for frame in decode_frames(info, analysis_fps=10_000.0, max_side=settings.render_max_side,
                               limits=limits):
        if best is None or abs(frame.time_s - target) < abs(best.time_s - target):
            best = frame
        elif frame.time_s > target:
            break
    if best is None:
        return None
    image = _even(best.image.copy())
    reason = None if result.summary.score is not None else result.summary.reason
    draw_frame(image, scene.state(best.time_s), best.scale, _exercise_label(result), reason,
               result.summary.judged)
    cv2.imwrite(str(out), image, [cv2.IMWRITE_JPEG_QUALITY, POSTER_QUALITY])
    return best.time_s if scene.worst_rep() is not None else None
