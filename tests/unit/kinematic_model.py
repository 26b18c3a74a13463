"""Keypoint sequences with known answers: the generator's body, posed by angles, projected
into a side view without drawing anything (no model, no noise unless asked)."""

from __future__ import annotations

import numpy as np
from hingecheck.synth.body import COCO_ORDER, PoseAngles, Proportions, pose_body
from hingecheck.synth.motion import EXERCISES, RepPlan, Timeline

BODY = Proportions()
SCALE_PX = 500.0
STANDING = EXERCISES["rdl"].top
RDL_BOTTOM = PoseAngles(shin_deg=2.0, knee_flexion_deg=18.0, pelvis_flexion_deg=96.0,
                        neck_extension_deg=25.0)
SQUAT_BOTTOM = PoseAngles(shin_deg=30.0, knee_flexion_deg=95.0, pelvis_flexion_deg=105.0,
                          neck_extension_deg=10.0)


def project(angles: PoseAngles, facing: str = "right") -> np.ndarray:
    """(17, 2) image keypoints of the body posed by ``angles``, facing ``facing``."""
    sk = pose_body(angles, BODY)
    sign = 1.0 if facing == "right" else -1.0
    pts = np.array([sk.joints[name][:2] for name in COCO_ORDER])
    return np.stack([400.0 + sign * pts[:, 0] * SCALE_PX, 650.0 - pts[:, 1] * SCALE_PX], axis=1)


def rep(bottom: PoseAngles, *, pause_s: float = 0.5, down_s: float = 1.2, hold_s: float = 0.2,
        up_s: float = 1.0, depth: float = 1.0) -> RepPlan:
    return RepPlan("good", None, bottom, pause_s, down_s, hold_s, up_s, depth)


def sequence(reps: list[RepPlan], *, fps: float = 15.0, facing: str = "right",
             lead_in_s: float = 0.5, tail_s: float = 0.6, top: PoseAngles = STANDING,
             noise_px: float = 0.0, seed: int = 0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Timeline]:
    """times (n,), keypoints (n, 17, 2), confidences (n, 17) and the true timeline."""
    exercise = EXERCISES["rdl"]
    if top is not STANDING:
        from dataclasses import replace

        exercise = replace(exercise, top=top)
    timeline = Timeline(exercise, reps, lead_in_s=lead_in_s, tail_s=tail_s)
    times = np.arange(0.0, timeline.duration_s, 1.0 / fps)
    xy = np.stack([project(timeline.pose_at(float(t)), facing) for t in times])
    if noise_px:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    return times, xy, np.full(xy.shape[:2], 0.9), timeline
