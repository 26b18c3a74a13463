"""Drawing a posed body so that a pose model believes it (OpenCV, no files).

What made yolo11n-pose find a drawn figure in 98–100% of frames: limbs that taper and are
shaded like cylinders, glute and chest masses, the far-side limbs darker behind the body, a
head with hair, ear, eye and nose, a gradient background with a floor, then slight blur and
sensor noise (see DESIGN.md). Flat single-colour capsules were found in about half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from hingecheck.synth.body import Proportions, Skeleton

Color = tuple[float, float, float]
DrawItem = tuple[float, Callable[[], None]]  # (depth toward the camera, how to draw it)
LIGHT = np.array([-0.5, -0.8])  # light from the upper left (image coordinates)
# Shrinking, brightening layers: a cylinder's shading without visible bands.
SHADE_STEPS = (1.0, 0.88, 0.76, 0.64, 0.52, 0.40, 0.28)
# A 35 cm iron plate for a 1.75 m lifter. A 45 cm bumper plate (0.128) hides the shins
# and thighs: on random poses the model then found the figure in 93% of frames, not 98%.
PLATE_RADIUS = 0.10
DUMBBELL_RADIUS = 0.05  # a 20 kg hex dumbbell's head, 18 cm across
SHADE_LO, SHADE_HI = 0.6, 1.05  # darkest edge and brightest highlight against the colour
# The buttock's centre from the hip joint: along the thigh and behind it (body heights).
# With it the model's hip keypoint sits 2–4° (hip angle) nearer the drawn joint on squat
# bottoms, and knee flexion reads 12–14° low there instead of 16–23° (bench/figure.py).
GLUTE_ALONG, GLUTE_BEHIND = 0.03, 0.03
GLUTE_RADII = (0.075, 0.06)  # along and across the thigh
# A face turned this far toward the camera shows its far eye past the bridge of the nose.
# Drawn from 20°, the model found the figure in 22 and 19 of 24 stills turned 30° and 45°
# (21 and 17 without), and read the 45° stills as 33° off the side on average (29°).
FAR_EYE_FROM_YAW_DEG = 20.0


@dataclass(frozen=True)
class Camera:
    """Orthographic view: ``yaw_deg`` swings the camera from the lifter's side toward
    their front; ``facing`` is which way the lifter faces in the image.

    A lifter who faces right in the image shows the camera their right side (their left
    is away, behind the body), as a real camera sees them; turned toward the camera, their
    near shoulder moves back in the image and the far one comes forward past the chest.
    """

    yaw_deg: float
    facing: str            # "right" or "left"
    scale_px: float        # pixels per body height
    center_x: float        # image x of the ankles
    floor_y: float         # image y of the floor

    def project(self, p: np.ndarray) -> tuple[np.ndarray, float]:
        """Image point and depth toward the camera of a 3D body point."""
        a = np.radians(self.yaw_deg)
        s = 1.0 if self.facing == "right" else -1.0
        u = s * p[0] * np.cos(a) + p[2] * np.sin(a)
        depth = p[0] * np.sin(a) - s * p[2] * np.cos(a)  # z is the lifter's left
        image = np.array([self.center_x + u * self.scale_px, self.floor_y - p[1] * self.scale_px])
        return image, float(depth)

    @property
    def near_side(self) -> str:
        """The lifter's side toward the camera: the side they face in the image."""
        return self.facing

    def width_factor(self, depth_extent: float, breadth_extent: float) -> float:
        """Seen half-width of a body part with these sagittal and lateral half-extents."""
        a = np.radians(self.yaw_deg)
        return float(abs(np.cos(a)) * depth_extent + abs(np.sin(a)) * breadth_extent)


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


def _fx(p: np.ndarray) -> tuple[int, int]:
    """A point in OpenCV's fixed-point form (4 fractional bits) for sub-pixel drawing."""
    x, y = np.round(np.asarray(p) * 16).astype(int)
    return int(x), int(y)


