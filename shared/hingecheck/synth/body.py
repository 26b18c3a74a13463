"""An articulated human body posed by joint angles (forward kinematics, in body heights).

Frame: x forward (the way the lifter faces), y up, z toward the lifter's left; the ankle
joints stand at x = 0. Segment lengths are fractions of stature from Drillis & Contini's
proportions as tabulated by Winter (Biomechanics and Motor Control of Human Movement):
shank 0.246, thigh 0.245, upper arm 0.186, forearm 0.146, ankle height 0.039.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hingecheck.keypoints import COCO_KEYPOINTS


@dataclass(frozen=True)
class Proportions:
    """Segment lengths and breadths as fractions of stature (one body height)."""

    ankle_height: float = 0.039
    shank: float = 0.246
    thigh: float = 0.245
    lumbar: float = 0.105        # hip-joint level to the lower thoracic spine
    lower_thoracic: float = 0.095
    upper_thoracic: float = 0.090  # up to the shoulder joints' level
    neck: float = 0.055
    head_radius: float = 0.062
    upper_arm: float = 0.186
    forearm: float = 0.146
    hand: float = 0.06
    foot_front: float = 0.11     # ankle to toe
    foot_back: float = 0.045     # ankle to heel
    shoulder_half_breadth: float = 0.095
    hip_half_breadth: float = 0.055
    stance_half_width: float = 0.07
    chest_depth: float = 0.13
    waist_depth: float = 0.11
    pelvis_depth: float = 0.135

    def varied(self, rng: np.random.Generator, spread: float = 0.06) -> Proportions:
        """Another body: each length scaled by a random factor within ±spread."""
        values = {name: value * float(rng.uniform(1 - spread, 1 + spread))
                  for name, value in self.__dict__.items()}
        return replace(self, **values)


@dataclass(frozen=True)
class PoseAngles:
    """Joint angles in degrees. Forward lean / forward rotation is positive.

    shin_deg: shank from vertical, knee ahead of the ankle. knee_flexion_deg: 0 straight.
    pelvis_flexion_deg: the pelvis' forward rotation against the thigh (hip flexion with a
    neutral spine). lumbar_flexion_deg / thoracic_flexion_deg: the spine bending forward
    (rounding) on top of the pelvis. neck_extension_deg: head lifted against the spine.
    arm_deg: arms from hanging straight down, forward positive. elbow_flexion_deg: 0
    straight.
    """

    shin_deg: float = 2.0
    knee_flexion_deg: float = 5.0
    pelvis_flexion_deg: float = 3.0
    lumbar_flexion_deg: float = 0.0
    thoracic_flexion_deg: float = 0.0
    neck_extension_deg: float = 0.0
    arm_deg: float = 0.0
    elbow_flexion_deg: float = 0.0

    def blend(self, other: PoseAngles, w: float) -> PoseAngles:
        """(1 − w) · self + w · other, angle by angle."""
        return PoseAngles(**{k: (1 - w) * v + w * getattr(other, k)
                             for k, v in self.__dict__.items()})


def _direction(lean_deg: float) -> np.ndarray:
    """A unit vector in the sagittal plane leaning ``lean_deg`` forward from straight up."""
    a = np.radians(lean_deg)
    return np.array([np.sin(a), np.cos(a)])


@dataclass(frozen=True)
class Skeleton:
    """3D joint positions (body heights) of one posed body, left (+z) and right (−z)."""

    joints: dict[str, np.ndarray]
    spine: np.ndarray         # (4, 3): hip level, lumbar top, lower thoracic top, neck base
    spine_lean_deg: np.ndarray  # (3,) lean of each spine segment from vertical
    head_center: np.ndarray
    face_dir: np.ndarray      # unit vector the face looks along, in the sagittal plane
    total_spine_flexion_deg: float


def pose_body(angles: PoseAngles, body: Proportions) -> Skeleton:
    """Forward kinematics from the ground up."""
    ankle = np.array([0.0, body.ankle_height])
    knee = ankle + body.shank * _direction(angles.shin_deg)
    thigh_lean = angles.shin_deg - angles.knee_flexion_deg  # negative: thigh leans back
    hip = knee + body.thigh * _direction(thigh_lean)
    pelvis_lean = thigh_lean + angles.pelvis_flexion_deg
    leans = np.array([
        pelvis_lean + 0.5 * angles.lumbar_flexion_deg,
        pelvis_lean + angles.lumbar_flexion_deg + 0.5 * angles.thoracic_flexion_deg,
        pelvis_lean + angles.lumbar_flexion_deg + angles.thoracic_flexion_deg,
    ])
    spine = [hip]
    for length, lean in zip((body.lumbar, body.lower_thoracic, body.upper_thoracic), leans,
                            strict=True):
        spine.append(spine[-1] + length * _direction(float(lean)))
    shoulder = spine[-1]
    head_lean = leans[-1] - angles.neck_extension_deg
    neck_top = shoulder + body.neck * _direction(head_lean)
    head_center = neck_top + body.head_radius * 0.9 * _direction(head_lean)
    face = _direction(head_lean + 90.0)  # perpendicular, toward the front

    arm = np.radians(angles.arm_deg)
    upper_dir = np.array([np.sin(arm), -np.cos(arm)])
    forearm_angle = arm + np.radians(angles.elbow_flexion_deg)
    fore_dir = np.array([np.sin(forearm_angle), -np.cos(forearm_angle)])
    elbow = shoulder + body.upper_arm * upper_dir
    wrist = elbow + body.forearm * fore_dir
    hand = wrist + body.hand * fore_dir
    toe = np.array([body.foot_front, 0.0])
    heel = np.array([-body.foot_back, 0.0])

    def both(name: str, p: np.ndarray, half: float) -> dict[str, np.ndarray]:
        return {f"left_{name}": np.array([p[0], p[1], half]),
                f"right_{name}": np.array([p[0], p[1], -half])}

    joints: dict[str, np.ndarray] = {}
    joints |= both("ankle", ankle, body.stance_half_width)
    joints |= both("knee", knee, body.stance_half_width * 0.95)
    joints |= both("hip", hip, body.hip_half_breadth)
    joints |= both("shoulder", shoulder, body.shoulder_half_breadth)
    joints |= both("elbow", elbow, body.shoulder_half_breadth * 1.05)
    joints |= both("wrist", wrist, body.shoulder_half_breadth * 1.05)
    joints |= both("hand", hand, body.shoulder_half_breadth * 1.05)
    joints |= both("toe", toe, body.stance_half_width * 1.1)
    joints |= both("heel", heel, body.stance_half_width)
    r = body.head_radius
    hc = np.array([head_center[0], head_center[1], 0.0])
    f3 = np.array([face[0], face[1], 0.0])
    up3 = np.array([*_direction(head_lean), 0.0])  # the head's own "up"
    joints["nose"] = hc + f3 * r * 1.08 - up3 * r * 0.15
    joints["left_eye"] = hc + f3 * r * 0.8 + up3 * r * 0.2 + np.array([0, 0, r * 0.45])
    joints["right_eye"] = hc + f3 * r * 0.8 + up3 * r * 0.2 - np.array([0, 0, r * 0.45])
    joints["left_ear"] = hc - f3 * r * 0.1 + np.array([0, 0, r * 0.95])
    joints["right_ear"] = hc - f3 * r * 0.1 - np.array([0, 0, r * 0.95])
    spine3 = np.array([[p[0], p[1], 0.0] for p in spine])
    return Skeleton(
        joints=joints, spine=spine3, spine_lean_deg=leans, head_center=hc, face_dir=f3,
        total_spine_flexion_deg=angles.lumbar_flexion_deg + angles.thoracic_flexion_deg,
    )


COCO_ORDER = COCO_KEYPOINTS  # the body's joints carry the COCO names
