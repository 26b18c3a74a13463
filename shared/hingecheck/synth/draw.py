"""Drawing a posed body so that a pose model believes it: a lit 3D figure (no files).

The body is built of tapered round limbs, a trunk of elliptical section that follows the
spine (so a flexed spine rounds the back), glute, shoulder and calf masses, and a head
with hair, eyes, nose and ears, rendered with depth and shading by ``synth.raster``;
then the generator adds blur and sensor noise. Measured with ``bench/figure.py``
(yolo11n-pose, still bottom positions on random bodies; docs/synth.md has the table):
the figure is found in 100% of stills of every scenario, against 98–100% for the earlier
flat drawing (shaded 2D shapes layered far to near), which the model also read with the
squat's knee 12–15° too straight and the good morning's hip 32° off. Turned toward the
camera the trunk shows its width, so the view check reads the turned figure as a person:
45° stills read 49–90° off the side, where the flat drawing read 6–78°.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from hingecheck.synth.body import Proportions, Skeleton
from hingecheck.synth.raster import LIGHT, Canvas

Color = tuple[float, float, float]
Facing = Literal["right", "left"]  # the way the lifter faces in the image
# A 35 cm iron plate for a 1.75 m lifter (a 45 cm bumper plate hides the shins and thighs:
# the flat drawing was then found in 93% of frames, not 98%).
PLATE_RADIUS = 0.10
PLATE_HALF_WIDTH = 0.025
DUMBBELL_RADIUS = 0.05  # a 20 kg hex dumbbell's head, 18 cm across
BAR_RADIUS = 0.011      # a 28 mm bar on a 1.75 m lifter, a little thicker to stay visible
# Limb half-thicknesses (body heights) for the default build, scaled by Style.bulk:
# thigh at the hip, mid-thigh and knee; shank at the knee and ankle; upper arm, forearm
# and hand at their ends.
THIGH_R = (0.060, 0.054, 0.040)
SHANK_R = (0.040, 0.024)
UPPER_ARM_R = (0.040, 0.029)
FOREARM_R = (0.029, 0.021)
HAND_R = (0.023, 0.019)
# The buttock's centre from the hip joint: along the thigh and behind it (body heights);
# with a buttock behind the joint the model's hip keypoint sits near the drawn one.
GLUTE_ALONG, GLUTE_BEHIND, GLUTE_RADIUS = 0.03, 0.045, 0.068
DELTOID_RADIUS = 0.05
# The trunk's half-depths behind and in front of the spine and its half-breadth, from the
# hips (0) to the neck (1). A flexed spine undoes the lordosis: the pelvis tucks under
# (the glutes drop out of the back's line) and the small of the back fills out and turns
# convex, so the back's outline becomes one arc from the sacrum to the neck.
TRUNK_AT = (0.0, 0.12, 0.4, 0.75, 1.0)
TRUNK_FRONT = (0.05, 0.055, 0.06, 0.075, 0.045)
TRUNK_BREADTH_AT = (0.0, 0.4, 0.8, 1.0)
TRUNK_BREADTH = (0.10, 0.085, 0.10, 0.095)
TRUNK_SAMPLES = 16
SHORTS_TO = 0.3  # the shorts' waistband, as a fraction of the trunk


@dataclass(frozen=True)
class Camera:
    """Orthographic view: ``yaw_deg`` swings the camera from the lifter's side toward
    their front; ``facing`` is which way the lifter faces in the image.

    A lifter who faces right in the image shows the camera their right side (their left
    is away, behind the body), as a real camera sees them; turned toward the camera, their
    near shoulder moves back in the image and the far one comes forward past the chest.
    """

    yaw_deg: float
    facing: Facing
    scale_px: float        # pixels per body height
    center_x: float        # image x of the ankles
    floor_y: float         # image y of the floor

    def rotation(self) -> np.ndarray:
        """Rows: image right, up and toward the camera, in the body frame (z is the
        lifter's left, so this is a reflection, not a rotation)."""
        a = np.radians(self.yaw_deg)
        s = 1.0 if self.facing == "right" else -1.0
        return np.array([[s * np.cos(a), 0.0, np.sin(a)],
                         [0.0, 1.0, 0.0],
                         [np.sin(a), 0.0, -s * np.cos(a)]])

    def project(self, p: np.ndarray) -> tuple[np.ndarray, float]:
        """Image point and depth toward the camera of a 3D body point."""
        u, v, depth = self.rotation() @ p
        image = np.array([self.center_x + u * self.scale_px, self.floor_y - v * self.scale_px])
        return image, float(depth)

    @property
    def near_side(self) -> Facing:
        """The lifter's side toward the camera: the side they face in the image."""
        return self.facing


@dataclass(frozen=True)
class Style:
    skin: Color
    shirt: Color
    shorts: Color
    legs: Color        # skin for shorts, cloth for trousers
    shoes: Color
    hair: Color
    plate: Color
    bulk: float = 1.0   # limb and trunk widths against the default build

    @classmethod
    def random(cls, rng: np.random.Generator) -> Style:
        skins = [(140, 175, 215), (110, 150, 195), (90, 125, 170), (60, 85, 125), (125, 160, 200)]
        cloths = [(40, 40, 40), (160, 60, 30), (40, 40, 160), (60, 130, 60), (200, 200, 200),
                  (30, 110, 200), (120, 50, 120), (90, 90, 90), (20, 20, 90), (150, 150, 40)]
        skin = skins[int(rng.integers(len(skins)))]
        shirt = cloths[int(rng.integers(len(cloths)))]
        shorts = cloths[int(rng.integers(len(cloths)))]
        trousers = bool(rng.random() < 0.4)
        return cls(
            skin=skin, shirt=shirt, shorts=shorts, legs=shorts if trousers else skin,
            shoes=(30, 30, 30) if rng.random() < 0.6 else (220, 220, 220),
            hair=[(20, 25, 30), (40, 60, 90), (60, 90, 140), (30, 30, 30)][int(rng.integers(4))],
            plate=[(30, 30, 30), (40, 40, 150), (150, 60, 30), (30, 120, 30)][int(rng.integers(4))],
            bulk=float(rng.uniform(1.15, 1.45)),
        )


def _smooth_line(points: np.ndarray, samples: int = 24) -> np.ndarray:
    """A smooth curve through ``points`` (Catmull–Rom), ``samples`` points long."""
    pts = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    out = []
    for t in np.linspace(0, len(points) - 1, samples):
        i = min(int(t), len(points) - 2)
        u = t - i
        p0, p1, p2, p3 = pts[i], pts[i + 1], pts[i + 2], pts[i + 3]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * u**3))
    return np.array(out)