def _fx_array(points: np.ndarray) -> np.ndarray:
    return np.round(points * 16).astype(np.int32)


def _shade_level(k: int) -> float:
    """Brightness of shading layer ``k`` (outermost 0) against the base colour."""
    return SHADE_LO + (SHADE_HI - SHADE_LO) * k / (len(SHADE_STEPS) - 1)


def _shade(color: Color, f: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(c * f, 0, 255)) for c in color)  # type: ignore[return-value]


def tapered_limb(img: np.ndarray, p1: np.ndarray, p2: np.ndarray, r1: float, r2: float,
                 color: Color, dim: float = 1.0) -> None:
    """A tapered capsule shaded like a cylinder lit from the upper left."""
    d = p2 - p1
    n = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-6)
    toward_light = 1.0 if float(n @ LIGHT) > 0 else -1.0
    for k, f in enumerate(SHADE_STEPS):
        shift = n * toward_light * (1 - f) * 0.5
        a, b = p1 + shift * r1, p2 + shift * r2
        tone = _shade(color, dim * _shade_level(k))
        quad = np.array([a + n * r1 * f, b + n * r2 * f, b - n * r2 * f, a - n * r1 * f])
        cv2.fillConvexPoly(img, _fx_array(quad), tone, cv2.LINE_AA, 4)
        for c, r in ((a, r1), (b, r2)):
            cv2.circle(img, _fx(c), int(r * f * 16), tone, -1,
                       cv2.LINE_AA, 4)


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


def trunk_shape(img: np.ndarray, centre: np.ndarray, back_r: np.ndarray, front_r: np.ndarray,
                dorsal: np.ndarray, color: Color, dim: float = 1.0) -> None:
    """A shaded outline around a centre line, ``back_r``/``front_r`` thick on either side.

    ``dorsal`` (n, 2) points from the centre line toward the back at each sample.
    """
    for k, f in enumerate(SHADE_STEPS):
        shift = LIGHT * (1 - f) * 0.25 * float(np.mean(back_r + front_r))
        outline = np.vstack([centre + dorsal * (back_r * f)[:, None] + shift,
                             (centre - dorsal * (front_r * f)[:, None] + shift)[::-1]])
        cv2.fillPoly(img, [_fx_array(outline)],
                     _shade(color, dim * _shade_level(k)),
                     cv2.LINE_AA, 4)


def blob(img: np.ndarray, center: np.ndarray, rx: float, ry: float, angle_deg: float,
         color: Color, dim: float = 1.0) -> None:
    """A shaded ellipse (a muscle mass, a head)."""
    for k, f in enumerate((1.0, 0.75, 0.5)):
        off = LIGHT * (1 - f) * 0.35 * min(rx, ry)
        c = center + off
        cv2.ellipse(img, _fx(c),
                    (max(1, int(rx * f * 16)), max(1, int(ry * f * 16))), angle_deg, 0, 360,
                    _shade(color, dim * (0.66 + 0.17 * k)), -1, cv2.LINE_AA, 4)


