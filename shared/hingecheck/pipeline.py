"""One clip, start to end, each stage handing its result to the next and none reaching
back: probe → decode + pose (batched) → the lifter's track → a second pass over the frames
(the person mask and the back's shape, BlazePose's second opinion on the legs) → motion
(kinematics, the lifts, the exercise: given or guessed) → judgement (faults, scores) →
assembled result.

The CLI and the worker both call ``analyze_video``; nothing here prints or draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hingecheck.analysis.motion import decide_motion
from hingecheck.analysis.profiles import PROFILES, parse_choice
from hingecheck.analysis.report import judge
from hingecheck.analysis.world import camera_yaw, clean_world
from hingecheck.assemble import StageTimings, build_result
from hingecheck.backshape import BackgroundSampler, measure_back_shape
from hingecheck.pose.model import FrameDetections, ModelSpec, PoseModel, get_pose_model
from hingecheck.pose.track import PoseTrack, build_pose_track, with_second_opinion
from hingecheck.schemas import result as schema
from hingecheck.settings import Settings
from hingecheck.video import DecodeStats, VideoInfo, VideoLimits, decode_frames, probe
from hingecheck.video.prefetch import prefetch
from hingecheck.vocab import DEFAULT_EXERCISE, ExerciseChoice

DEFAULT_CHOICE = ExerciseChoice(DEFAULT_EXERCISE)
# progress(frames analysed so far, frames expected in all)
ProgressFn = Callable[[int, int], None]


@dataclass
class PoseStageOutput:
    info: VideoInfo
    stats: DecodeStats
    track: PoseTrack
    decode_and_pose_s: float
    tracking_s: float
    sampler: BackgroundSampler


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
    info: VideoInfo | None = None,
) -> PoseStageOutput:
    """Probe (unless ``info`` is this file's probe), decode and run the pose model; return
    the lifter's cleaned track.

    The probe comes first: a file that is not a usable video is refused before the model
    is loaded.
    """
    limits = VideoLimits.from_settings(settings)
    info = info or probe(path, limits)
    model = model or get_pose_model(settings)
    expected = expected_analysed_frames(info, settings.analysis_fps)
    stats = DecodeStats()
    detections: list[FrameDetections] = []
    times: list[float] = []
    indices: list[int] = []
    batch: list[np.ndarray] = []
    scales: list[float] = []
    sampler = BackgroundSampler(expected)

    def flush() -> None:
        detections.extend(model.predict(batch, scales))
        batch.clear()
        scales.clear()
        if progress:
            progress(len(detections), max(expected, len(detections)))

    started = time.perf_counter()
    frames = decode_frames(info, analysis_fps=settings.analysis_fps,
                           max_side=settings.decode_side(), limits=limits, stats=stats)
    for frame in prefetch(frames):
        batch.append(frame.image)
        scales.append(frame.scale)
        sampler.offer(frame.image, frame.scale)
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
    return PoseStageOutput(info, stats, track, pose_s, time.perf_counter() - started, sampler)


def analyze_video(
    path: str | Path,
    settings: Settings,
    *,
    exercise: ExerciseChoice | str = DEFAULT_CHOICE,
    model: PoseModel | None = None,
    progress: ProgressFn | None = None,
) -> schema.AnalysisResult:
    """Analyse one clip and return the result (no files written).

    ``exercise``: the exercise, or ``auto`` to guess it.

    Raises:
        KeyError: ``exercise`` is a string that is neither (checked before decoding).
    """
    exercise = parse_choice(exercise)
    info = probe(path, VideoLimits.from_settings(settings))  # a bad file: before the model
    load_started = time.perf_counter()
    used = model or get_pose_model(settings)
    model_load_s = time.perf_counter() - load_started
    started = time.perf_counter()
    out = run_pose_stage(path, settings, model=used, progress=progress, info=info)
    return finish_analysis(Path(path).name, out, settings, used.spec, exercise=exercise,
                           model_load_s=model_load_s, started=started)


def finish_analysis(source_name: str, out: PoseStageOutput, settings: Settings,
                    spec: ModelSpec, *, exercise: ExerciseChoice | str,
                    model_load_s: float = 0.0,
                    started: float | None = None) -> schema.AnalysisResult:
    """From the pose stage's output: the motion, the back's shape, the judgement and the
    result."""
    started = time.perf_counter() if started is None else started
    choice = parse_choice(exercise)
    track = out.track
    back_started = time.perf_counter()
    facing_sign = -1.0 if track.view.facing == "left" else 1.0
    # The exercise (and so where the back's profile ends) is decided after this pass.
    ends = tuple(sorted({p.back_profile_end for p in PROFILES.values()}))
    second = measure_back_shape(out.info, settings, track, out.sampler, facing_sign, ends)
    if settings.second_opinion and second.landmarks is not None:
        track = with_second_opinion(track, second.landmarks, max_gap_s=settings.max_gap_s,
                                    smooth_window_s=settings.smooth_window_s)
    # The camera's yaw in 3D, reported beside the 2D view reading (docs/views.md).
    yaw = None if second.world is None else camera_yaw(clean_world(
        second.world, track.times_s, max_gap_s=settings.max_gap_s,
        window_s=settings.smooth_window_s))
    back_s = time.perf_counter() - back_started

    analysis_started = time.perf_counter()
    motion = decide_motion(track.times_s, track.xy, track.conf, track.view.facing, choice)
    analysis_s = time.perf_counter() - analysis_started
    back = second.backs[motion.profile.back_profile_end]

    judge_started = time.perf_counter()
    report = judge(motion, back.heights, side_view_ok=track.view.side_view_ok,
                   view_message=track.view.message)
    analysis_s += time.perf_counter() - judge_started
    timings = StageTimings(model_load_s, out.decode_and_pose_s, out.tracking_s, back_s,
                           analysis_s, time.perf_counter() - started)
    return build_result(source_name, choice, out.info, out.stats, track, back, report, spec,
                        settings, timings, yaw)
