"""Render a lift clip with ground truth: params → H.264 MP4 + JSON sidecar.

Deterministic: every random choice comes from ``numpy.random.default_rng(params.seed)``
in a fixed order (the light from a stream of its own, ``LIGHT_STREAM``, so that it moves
none of the other draws), and x264 runs in its deterministic mode (see ``write_h264``), so
the same params give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from hingecheck.analysis.angles import flexion_deg, inclination_from_vertical_deg
from hingecheck.synth.body import COCO_ORDER, PoseAngles, Proportions, Skeleton, pose_body
from hingecheck.synth.draw import Camera, Style, background, draw_body
from hingecheck.synth.motion import EXERCISES, RepPlan, Timeline, plan_reps
from hingecheck.synth.raster import random_light
from hingecheck.synth.truth import (
    ClipParams,
    ClipTruth,
    FaultTruth,
    FrameTruth,
    Grade,
    RepTruth,
)
from hingecheck.video.encode import write_h264
from hingecheck.vocab import Exercise, FaultName

# A scenario named after an exercise is that exercise's own set; the others are RDLs.
SCENARIO_EXERCISE: dict[str, Exercise] = {
    e.value: e for e in (Exercise.DEADLIFT, Exercise.KETTLEBELL_SWING, Exercise.WALL_DRILL,
                         Exercise.GOOD_MORNING)}
# The light is drawn from numpy.random.default_rng([seed, LIGHT_STREAM]).
LIGHT_STREAM = 1
# ``walk_off``: after the set the lifter turns toward the camera, walks up to it (growing
# in the image) and crouches to stop the recording; the clip ends crouched (seconds).
WALK_OFF_TURN_S = 0.4
WALK_OFF_WALK_S = 1.6
WALK_OFF_CROUCH_S = 1.0
WALK_OFF_GROWTH = 0.35
WALK_OFF_YAW_DEG = 45.0  # toward the camera on a slant: the crouch still shows a bend
CROUCH = PoseAngles(shin_deg=28.0, knee_flexion_deg=110.0, pelvis_flexion_deg=110.0,
                    arm_deg=40.0)


def rep_kinds(params: ClipParams) -> list[tuple[str, str | None]]:
    """The kind (and rounding grade) of each rep the scenario asks for."""
    n = params.reps
    if params.scenario == FaultName.SQUAT_SUBSTITUTION:
        return [(FaultName.SQUAT_SUBSTITUTION, None)] * n
    if params.scenario == FaultName.LUMBAR_ROUNDING:
        return [(FaultName.LUMBAR_ROUNDING, params.grade)] * n
    if params.scenario == "mixed":
        # Good reps first, then rounding as fatigue sets in (3 good + 2 rounded for 5).
        good = max(1, math.ceil(n * 0.6)) if n > 1 else 1
        return [("good", None)] * good + [(FaultName.LUMBAR_ROUNDING, params.grade)] * (n - good)
    return [("good", None)] * n


def _sagittal_angles(sk: Skeleton, side: str) -> tuple[float, float, float, float]:
    """Hip flexion, knee flexion, trunk and shin angles of the true body (degrees)."""
    def p(name: str) -> np.ndarray:
        j = sk.joints[f"{side}_{name}"]
        return np.array([j[0], -j[1]])  # image-like: y down

    hip, knee, ankle, shoulder = p("hip"), p("knee"), p("ankle"), p("shoulder")
    return (float(flexion_deg(knee, hip, shoulder)), float(flexion_deg(hip, knee, ankle)),
            float(inclination_from_vertical_deg(hip, shoulder)),
            float(inclination_from_vertical_deg(ankle, knee)))


def _frame_size(params: ClipParams) -> tuple[int, int]:
    short = params.resolution
    long = int(round(short * 16 / 9 / 16)) * 16  # whole macroblocks
    return (long, short) if params.orientation == "landscape" else (short, long)


def _camera(params: ClipParams, width: int, height: int, exercise: str) -> Camera:
    floor_y = height * 0.9
    # The hinged body reaches ~0.45 body heights forward and ~0.3 back of the ankles.
    scale = min(height * 0.74, width / 1.05)
    sign = 1.0 if params.facing == "right" else -1.0
    center_x = width / 2 - sign * 0.08 * scale
    return Camera(params.view_deg, params.facing, scale, center_x, floor_y)


def _walker_frames(rng: np.random.Generator, duration_s: float) -> tuple[float, float]:
    start = float(rng.uniform(0.15, 0.4)) * duration_s
    return start, min(duration_s, start + float(rng.uniform(2.0, 3.0)))


def generate_clip(params: ClipParams, out: str | Path) -> ClipTruth:
    """Write ``out`` (MP4) and ``out`` with suffix .json (the truth); return the truth."""
    out = Path(out)
    rng = np.random.default_rng(params.seed)
    exercise = EXERCISES[params.exercise
                         or SCENARIO_EXERCISE.get(params.scenario, Exercise.RDL)]
    body = Proportions().varied(rng)
    style = Style.random(rng)
    walker_style = Style.random(rng)
    load = params.load or exercise.load
    reps = plan_reps(exercise, rep_kinds(params), rng, pause_s=params.pause_s,
                     partial_every=params.partial_every, body=body, load=load)
    timeline = Timeline(exercise, reps, lead_in_s=float(rng.uniform(0.3, 0.8)),
                        tail_s=float(rng.uniform(0.5, 1.0)))
    width, height = _frame_size(params)
    cam = _camera(params, width, height, exercise.name)
    backdrop = background(height, width, cam.floor_y, rng, params.textured_background)
    noises = [rng.normal(0, params.noise_sigma, (height, width, 3)).astype(np.float32)
              for _ in range(3)]
    walker_span = _walker_frames(rng, timeline.duration_s) if params.passer_by else None
    light = random_light(np.random.default_rng([params.seed, LIGHT_STREAM]))
    if params.light_from is not None:
        toward_face = light[0] * (1.0 if params.facing == "right" else -1.0)
        if (toward_face > 0) != (params.light_from == "front"):
            light = light * np.array([-1.0, 1.0, 1.0])
    walk_off_s = WALK_OFF_TURN_S + WALK_OFF_WALK_S + WALK_OFF_CROUCH_S if params.walk_off \
        else 0.0
    n_frames = int(math.floor((timeline.duration_s + walk_off_s) * params.fps))
    near = cam.near_side
    standing_hip = pose_body(exercise.top, body).joints[f"{near}_hip"]
    truths: list[FrameTruth] = []

    def frames() -> Iterator[np.ndarray]:
        for i in range(n_frames):
            t = i / params.fps
            pose, view = timeline.pose_at(t), cam
            if t >= timeline.duration_s:
                pose, view = _walk_off(t - timeline.duration_s, timeline.pose_at(t), cam,
                                       height)
            sk = pose_body(pose, body)
            img = backdrop.copy()
            if walker_span and walker_span[0] <= t < walker_span[1]:
                _draw_walker(img, t, walker_span, body, walker_style, cam, width, light)
            draw_body(img, sk, body, view, style, load, light)
            img = _camera_effects(img, params, noises[i % len(noises)])
            truths.append(_frame_truth(i, t, sk, view, near, standing_hip))
            yield img

    write_h264(out, frames(), fps=params.fps, crf=params.crf, preset="veryfast",
               deterministic=True)
    truth = ClipTruth(
        params=params, exercise=exercise.name, width=width, height=height, fps=params.fps,
        n_frames=n_frames, duration_s=n_frames / params.fps, body_height_px=cam.scale_px,
        near_side=near, passer_by_span_s=walker_span,
        light=(float(light[0]), float(light[1]), float(light[2])),
        reps=[_rep_truth(k, rep, times, body, near, exercise.top)
              for k, (rep, times) in enumerate(zip(reps, timeline.rep_times, strict=True))],
        frames=truths,
    )
    out.with_suffix(".json").write_text(truth.model_dump_json())
    return truth


def _frame_truth(i: int, t: float, sk: Skeleton, cam: Camera, near: str,
                 standing_hip: np.ndarray) -> FrameTruth:
    hip_f, knee_f, trunk, shin = _sagittal_angles(sk, near)
    hip = sk.joints[f"{near}_hip"]
    return FrameTruth(
        index=i, time_s=round(t, 5),
        keypoints=[tuple(np.round(cam.project(sk.joints[n])[0], 2)) for n in COCO_ORDER],
        hip_flexion_deg=round(hip_f, 3), knee_flexion_deg=round(knee_f, 3),
        trunk_deg=round(trunk, 3), shin_deg=round(shin, 3),
        lumbar_flexion_deg=round(sk.total_spine_flexion_deg, 3),
        hip_back_bh=round(float(standing_hip[0] - hip[0]), 4),
        hip_drop_bh=round(float(standing_hip[1] - hip[1]), 4),
    )


def rounding_grade(spine_flexion_deg: float) -> Grade | None:
    """The grade a rep's bottom spine flexion earns (midway between the drawn grades)."""
    floors: tuple[tuple[Grade, float], ...] = (("severe", 37.5), ("clear", 22.5), ("mild", 10.0))
    for grade, floor in floors:
        if spine_flexion_deg >= floor:
            return grade
    return None