def draw_body(img: np.ndarray, sk: Skeleton, body: Proportions, cam: Camera, style: Style,
              load: str, light: np.ndarray = LIGHT) -> None:
    """Render the posed body and its load into ``img`` (in place), lit from ``light``
    (a unit vector in camera space: image right, up, toward the camera)."""
    canvas = Canvas(img, cam.rotation(), cam.scale_px, cam.center_x, cam.floor_y, light)
    b = style.bulk
    j = sk.joints
    for side in ("left", "right"):
        hip, knee, ankle, heel, toe = (j[f"{side}_{n}"] for n in ("hip", "knee", "ankle", "heel",
                                                                 "toe"))
        canvas.tube(np.array([hip, (hip + knee) / 2, knee]), np.array(THIGH_R) * b, style.legs)
        hem = hip + (knee - hip) * 0.55
        canvas.tube(np.array([hip, hem]), np.array(THIGH_R[:2]) * b * 1.05, style.shorts)
        canvas.tube(np.array([knee, ankle]), np.array(SHANK_R) * b, style.legs)
        calf = knee + (ankle - knee) * 0.3 - np.array([0.012, 0.0, 0.0])
        canvas.sphere(calf, 0.034 * b, style.legs)
        canvas.tube(np.array([_at(heel, 0.01, 0.02, 0.0), _at(toe, -0.01, 0.012, 0.0)]),
                    (0.026, 0.018), style.shoes)
        canvas.sphere(ankle, 0.026 * b, style.shoes)
        shoulder, elbow, wrist, hand = (j[f"{side}_{n}"] for n in ("shoulder", "elbow", "wrist",
                                                                  "hand"))
        canvas.tube(np.array([shoulder, elbow]), np.array(UPPER_ARM_R) * b, style.skin)
        sleeve = shoulder + (elbow - shoulder) * 0.35
        canvas.tube(np.array([shoulder, sleeve]), (0.048 * b, 0.040 * b), style.shirt)
        canvas.tube(np.array([elbow, wrist]), np.array(FOREARM_R) * b, style.skin)
        canvas.tube(np.array([wrist, hand]), np.array(HAND_R) * b, style.skin)
        # The buttock wraps round the hip joint, behind the top of the thigh.
        along = (knee - hip) / max(float(np.linalg.norm(knee - hip)), 1e-9)
        inward = np.array([0.0, 0.0, -0.01 if hip[2] > 0 else 0.01])
        canvas.sphere(hip + along * GLUTE_ALONG + np.array([-GLUTE_BEHIND, 0.0, 0.0]) + inward,
                      GLUTE_RADIUS * b, style.shorts)
        canvas.sphere(shoulder, DELTOID_RADIUS * b, style.shirt)
    _trunk(canvas, sk, style)
    _head(canvas, sk, body, style)
    _load(canvas, sk, style, load)


