"""Turn the stages' outputs into the versioned result (``schemas.result``).

NaN never reaches JSON: a value that was not measured becomes null.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hingecheck import __version__
from hingecheck.analysis.catalogue import CUES, FAULT_WEIGHTS
from hingecheck.analysis.faults import RepFaults
from hingecheck.analysis.profiles import PROFILES
from hingecheck.analysis.report import HingeReport
from hingecheck.analysis.world import CameraYaw
from hingecheck.backshape import BackShape
from hingecheck.pose.model import ModelSpec
from hingecheck.pose.track import COCO_KEYPOINTS, PoseTrack
from hingecheck.schemas import result as schema
from hingecheck.settings import Settings
from hingecheck.video import DecodeStats, VideoInfo
from hingecheck.vocab import ExerciseChoice, FaultName


@dataclass(frozen=True)
class StageTimings:
    model_load_s: float
    decode_and_pose_s: float
    tracking_s: float
    back_shape_s: float
    analysis_s: float
    total_s: float


def num(value: float | None, digits: int = 3) -> float | None:
    """A finite float rounded, or None."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _series(values: Iterable[float], digits: int = 2) -> list[float | None]:
    return [num(float(v), digits) for v in values]


def _outlines(outline: np.ndarray) -> list[list[tuple[float, float]] | None]:
    """Every other sample of each frame's back outline, or None when it was not seen."""
    rows: list[list[tuple[float, float]] | None] = []
    for frame in outline[:, ::2]:
        seen = frame[~np.isnan(frame[:, 0])]
        rows.append([(round(float(x), 1), round(float(y), 1)) for x, y in seen]
                    if len(seen) >= 3 else None)
    return rows


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


def _low_confidence_spans(times: np.ndarray, low: np.ndarray) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    start: int | None = None
    for i, flag in enumerate(low):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((round(float(times[start]), 3), round(float(times[i - 1]), 3)))
            start = None
    if start is not None:
        spans.append((round(float(times[start]), 3), round(float(times[-1]), 3)))
    return spans


def _rep(rep: RepFaults, score: float | None) -> schema.Rep:
    m = rep.measures
    return schema.Rep(
        index=m.index, start_s=round(m.start_s, 3), bottom_s=round(m.bottom_s, 3),
        end_s=round(m.end_s, 3), down_s=round(m.down_s, 3), up_s=round(m.up_s, 3),
        partial=m.partial, score=score, peak_hip_flexion_deg=num(m.peak_hip_flexion_deg, 1),
        knee_flexion_at_bottom_deg=num(m.knee_flexion_at_bottom_deg, 1),
        trunk_at_bottom_deg=num(m.trunk_at_bottom_deg, 1),
        shin_at_bottom_deg=num(m.shin_at_bottom_deg, 1),
        hip_back_ratio=num(m.hip_back_ratio), hip_drop_ratio=num(m.hip_drop_ratio),
        knee_forward_ratio=num(m.knee_forward_ratio),
        lockout_trunk_deg=num(m.lockout_trunk_deg, 1), back_bulge=num(m.back_bulge),
        back_confidence=round(m.back_confidence, 3),
        shoulder_over_hip_rise=num(m.shoulder_over_hip_rise),
        confidence=round(m.confidence, 3),
        faults=[schema.Fault(
            name=f.name,
            severity=f.severity, confidence=f.confidence, start_s=round(f.start_s, 3),
            end_s=round(f.end_s, 3), evidence={k: num(v) for k, v in f.evidence.items()},
            cue=f.cue) for f in rep.faults],
    )


def summarise(report: HingeReport) -> schema.Summary:
    """Score, grade, faults worst first and the cues that matter most."""
    found: dict[FaultName, list[tuple[int, float]]] = {}
    for rep in report.reps:
        for f in rep.faults:
            found.setdefault(f.name, []).append((rep.measures.index, f.severity))
    order = sorted(found, key=lambda n: -FAULT_WEIGHTS[n] * sum(s for _, s in found[n]))
    faults = [schema.FaultSummary(name=n, reps=[i for i, _ in found[n]],
                                  worst_severity=max(s for _, s in found[n])) for n in order]
    cues = [CUES[name] for name in order]
    return schema.Summary(
        score=report.score.score, grade=report.score.grade,
        reason=report.score.reason, judged=report.judged, rep_count=len(report.reps),
        full_reps=sum(not r.measures.partial for r in report.reps), faults=faults, cues=cues,
    )