def _rep_truth(k: int, rep: RepPlan, times: tuple[float, float, float], body: Proportions,
               near: str, top: PoseAngles) -> RepTruth:
    start, bottom, end = times
    sk = pose_body(top.blend(rep.bottom, rep.depth), body)
    hip_f, knee_f, trunk, shin = _sagittal_angles(sk, near)
    # Labels follow what the body did: a half rep of a fault may not reach the fault.
    faults = []
    if rep.kind == FaultName.SQUAT_SUBSTITUTION and knee_f >= 45.0:
        faults.append(FaultTruth(name=FaultName.SQUAT_SUBSTITUTION, grade="clear"))
    grade = (rounding_grade(sk.total_spine_flexion_deg)
             if rep.kind == FaultName.LUMBAR_ROUNDING else None)
    if grade:
        faults.append(FaultTruth(name=FaultName.LUMBAR_ROUNDING, grade=grade))
    return RepTruth(
        index=k, start_s=round(start, 4), bottom_s=round(bottom, 4), end_s=round(end, 4),
        depth=rep.depth, faults=faults, peak_hip_flexion_deg=round(hip_f, 2),
        knee_flexion_at_bottom_deg=round(knee_f, 2), trunk_at_bottom_deg=round(trunk, 2),
        shin_at_bottom_deg=round(shin, 2),
        lumbar_flexion_at_bottom_deg=round(sk.total_spine_flexion_deg, 2),
    )