def draw_body(img: np.ndarray, sk: Skeleton, body: Proportions, cam: Camera, style: Style,
              load: str) -> None:
    """Draw the posed body and its load, far parts first."""
    s = cam.scale_px
    b = s * style.bulk  # widths: a heavier or a slighter build
    pts = {name: cam.project(p) for name, p in sk.joints.items()}
    near = cam.near_side
    far = "right" if near == "left" else "left"
    items: list[DrawItem] = []

    def leg(side: str, dim: float) -> Callable[[], None]:
        def draw() -> None:
            hip, knee, ankle, heel, toe = (pts[f"{side}_{j}"][0]
                                           for j in ("hip", "knee", "ankle", "heel", "toe"))
            tapered_limb(img, hip, knee, 0.050 * b, 0.036 * b, style.shorts, dim)
            tapered_limb(img, (hip + knee) / 2, knee, 0.045 * b, 0.034 * b, style.legs, dim)
            tapered_limb(img, knee, ankle, 0.036 * b, 0.022 * b, style.legs, dim)
            calf = knee + (ankle - knee) * 0.3
            calf_back = calf - np.array([1 if cam.facing == "right" else -1, 0]) * 0.012 * s
            blob(img, calf_back, 0.022 * b, 0.06 * b, _deg(ankle - knee) - 90, style.legs, dim)
            foot = np.array([heel, heel + np.array([0, -0.03 * s]),
                             toe + np.array([0, -0.012 * s]), toe])
            cv2.fillConvexPoly(img, _fx_array(foot), _shade(style.shoes, dim),
                               cv2.LINE_AA, 4)
            tapered_limb(img, ankle, (heel + toe) / 2 + (0, -0.015 * b), 0.022 * b, 0.02 * b,
                         style.shoes, dim)
        return draw

    def arm(side: str, dim: float) -> Callable[[], None]:
        def draw() -> None:
            sh, el, wr, hand = (pts[f"{side}_{j}"][0]
                                for j in ("shoulder", "elbow", "wrist", "hand"))
            tapered_limb(img, sh, el, 0.036 * b, 0.025 * b, style.skin, dim)
            tapered_limb(img, sh, sh + (el - sh) * 0.35, 0.042 * b, 0.035 * b, style.shirt, dim)
            tapered_limb(img, el, wr, 0.025 * b, 0.018 * b, style.skin, dim)
            tapered_limb(img, wr, hand, 0.020 * b, 0.017 * b, style.skin, dim)
        return draw

    def torso() -> None:
        spine = np.array([cam.project(p)[0] for p in sk.spine])
        centre = _smooth_line(spine)
        tangent = np.gradient(centre, axis=0)
        tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-6)
        normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
        # The back is on the side away from where the lifter faces.
        back = np.array([-1.0 if cam.facing == "right" else 1.0, 0.0])
        hips_to_shoulders = spine[-1] - spine[0]
        facing_normal = np.array([hips_to_shoulders[1], -hips_to_shoulders[0]])
        if float(facing_normal @ back) * float(normal.mean(axis=0) @ facing_normal) < 0:
            normal = -normal
        if float(normal.mean(axis=0) @ back) < 0:
            normal = -normal
        w = cam.width_factor
        u = np.linspace(0.0, 1.0, len(centre))
        # Half-depths along the trunk: glutes, waist, chest, shoulders (body heights).
        # A flexed spine undoes the lordosis: the pelvis tucks under (the glutes drop out
        # of the back's line) and the small of the back fills out and turns convex, so the
        # back's outline becomes one arc from the sacrum to the neck.
        flex = min(sk.total_spine_flexion_deg, 60.0) / 30.0
        back_r = np.interp(u, [0, 0.12, 0.4, 0.75, 1.0],
                           [0.085 - 0.025 * flex, 0.08 - 0.02 * flex, 0.05 + 0.03 * flex,
                            0.065 + 0.01 * flex, 0.05])
        front_r = np.interp(u, [0, 0.12, 0.4, 0.75, 1.0], [0.05, 0.055, 0.06, 0.075, 0.045])
        lateral = np.interp(u, [0, 0.4, 0.8, 1.0], [0.10, 0.09, 0.11, 0.12])
        back_r = np.array([w(b, lat) for b, lat in zip(back_r, lateral, strict=True)]) * b
        front_r = np.array([w(f, lat) for f, lat in zip(front_r, lateral, strict=True)]) * b
        trunk_shape(img, centre, back_r, front_r, normal, style.shirt)
        cut = int(len(centre) * 0.32)
        trunk_shape(img, centre[:cut], back_r[:cut] * 1.02, front_r[:cut] * 1.02, normal[:cut],
                    style.shorts)
        # The buttock wraps round the hip joint: a mass behind the top of the thigh.
        hip, knee = pts[f"{near}_hip"][0], pts[f"{near}_knee"][0]
        along = (knee - hip) / max(float(np.linalg.norm(knee - hip)), 1e-6)
        centre_g = hip + along * GLUTE_ALONG * s + back * GLUTE_BEHIND * s
        blob(img, centre_g, GLUTE_RADII[0] * b, GLUTE_RADII[1] * b, _deg(along), style.shorts)
        # Shoulder cap (deltoid) over the joint.
        blob(img, pts[f"{near}_shoulder"][0], 0.045 * b, 0.04 * b, 0, style.shirt)

    def head() -> None:
        neck_base = cam.project(sk.spine[-1])[0]
        hc = cam.project(sk.head_center)[0]
        tapered_limb(img, neck_base, hc, 0.03 * b, 0.028 * b, style.skin)
        r = body.head_radius * s
        face = cam.project(sk.head_center + sk.face_dir)[0] - hc
        face = face / max(float(np.linalg.norm(face)), 1e-6)
        blob(img, hc, r * 1.0, r * 1.12, _deg(face), style.skin)
        # Hair over the back and top of the skull.
        turn = 1.0 if cam.facing == "right" else -1.0
        up = turn * np.array([face[1], -face[0]])
        hair_c = hc - face * r * 0.3 + up * r * 0.3
        blob(img, hair_c, r * 0.75, r * 0.8, _deg(face), style.hair)
        # Face details: nose, eye, ear, mouth.
        nose = pts["nose"][0]
        tip = nose + face * r * 0.12
        tri = np.array([nose + up * r * 0.25, tip, nose - up * r * 0.12])
        cv2.fillConvexPoly(img, _fx_array(tri), _shade(style.skin, 0.85),
                           cv2.LINE_AA, 4)
        for side in (near, far) if cam.yaw_deg >= FAR_EYE_FROM_YAW_DEG else (near,):
            eye = pts[f"{side}_eye"][0]
            cv2.circle(img, _fx(eye), max(16, int(r * 0.13 * 16)),
                       (30, 30, 30), -1, cv2.LINE_AA, 4)
            brow = eye + up * r * 0.2
            cv2.line(img, _fx(brow - face * r * 0.15),
                     _fx(brow + face * r * 0.15),
                     _shade(style.hair, 1.0), max(1, int(r * 0.08)), cv2.LINE_AA, 4)
        ear = pts[f"{near}_ear"][0]
        blob(img, ear, r * 0.18, r * 0.26, _deg(face), style.skin, 0.85)
        mouth = nose - up * r * 0.42 - face * r * 0.05
        cv2.line(img, _fx(mouth),
                 _fx(mouth - face * r * 0.25),
                 (60, 60, 120), max(1, int(r * 0.06)), cv2.LINE_AA, 4)

    depth_of = {name: d for name, (_, d) in pts.items()}
    items.append((depth_of[f"{far}_knee"] - 0.02, leg(far, 0.6)))
    items.append((depth_of[f"{far}_elbow"] - 0.015, arm(far, 0.6)))
    items.append((0.0, torso))
    items.append((0.001, head))
    items.append((depth_of[f"{near}_knee"], leg(near, 1.0)))
    items.append((depth_of[f"{near}_elbow"] + 0.01, arm(near, 1.0)))
    items.extend(_load_items(img, sk, cam, style, load))
    for _, draw in sorted(items, key=lambda item: item[0]):
        draw()


