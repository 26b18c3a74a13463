"""3D joint angles and the camera's yaw from world landmarks (analysis.world): a synthetic
skeleton with known angles, turned to known yaws, must read the same angles from every
yaw and the yaw it was turned to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hingecheck.analysis import world
from hingecheck.analysis.world import (
    ANKLE,
    HIP,
    KNEE,
    SHOULDER,
    camera_yaw,
    clean_world,
    world_angles,
)

THIGH, SHIN, TRUNK, HALF_HIPS, HALF_SHOULDERS = 0.45, 0.43, 0.5, 0.1, 0.19


def skeleton(trunk: float, thigh: float, shin: float, azimuth: float) -> np.ndarray:
    """(33, 3) camera-axes landmarks (x right, y down, z away) of a body whose trunk leans
    ``trunk``° forward, thigh ``thigh``° forward of straight down, shin ``shin``° forward,
    facing ``azimuth``° from image right toward the camera. Its hip flexion is
    trunk + thigh and its knee flexion thigh + shin."""
    a = np.radians(azimuth)
    forward, up = np.array([np.cos(a), 0.0, -np.sin(a)]), np.array([0.0, -1.0, 0.0])
    right = np.array([-np.sin(a), 0.0, -np.cos(a)])  # forward = up × right
    t, h, s = np.radians([trunk, thigh, shin])
    pts = np.full((33, 3), np.nan)
    for side, sign in ((0, -1.0), (1, 1.0)):
        hip = sign * HALF_HIPS * right
        knee = hip + THIGH * (np.sin(h) * forward - np.cos(h) * up)
        ankle = knee + SHIN * (-np.sin(s) * forward - np.cos(s) * up)
        shoulder = TRUNK * (np.sin(t) * forward + np.cos(t) * up) + sign * HALF_SHOULDERS * right
        pts[HIP[side]], pts[KNEE[side]], pts[ANKLE[side]] = hip, knee, ankle
        pts[SHOULDER[side]] = shoulder
    return pts


def _with_scores(points: np.ndarray, presence: float = 0.99) -> np.ndarray:
    out = np.zeros((*points.shape[:-1], 5))
    out[..., :3] = points
    out[..., 3] = 0.9
    out[..., 4] = np.where(np.isnan(points).any(axis=-1), 0.0, presence)
    return out


YAWS = [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0, 120.0, 180.0, -30.0, -90.0, -150.0]


@pytest.mark.parametrize("azimuth", YAWS)
def test_angles_do_not_depend_on_the_yaw(azimuth: float) -> None:
    pts = np.stack([skeleton(70.0, 20.0, 8.0, azimuth), skeleton(5.0, 2.0, 1.0, azimuth)])
    angles = world_angles(pts, np.array([0.0, 0.1]))
    np.testing.assert_allclose(angles.hip_flexion_deg, [90.0, 7.0], atol=1e-6)
    np.testing.assert_allclose(angles.knee_flexion_deg, [28.0, 3.0], atol=1e-6)
    np.testing.assert_allclose(angles.trunk_deg, [70.0, 5.0], atol=1e-6)
    np.testing.assert_allclose(angles.shin_deg, [8.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(angles.knee_flexion_sides_deg[:, 0],
                               angles.knee_flexion_sides_deg[:, 1], atol=1e-6)


@pytest.mark.parametrize("azimuth", YAWS)
def test_the_yaw_is_read_from_the_shoulder_and_hip_lines(azimuth: float) -> None:
    """A hinge (trunk from upright to 80°) at a fixed yaw: the yaw off the side view, which
    half of the body the camera sees and which way the lifter faces in the image."""
    pts = np.stack([skeleton(tr, 0.3 * tr, 5.0, azimuth) for tr in np.linspace(0, 80, 20)])
    yaw = camera_yaw(pts)
    off_side = min(abs(azimuth), 180.0 - abs(azimuth))
    assert yaw.yaw_deg == pytest.approx(off_side, abs=1e-6)
    assert yaw.spread_deg == pytest.approx(0.0, abs=1e-6)
    assert yaw.azimuth_deg is not None
    assert np.angle(np.exp(1j * np.radians(yaw.azimuth_deg - azimuth))) == \
        pytest.approx(0.0, abs=1e-6)
    if 0 < abs(azimuth) < 180:
        assert yaw.seen_from == ("front" if azimuth > 0 else "back")
    if abs(azimuth) != 90:
        assert yaw.facing == ("right" if abs(azimuth) < 90 else "left")
    assert yaw.frames == 20


def test_the_yaw_spread_grows_with_noisy_lines() -> None:
    rng = np.random.default_rng(3)
    clean = np.stack([skeleton(40.0, 10.0, 5.0, 45.0)] * 60)
    noisy = clean + rng.normal(0.0, 0.03, clean.shape)
    still, shaky = camera_yaw(clean), camera_yaw(noisy)
    assert shaky.yaw_deg == pytest.approx(45.0, abs=4.0)
    assert shaky.spread_deg is not None and still.spread_deg is not None
    assert shaky.spread_deg > still.spread_deg + 2.0


def test_one_line_alone_still_gives_the_yaw() -> None:
    pts = np.stack([skeleton(30.0, 10.0, 5.0, 60.0)] * 5)
    pts[:, list(SHOULDER)] = np.nan
    assert camera_yaw(pts).yaw_deg == pytest.approx(60.0, abs=1e-6)


def test_too_few_frames_give_no_yaw() -> None:
    pts = np.full((10, 33, 3), np.nan)
    pts[:2] = skeleton(30.0, 10.0, 5.0, 60.0)
    yaw = camera_yaw(pts)
    assert yaw.yaw_deg is None and yaw.seen_from is None and yaw.frames == 2


def test_cleaning_smooths_bridges_short_gaps_and_invents_nothing() -> None:
    """A hinge sampled at 30 fps with noise, a short dropout (bridged), a long one (left
    missing) and unsure points (dropped): the smoothed knee is closer to the truth than
    the raw one."""
    rng = np.random.default_rng(7)
    times = np.arange(90) / 30.0
    trunk = 40.0 - 40.0 * np.cos(2 * np.pi * times / 3.0)
    truth = np.stack([skeleton(t, 0.25 * t, 6.0, 30.0) for t in trunk])
    noisy = truth + rng.normal(0.0, 0.01, truth.shape)
    raw = _with_scores(noisy)
    raw[10:13] = np.nan  # 0.1 s: bridged
    raw[40:60, :, 4] = 0.1  # 0.7 s unsure: missing
    cleaned = clean_world(raw, times, max_gap_s=0.35, window_s=0.27)
    angles, raw_angles = world_angles(cleaned, times), world_angles(noisy, times)
    true_knee = 0.25 * trunk + 6.0
    assert not np.isnan(angles.knee_flexion_deg[10:13]).any()
    assert np.isnan(angles.knee_flexion_deg[41:59]).all()
    kept = ~np.isnan(angles.knee_flexion_deg)
    smoothed_error = np.abs(angles.knee_flexion_deg[kept] - true_knee[kept]).mean()
    raw_error = np.abs(raw_angles.knee_flexion_deg[kept] - true_knee[kept]).mean()
    assert smoothed_error < 0.8 * raw_error


def test_world_analysis_imports_nothing_outside_analysis() -> None:
    """Pure: arrays in, numbers out (the layout's rule, checked on this module's source)."""
    source = Path(world.__file__).read_text()
    for banned in ("hingecheck.pose", "hingecheck.video", "hingecheck.render", "cv2"):
        assert banned not in source
