"""The figure's renderer: shapes land where the camera puts them, in true depth, lit."""

import numpy as np
import pytest
from hingecheck.synth.body import PoseAngles, Proportions, pose_body
from hingecheck.synth.draw import Camera, Facing, Style, draw_body
from hingecheck.synth.raster import Canvas, random_light

SCALE, CX, FLOOR = 200.0, 160.0, 220.0
WHITE = (200.0, 200.0, 200.0)


def canvas(yaw: float = 0.0, facing: Facing = "right", **light: np.ndarray) -> Canvas:
    cam = Camera(yaw, facing, SCALE, CX, FLOOR)
    return Canvas(np.zeros((240, 320, 3), np.uint8), cam.rotation(), SCALE, CX, FLOOR, **light)


def covered(c: Canvas) -> np.ndarray:
    return np.asarray(c.img.sum(axis=2) > 0)


def test_a_sphere_covers_its_disc_where_the_camera_puts_it() -> None:
    c = canvas()
    c.sphere(np.array([0.1, 0.5, 0.0]), 0.2, WHITE)
    mask = covered(c)
    ys, xs = np.nonzero(mask)
    assert mask.sum() == pytest.approx(np.pi * (0.2 * SCALE) ** 2, rel=0.02)
    assert xs.mean() == pytest.approx(CX + 0.1 * SCALE, abs=0.5)
    assert ys.mean() == pytest.approx(FLOOR - 0.5 * SCALE, abs=0.5)


@pytest.mark.parametrize("facing", ["right", "left"])
def test_the_nearer_shape_hides_the_farther_whatever_the_order(facing: Facing) -> None:
    """Facing right, the lifter's right side (−z) is toward the camera."""
    near_z = -0.1 if facing == "right" else 0.1
    red, blue = (0.0, 0.0, 200.0), (200.0, 0.0, 0.0)
    for near_first in (True, False):
        c = canvas(facing=facing)
        shapes = [(np.array([0.0, 0.5, near_z]), red), (np.array([0.0, 0.5, -near_z]), blue)]
        for centre, color in shapes if near_first else shapes[::-1]:
            c.sphere(centre, 0.15, color)
        middle = c.img[int(FLOOR - 0.5 * SCALE), int(CX)]
        assert middle[2] > 0 and middle[0] == 0  # red (BGR), the near sphere


def test_light_from_the_upper_left_in_front() -> None:
    c = canvas()
    c.sphere(np.array([0.0, 0.5, 0.0]), 0.2, WHITE)
    y, x, d = int(FLOOR - 0.5 * SCALE), int(CX), int(0.12 * SCALE)
    upper_left, lower_right = c.img[y - d, x - d].sum(), c.img[y + d, x + d].sum()
    assert upper_left > lower_right + 60


def test_the_canvas_lights_from_where_it_is_told() -> None:
    y, x, d = int(FLOOR - 0.5 * SCALE), int(CX), int(0.12 * SCALE)
    sides = []
    for from_x in (-1.0, 1.0):
        c = canvas(light=np.array([from_x, 0.0, 1.0]) / np.sqrt(2))
        c.sphere(np.array([0.0, 0.5, 0.0]), 0.2, WHITE)
        sides.append(int(c.img[y, x - d].sum()) - int(c.img[y, x + d].sum()))
    assert sides[0] > 60 and sides[1] < -60  # the lit half follows the light


def test_random_lights_come_from_above_and_the_camera_side_of_the_lifter() -> None:
    rng = np.random.default_rng(0)
    lights = np.array([random_light(rng) for _ in range(500)])
    assert np.allclose(np.linalg.norm(lights, axis=1), 1.0)
    elevation = np.degrees(np.arcsin(lights[:, 1]))
    azimuth = np.degrees(np.arctan2(lights[:, 0], lights[:, 2]))
    assert elevation.min() >= 30.0 and elevation.max() <= 65.0
    assert azimuth.min() >= -60.0 and azimuth.max() <= 60.0
    assert (azimuth < -30).any() and (azimuth > 30).any()  # from either side of the image


def test_the_trunk_shows_its_breadth_as_the_lifter_turns_to_the_camera() -> None:
    body, style = Proportions(), Style((150, 170, 200), (60, 60, 160), (40, 40, 40),
                                       (150, 170, 200), (30, 30, 30), (20, 20, 20), (30, 30, 30))
    sk = pose_body(PoseAngles(arm_deg=0.0), body)
    chest = sk.spine[2]
    widths = []
    for yaw in (0.0, 45.0, 80.0):
        cam = Camera(yaw, "right", SCALE, CX, FLOOR)
        img = np.zeros((240, 320, 3), np.uint8)
        draw_body(img, sk, body, cam, style, "none")
        row = img[int(round(cam.project(chest)[0][1]))]
        lit = np.nonzero(row.sum(axis=1) > 0)[0]
        widths.append((lit.max() - lit.min()) / SCALE)
    assert widths[0] < widths[1] < widths[2]
    # Seen from nearly the front the row crosses both arms and the chest between them.
    assert widths[2] > 2 * body.shoulder_half_breadth