def _load_items(img: np.ndarray, sk: Skeleton, cam: Camera, style: Style,
                load: str) -> list[DrawItem]:
    s = cam.scale_px
    hands = (sk.joints["left_hand"] + sk.joints["right_hand"]) / 2
    if load == "none":
        return []
    if load in ("barbell", "barbell_back"):
        shoulders = (sk.joints["left_shoulder"] + sk.joints["right_shoulder"]) / 2
        # A back squat bar sits on the upper back, behind and above the shoulder joints.
        on_back = shoulders + _rotate_sagittal(np.array([-0.06, 0.03, 0.0]),
                                               float(sk.spine_lean_deg[-1]))
        center = hands if load == "barbell" else on_back
        radius = PLATE_RADIUS if load == "barbell" else 0.07
        out: list[DrawItem] = []
        for z in (0.6, -0.6):
            p, depth = cam.project(center + np.array([0, 0, z]))
            dim = 1.0 if depth > 0 else 0.6  # the far plate in the body's shadow

            def plate(p: np.ndarray = p, dim: float = dim) -> None:
                rx = _disc_width(radius * s, 0.03 * s, cam.yaw_deg)
                _disc(img, p, rx, radius * s, _shade(style.plate, dim))
                _disc(img, p, rx * 0.3, radius * s * 0.3, _shade((160, 160, 160), dim))
            out.append((depth, plate))
        left, _ = cam.project(center + np.array([0, 0, 0.75]))
        right, _ = cam.project(center + np.array([0, 0, -0.75]))

        def bar() -> None:
            cv2.line(img, _fx(left),
                     _fx(right), (150, 150, 150),
                     max(2, int(0.014 * s)), cv2.LINE_AA, 4)
        out.append((0.5, bar))
        return out
    if load == "dumbbells":
        return [_dumbbell(img, sk.joints[f"{side}_hand"], cam, style)
                for side in ("left", "right")]
    if load == "kettlebell":
        p, depth = cam.project(hands + np.array([0, -0.07, 0]))
        return [(depth + 0.2, lambda: blob(img, p, 0.06 * s, 0.06 * s, 0, (40, 40, 40)))]
    raise ValueError(f"unknown load {load!r}")


