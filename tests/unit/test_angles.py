"""Angles never wrap: known geometry in, known degrees out."""

import numpy as np
import pytest
from hingecheck.analysis.angles import (
    flexion_deg,
    inclination_from_vertical_deg,
    joint_angle_deg,
    unwrap_deg,
)


def test_right_angle_and_straight_limb() -> None:
    o = np.array([0.0, 0.0])
    assert joint_angle_deg(np.array([1.0, 0.0]), o, np.array([0.0, 1.0])) == pytest.approx(90)
    assert flexion_deg(np.array([0.0, -1.0]), o, np.array([0.0, 1.0])) == pytest.approx(0)


def test_a_knee_bending_through_every_angle_stays_continuous() -> None:
    # The shank sweeps a full circle around the knee: the interior angle must stay in
    # 0–180° and change smoothly (no 122° → 329° jump).
    sweep = np.radians(np.arange(0, 360, 1.0))
    hip = np.tile([0.0, -1.0], (sweep.size, 1))
    knee = np.zeros((sweep.size, 2))
    ankle = np.stack([np.sin(sweep), np.cos(sweep)], axis=-1)
    angle = joint_angle_deg(hip, knee, ankle)
    assert angle.min() >= 0 and angle.max() <= 180
    assert np.max(np.abs(np.diff(angle))) <= 1.0 + 1e-9


def test_inclination_from_vertical_uses_image_coordinates() -> None:
    hip = np.array([100.0, 100.0])
    assert inclination_from_vertical_deg(hip, np.array([100.0, 0.0])) == pytest.approx(0)
    assert inclination_from_vertical_deg(hip, np.array([200.0, 100.0])) == pytest.approx(90)
    assert inclination_from_vertical_deg(hip, np.array([0.0, 0.0])) == pytest.approx(45)


def test_missing_points_give_nan_not_a_number_made_up() -> None:
    o = np.array([0.0, 0.0])
    assert np.isnan(joint_angle_deg(np.array([np.nan, 0.0]), o, np.array([0.0, 1.0])))
    assert np.isnan(joint_angle_deg(o, o, np.array([0.0, 1.0])))  # zero-length limb


def test_unwrap_removes_360_jumps_across_gaps() -> None:
    series = np.array([350.0, 355.0, np.nan, 5.0, 10.0])
    out = unwrap_deg(series)
    assert np.isnan(out[2])
    np.testing.assert_allclose(out[[0, 1, 3, 4]], [350, 355, 365, 370])