def build_result(source_name: str, requested: ExerciseChoice, info: VideoInfo, stats: DecodeStats,
                 track: PoseTrack, back: BackShape, report: HingeReport, spec: ModelSpec,
                 settings: Settings, t: StageTimings,
                 yaw: CameraYaw | None = None) -> schema.AnalysisResult:
    kin = report.kinematics
    analysed = max(track.n_frames, 1)
    duration = stats.last_time_s + (1.0 / info.fps if info.fps else 0.0)
    profile = PROFILES[report.exercise]
    return schema.AnalysisResult(
        hingecheck_version=__version__,
        source_name=source_name,
        exercise=schema.ExerciseFacts(name=profile.name, label=profile.label, requested=requested,
                                 guess_confidence=report.exercise_guess_confidence),
        summary=summarise(report),
        reps=[_rep(r, s) for r, s in zip(report.reps, report.rep_scores, strict=True)],
        left_out=[schema.LeftOut(start_s=lo.start_s, end_s=lo.end_s, reason=lo.reason)
                  for lo in report.left_out],
        video=schema.VideoFacts(
            container=info.container, codec=info.codec, width=info.width, height=info.height,
            rotation_deg=info.rotation_deg, fps=round(info.fps, 3),
            duration_s=round(duration, 3), size_bytes=info.size_bytes,
            frames_decoded=stats.frames_decoded, frames_analysed=stats.frames_selected,
            analysis_fps=round(stats.frames_selected / max(duration, 1e-9), 3),
            created_at=info.created_at,
        ),
        model=schema.ModelFacts(
            name=spec.name, backend=spec.backend, imgsz=spec.imgsz,
            person_conf=spec.person_conf, keypoint_conf=settings.keypoint_conf,
        ),
        view=schema.ViewCheck(
            offset_deg=num(track.view.offset_deg, 1),
            facing=track.view.facing,
            near_side=track.view.near_side,
            side_view_ok=track.view.side_view_ok, message=track.view.message,
            yaw_3d_deg=num(yaw.yaw_deg, 1) if yaw else None,
            yaw_3d_spread_deg=num(yaw.spread_deg, 1) if yaw else None,
            seen_from=yaw.seen_from if yaw else None,
        ),
        athlete=schema.AthleteTrack(
            track_id=track.track_id, selection_reason=track.selection_reason,
            detected_fraction=round(track.detected_fraction, 4),
            candidates=[{k: round(float(v), 4) for k, v in c.items()} for c in track.candidates],
        ),
        back=schema.BackShape(
            measured=bool(np.isfinite(back.bulge).any()), still_camera=back.still_camera,
            camera_motion=num(back.camera_motion, 2), standing_bulge=num(report.standing_bulge),
            outline=back.source if np.isfinite(back.bulge).any() else None,
            note=back.note,
        ),
        series=schema.Series(
            hip_flexion_deg=_series(kin.hip_flexion_deg, 1),
            knee_flexion_deg=_series(kin.knee_flexion_deg, 1),
            trunk_deg=_series(kin.trunk_deg, 1), shin_deg=_series(kin.shin_deg, 1),
            hip_back_ratio=_series(kin.hip_back_ratio, 3),
            hip_drop_ratio=_series(kin.hip_drop_ratio, 3),
            knee_forward_ratio=_series(kin.knee_forward_ratio, 3),
            back_bulge=_series(back.bulge, 3),
            back_outline=_outlines(back.outline),
            confidence=[round(float(c), 3) for c in kin.confidence],
            low_confidence_spans=_low_confidence_spans(kin.times_s, kin.low_confidence),
            leg_length_px=num(kin.leg_length_px, 1),
        ),
        pose=schema.PoseSeries(
            keypoint_names=list(COCO_KEYPOINTS),
            times_s=[round(float(x), 4) for x in track.times_s],
            frame_indices=[int(i) for i in track.frame_indices],
            keypoints=_keypoint_rows(track),
            interpolated=[np.flatnonzero(row).tolist() for row in track.interpolated],
        ),
        timings=schema.Timings(
            model_load_s=round(t.model_load_s, 3),
            decode_and_pose_s=round(t.decode_and_pose_s, 3),
            tracking_s=round(t.tracking_s, 3), back_shape_s=round(t.back_shape_s, 3),
            analysis_s=round(t.analysis_s, 3), total_s=round(t.total_s, 3),
            frames_per_second=round(analysed / max(t.total_s, 1e-9), 2),
            realtime_factor=round(duration / max(t.total_s, 1e-9), 2),
        ),
        notes=track.notes + report.notes + ([back.note] if back.note else []),
    )