def _dumbbell(img: np.ndarray, hand: np.ndarray, cam: Camera, style: Style) -> DrawItem:
    """A hex dumbbell in an overhand grip: its handle runs across the body, so from the
    side it shows as its outer head (about 18 cm across) a little outside the hand."""
    s = cam.scale_px
    outward = 1.0 if hand[2] >= 0 else -1.0
    inner, _ = cam.project(hand + np.array([0, 0, -outward * 0.07]))
    outer, depth = cam.project(hand + np.array([0, 0, outward * 0.07]))
    r = DUMBBELL_RADIUS * s
    rx = _disc_width(r, 0.025 * s, cam.yaw_deg)
    dim = 1.0 if depth > 0 else 0.6  # the far one in the body's shadow, like the far arm

    def draw() -> None:
        for centre in (inner, outer):
            _disc(img, centre, rx, r, _shade(style.plate, dim * 0.8))
        _disc(img, outer, rx * 0.8, r * 0.8, _shade(style.plate, dim))
    return depth, draw


def _disc_width(radius_px: float, thickness_px: float, yaw_deg: float) -> float:
    """Seen half-width of a disc facing the side camera, once the camera swings by yaw."""
    a = np.radians(yaw_deg)
    return float(max(2.0, radius_px * abs(np.cos(a)) + thickness_px * abs(np.sin(a))))


def _disc(img: np.ndarray, centre: np.ndarray, rx: float, ry: float,
          color: tuple[int, int, int]) -> None:
    cv2.ellipse(img, _fx(centre), (int(rx * 16), int(ry * 16)), 0, 0, 360, color, -1,
                cv2.LINE_AA, 4)


def _rotate_sagittal(v: np.ndarray, lean_deg: float) -> np.ndarray:
    """Rotate a body-frame offset forward by ``lean_deg`` about the lateral axis."""
    a = np.radians(lean_deg)
    x, y = v[0], v[1]
    return np.array([x * np.cos(a) + y * np.sin(a), -x * np.sin(a) + y * np.cos(a), v[2]])


def _deg(v: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(v[1], v[0])))


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