def _trunk(canvas: Canvas, sk: Skeleton, style: Style) -> None:
    """One tube along the spine, elliptical in section, closed by ellipsoids at its ends."""
    b = style.bulk
    centre = np.column_stack([_smooth_line(sk.spine[:, :2], TRUNK_SAMPLES),
                              np.zeros(TRUNK_SAMPLES)])
    tangent = np.gradient(centre, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    forward = np.column_stack([tangent[:, 1], -tangent[:, 0], np.zeros(TRUNK_SAMPLES)])
    flex = min(sk.total_spine_flexion_deg, 60.0) / 30.0
    u = np.linspace(0.0, 1.0, TRUNK_SAMPLES)
    back = np.interp(u, TRUNK_AT, [0.085 - 0.025 * flex, 0.08 - 0.02 * flex,
                                   0.05 + 0.03 * flex, 0.065 + 0.01 * flex, 0.05]) * b
    front = np.interp(u, TRUNK_AT, TRUNK_FRONT) * b
    # Breadth grows more slowly than depth with a heavier build.
    breadth = np.interp(u, TRUNK_BREADTH_AT, TRUNK_BREADTH) * (1 + (b - 1) * 0.5)
    axis = centre + forward * ((front - back) / 2)[:, None]
    depth = (back + front) / 2
    colors = np.array([style.shorts if x < SHORTS_TO else style.shirt for x in u], dtype=float)
    canvas.trunk_tube(axis, depth, breadth, forward, colors)
    for k in (0, -1):  # the seat, and the top of the shoulders
        canvas.ellipsoid(axis[k], np.array([forward[k], tangent[k], [0.0, 0.0, 1.0]]),
                         (depth[k], depth[k] * 0.9, breadth[k]), colors[k])


def _head(canvas: Canvas, sk: Skeleton, body: Proportions, style: Style) -> None:
    b, r, j = style.bulk, body.head_radius, sk.joints
    hc, face = sk.head_center, sk.face_dir
    up = np.array([-face[1], face[0], 0.0])
    frame = np.array([face, up, [0.0, 0.0, 1.0]])
    canvas.tube(np.array([sk.spine[-1], hc]), (0.036 * b, 0.034 * b), style.skin)
    canvas.ellipsoid(hc, frame, (r, r * 1.12, r * 0.88), style.skin)
    canvas.ellipsoid(hc - face * r * 0.25 + up * r * 0.25, frame, (r * 0.85, r * 0.9, r * 0.92),
                     style.hair)
    canvas.ellipsoid(j["nose"], frame, (r * 0.22, r * 0.2, r * 0.12), style.skin, 0.92)
    for side in ("left", "right"):  # the far ones are hidden by the head unless it turns
        canvas.sphere(j[f"{side}_eye"], r * 0.12, (30, 30, 30))
        canvas.ellipsoid(j[f"{side}_ear"], frame, (r * 0.16, r * 0.26, r * 0.1), style.skin, 0.85)


def _load(canvas: Canvas, sk: Skeleton, style: Style, load: str) -> None:
    j = sk.joints
    hands = (j["left_hand"] + j["right_hand"]) / 2
    grey = (150.0, 150.0, 150.0)
    if load == "none":
        return
    if load in ("barbell", "barbell_back"):
        shoulders = (j["left_shoulder"] + j["right_shoulder"]) / 2
        # A back squat bar sits on the upper back, behind and above the shoulder joints.
        on_back = shoulders + _rotate_sagittal(np.array([-0.06, 0.03, 0.0]),
                                               float(sk.spine_lean_deg[-1]))
        centre = hands if load == "barbell" else on_back
        radius = PLATE_RADIUS if load == "barbell" else 0.07
        canvas.ellipsoid(centre, np.eye(3), (BAR_RADIUS, BAR_RADIUS, 0.78), grey)
        for z in (0.6, -0.6):
            plate = _at(centre, 0.0, 0.0, z)
            canvas.ellipsoid(plate, np.eye(3), (radius, radius, PLATE_HALF_WIDTH), style.plate)
            canvas.ellipsoid(plate, np.eye(3), (radius * 0.3, radius * 0.3,
                                                PLATE_HALF_WIDTH * 1.4), grey)
        return
    if load == "dumbbells":
        # Overhand grip: the handle runs across the body, a hex head either side of the hand.
        for side in ("left", "right"):
            hand = j[f"{side}_hand"]
            canvas.ellipsoid(hand, np.eye(3), (0.012, 0.012, 0.09), grey)
            for z in (0.07, -0.07):
                canvas.ellipsoid(_at(hand, 0.0, 0.0, z), np.eye(3),
                                 (DUMBBELL_RADIUS, DUMBBELL_RADIUS, 0.025), style.plate)
        return
    if load == "kettlebell":
        dark = (40.0, 40.0, 40.0)
        canvas.sphere(_at(hands, 0.0, -0.07, 0.0), 0.06, dark)
        canvas.tube(np.array([_at(hands, 0.0, 0.0, 0.045), _at(hands, 0.0, 0.0, -0.045)]),
                    (0.01, 0.01), dark)
        return
    raise ValueError(f"unknown load {load!r}")


def _at(p: np.ndarray, x: float, y: float, z: float) -> np.ndarray:
    """``p`` moved by (x, y, z) body heights."""
    return np.asarray(p + np.array([x, y, z]))


def _rotate_sagittal(v: np.ndarray, lean_deg: float) -> np.ndarray:
    """Rotate a body-frame offset forward by ``lean_deg`` about the lateral axis."""
    a = np.radians(lean_deg)
    x, y = v[0], v[1]
    return np.array([x * np.cos(a) + y * np.sin(a), -x * np.sin(a) + y * np.cos(a), v[2]])


def background(height: int, width: int, floor_y: float, rng: np.random.Generator,
               textured: bool) -> np.ndarray:
    """A wall with a vertical gradient, a floor, and optionally gym-like clutter."""
    top = rng.uniform(120, 220, 3)
    bottom = top * rng.uniform(0.6, 0.9)
    t = np.linspace(0, 1, height)[:, None, None]
    wall = (top * (1 - t) + bottom * t) * np.ones((1, width, 1))
    floor = rng.uniform(60, 130, 3)
    fy = int(floor_y)
    ramp = np.linspace(1.0, 0.75, max(height - fy, 1))[:, None, None]
    wall[fy:] = floor * ramp
    img: np.ndarray = wall.astype(np.uint8)
    if textured:
        for _ in range(int(rng.integers(6, 14))):
            x = int(rng.integers(0, width))
            w = int(rng.integers(width // 40, width // 8))
            y = int(rng.integers(0, fy - 20))
            h = int(rng.integers(height // 20, max(height // 20 + 1, fy - y)))
            # Muted: equipment and wall panels, not signal colours.
            color = tuple(int(c) for c in 0.55 * top + 0.45 * rng.uniform(30, 200, 3))
            cv2.rectangle(img, (x, y), (x + w, y + h), color, -1)
        coarse = rng.normal(0, 6, (height // 8 + 1, width // 8 + 1, 1))
        grain = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)[..., None]
        img = np.clip(img + grain, 0, 255).astype(np.uint8)
        img = cv2.GaussianBlur(img, (0, 0), 2.0)
    cv2.line(img, (0, fy), (width, fy), tuple(int(c * 0.6) for c in floor), 2, cv2.LINE_AA)
    return img