def _camera_effects(img: np.ndarray, params: ClipParams, noise: np.ndarray) -> np.ndarray:
    """Lens blur, exposure and sensor noise."""
    if params.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), params.blur_sigma)
    out = img.astype(np.float32) * params.brightness + noise
    return np.asarray(np.clip(out, 0, 255).astype(np.uint8))


def _walk_off(t: float, standing: PoseAngles, cam: Camera, height: int
              ) -> tuple[PoseAngles, Camera]:
    """The lifter's pose and view ``t`` seconds after the set: turning to the camera,
    walking up to it, crouching."""
    turn = min(1.0, t / WALK_OFF_TURN_S)
    walk = min(1.0, max(0.0, (t - WALK_OFF_TURN_S) / WALK_OFF_WALK_S))
    crouch = min(1.0, max(0.0, (t - WALK_OFF_TURN_S - WALK_OFF_WALK_S) / WALK_OFF_CROUCH_S))
    view = replace(cam, yaw_deg=cam.yaw_deg + (WALK_OFF_YAW_DEG - cam.yaw_deg) * turn,
                   scale_px=cam.scale_px * (1.0 + WALK_OFF_GROWTH * walk),
                   floor_y=min(cam.floor_y + 0.08 * height * walk, 0.99 * height))
    if crouch > 0:
        return PoseAngles(**{f.name: (1 - crouch) * getattr(standing, f.name)
                             + crouch * getattr(CROUCH, f.name) for f in fields(PoseAngles)}), view
    if walk > 0:
        stride = float(np.sin(2 * np.pi * 1.8 * (t - WALK_OFF_TURN_S)))
        return PoseAngles(shin_deg=8 * stride, knee_flexion_deg=10 + 8 * abs(stride),
                          pelvis_flexion_deg=5, arm_deg=-15 * stride), view
    return standing, view


def _draw_walker(img: np.ndarray, t: float, span: tuple[float, float], body: Proportions,
                 style: Style, cam: Camera, width: int, light: np.ndarray) -> None:
    """A second, smaller person (further back) walking across the frame."""
    u = (t - span[0]) / (span[1] - span[0])
    scale = cam.scale_px * 0.8
    facing: Literal["left", "right"] = "left" if cam.facing == "right" else "right"
    x0, x1 = (width + 0.3 * scale, -0.3 * scale) if facing == "left" else (-0.3 * scale,
                                                                            width + 0.3 * scale)
    stride = np.sin(2 * np.pi * 1.8 * (t - span[0]))
    pose = PoseAngles(shin_deg=8 * stride, knee_flexion_deg=10 + 8 * abs(stride),
                      pelvis_flexion_deg=5, arm_deg=-15 * stride)
    walker_cam = replace(cam, yaw_deg=0.0, facing=facing, scale_px=scale,
                         center_x=x0 + (x1 - x0) * u, floor_y=cam.floor_y - 0.06 * cam.scale_px)
    draw_body(img, pose_body(pose, body), body, walker_cam, style, "none", light)
