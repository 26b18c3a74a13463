"""One clip, start to end: probe → decode → pose (batched) → athlete track → result.

The CLI and the worker both call ``analyze_video``; nothing here prints or draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hingecheck import __version__
from hingecheck.pose.model import FrameDetections, PoseModel, get_pose_model
from hingecheck.pose.track import COCO_KEYPOINTS, PoseTrack, build_pose_track
from hingecheck.schemas import result as schema
from hingecheck.settings import Settings
from hingecheck.video import DecodeStats, VideoInfo, VideoLimits, decode_frames, probe
from hingecheck.video.prefetch import prefetch

# progress(frames analysed so far, frames expected in all)
ProgressFn = Callable[[int, int], None]


@dataclass
class PoseStageOutput:
    info: VideoInfo
    stats: DecodeStats
    track: PoseTrack
    decode_and_pose_s: float
    tracking_s: float


def expected_analysed_frames(info: VideoInfo, analysis_fps: float) -> int:
    """How many frames the decoder will hand to the model (an estimate from the header)."""
    if info.duration_s:
        rate = min(analysis_fps, info.fps) if info.fps else analysis_fps
        return max(1, int(round(info.duration_s * rate)))
    return max(1, info.frame_count_header or 1)


def run_pose_stage(
    path: str | Path,
    settings: Settings,
    *,
    model: PoseModel | None = None,
    progress: ProgressFn | None = None,
) -> PoseStageOutput:
    """Probe, decode and run the pose model; return the lifter's cleaned track."""
    limits = VideoLimits.from_settings(settings)
    info = probe(path, limits)
    model = model or get_pose_model(settings)
    expected = expected_analysed_frames(info, settings.analysis_fps)
    stats = DecodeStats()
    detections: list[FrameDetections] = []
    times: list[float] = []
    indices: list[int] = []
    batch: list[np.ndarray] = []
    scales: list[float] = []

    def flush() -> None:
        detections.extend(model.predict(batch, scales))
        batch.clear()
        scales.clear()
        if progress:
            progress(len(detections), max(expected, len(detections)))

    started = time.perf_counter()
    frames = decode_frames(info, analysis_fps=settings.analysis_fps,
                           max_side=settings.decode_max_side, limits=limits, stats=stats)
    for frame in prefetch(frames):
        batch.append(frame.image)
        scales.append(frame.scale)
        times.append(frame.time_s)
        indices.append(frame.index)
        if len(batch) == settings.batch_size:
            flush()
    if batch:
        flush()
    pose_s = time.perf_counter() - started

    started = time.perf_counter()
    track = build_pose_track(
        detections, np.asarray(times), np.asarray(indices), info.width, info.height,
        min_conf=settings.keypoint_conf, max_gap_s=settings.max_gap_s,
        smooth_window_s=settings.smooth_window_s,
        max_view_offset_deg=settings.max_view_offset_deg,
    )
    track.notes.extend(stats.notes)
    return PoseStageOutput(info, stats, track, pose_s, time.perf_counter() - started)


def _keypoint_rows(track: PoseTrack) -> list[list[tuple[float, float, float] | None]]:
    rows = []
    for i in range(track.n_frames):
        row: list[tuple[float, float, float] | None] = []
        for k in range(17):
            x, y = track.xy[i, k]
            if np.isnan(x):
                row.append(None)
            else:
                row.append((round(float(x), 1), round(float(y), 1),
                            round(float(track.conf[i, k]), 3)))
        rows.append(row)
    return rows


def analyze_video(
    path: str | Path,
    settings: Settings,
    *,
    exercise: str = "rdl",
    model: PoseModel | None = None,
    progress: ProgressFn | None = None,
) -> schema.AnalysisResult:
    """Analyse one clip and return the result (no files written)."""
    load_started = time.perf_counter()
    used = model or get_pose_model(settings)
    model_load_s = time.perf_counter() - load_started
    started = time.perf_counter()
    out = run_pose_stage(path, settings, model=used, progress=progress)
    total = time.perf_counter() - started
    info, stats, track = out.info, out.stats, out.track
    analysed = max(track.n_frames, 1)
    duration = stats.last_time_s + (1.0 / info.fps if info.fps else 0.0)
    return schema.AnalysisResult(
        hingecheck_version=__version__,
        source_name=Path(path).name,
        exercise=exercise,
        video=schema.VideoFacts(
            container=info.container, codec=info.codec, width=info.width, height=info.height,
            rotation_deg=info.rotation_deg, fps=round(info.fps, 3),
            duration_s=round(duration, 3), size_bytes=info.size_bytes,
            frames_decoded=stats.frames_decoded, frames_analysed=stats.frames_selected,
            analysis_fps=round(stats.frames_selected / max(duration, 1e-9), 3),
        ),
        model=schema.ModelFacts(
            name=used.spec.name, backend=used.spec.backend, imgsz=used.spec.imgsz,
            person_conf=used.spec.person_conf, keypoint_conf=settings.keypoint_conf,
        ),
        view=schema.ViewCheck(
            offset_deg=None if track.view.offset_deg is None else round(track.view.offset_deg, 1),
            facing=track.view.facing,  # type: ignore[arg-type]
            near_side=track.view.near_side,  # type: ignore[arg-type]
            side_view_ok=track.view.side_view_ok, message=track.view.message,
        ),
        athlete=schema.AthleteTrack(
            track_id=track.track_id, selection_reason=track.selection_reason,
            detected_fraction=round(track.detected_fraction, 4),
            candidates=[{k: round(float(v), 4) for k, v in c.items()} for c in track.candidates],
        ),
        pose=schema.PoseSeries(
            keypoint_names=list(COCO_KEYPOINTS),
            times_s=[round(float(t), 4) for t in track.times_s],
            frame_indices=[int(i) for i in track.frame_indices],
            keypoints=_keypoint_rows(track),
            interpolated=[np.flatnonzero(row).tolist() for row in track.interpolated],
        ),
        timings=schema.Timings(
            model_load_s=round(model_load_s, 3),
            decode_and_pose_s=round(out.decode_and_pose_s, 3),
            tracking_s=round(out.tracking_s, 3), total_s=round(total, 3),
            frames_per_second=round(analysed / max(total, 1e-9), 2),
            realtime_factor=round(duration / max(total, 1e-9), 2),
        ),
        notes=track.notes,
    )
