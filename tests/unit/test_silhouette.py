"""The back's outline from images made in code: a textured wall, a body drawn on it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hingecheck.analysis import silhouette

H, W = 270, 480
HIP, SHOULDER = np.array([170.0, 170.0]), np.array([290.0, 170.0])  # a horizontal back
CHORD = 120.0


def _wall(seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).integers(0, 255, (H // 8, W // 8, 3), dtype=np.uint8)
    return cv2.resize(noise, (W, H), interpolation=cv2.INTER_CUBIC)


def _keypoints(hip: np.ndarray, shoulder: np.ndarray) -> np.ndarray:
    kp = np.full((17, 2), np.nan)
    kp[[11, 12]] = hip
    kp[[5, 6]] = shoulder
    kp[[13, 14]] = hip + np.array([10.0, 60.0])
    kp[[15, 16]] = hip + np.array([10.0, 110.0])
    return kp


def _bent_back(img: np.ndarray, bend_deg: float) -> None:
    """A trunk lying along HIP→SHOULDER (lifter faces right): its top is an arc bent
    through ``bend_deg`` sitting 0.3 chord lengths above the chord."""
    s = np.linspace(0.0, 1.0, 40)
    sagitta = np.radians(bend_deg) / 8.0
    top = HIP[1] - CHORD * (0.3 + 4.0 * sagitta * s * (1 - s))
    xs = HIP[0] + CHORD * s
    outline = np.vstack([np.stack([xs, top], 1), [[SHOULDER[0], HIP[1] + 30.0],
                                                 [HIP[0], HIP[1] + 30.0]]])
    cv2.fillPoly(img, [np.round(outline).astype(np.int32)], (40, 200, 60))


@pytest.mark.parametrize("bend_deg", [0.0, 20.0, 40.0, 60.0])
def test_bulge_reads_the_bend_of_the_back(bend_deg: float) -> None:
    wall = _wall()
    frame = wall.copy()
    _bent_back(frame, bend_deg)
    background = silhouette.Background(wall, np.ones((H, W), bool), 0.0)
    profile = silhouette.back_profile(frame, background, HIP, SHOULDER, facing_sign=1.0)
    assert profile.coverage == 1.0
    assert profile.bulge == pytest.approx(np.radians(bend_deg) / 8.0, abs=0.012)
    assert np.nanmedian(profile.heights) == pytest.approx(0.3 + np.radians(bend_deg) / 12,
                                                          abs=0.04)


def test_facing_left_looks_on_the_other_side() -> None:
    wall = _wall()
    frame = cv2.flip(wall, 1)
    flipped = frame.copy()
    _bent_back(flipped, 40.0)
    frame = cv2.flip(flipped, 1)
    background = silhouette.Background(wall, np.ones((H, W), bool), 0.0)
    hip, shoulder = np.array([W - 1 - HIP[0], HIP[1]]), np.array([W - 1 - SHOULDER[0], HIP[1]])
    profile = silhouette.back_profile(frame, background, hip, shoulder, facing_sign=-1.0)
    assert profile.bulge == pytest.approx(np.radians(40.0) / 8.0, abs=0.012)


def test_background_ignores_a_lifter_who_stands_still_most_of_the_time() -> None:
    """Standing for 70 % of the clip must not leave a ghost where the bent back is seen."""
    wall = _wall(1)
    frames, keypoints = [], []
    standing_hip, standing_shoulder = np.array([200.0, 170.0]), np.array([200.0, 50.0])
    for i in range(40):
        img = wall.copy()
        if i % 10 < 7:
            cv2.rectangle(img, (170, 40), (235, 260), (30, 30, 200), -1)  # standing body
            keypoints.append(_keypoints(standing_hip, standing_shoulder))
        else:
            _bent_back(img, 0.0)
            keypoints.append(_keypoints(HIP, SHOULDER))
        frames.append(img)
    background = silhouette.build_background(frames, keypoints, CHORD)
    assert background.still
    # Above the bent back (inside the standing body's column) the wall is recovered.
    region = (slice(60, 120), slice(180, 230))
    error = np.abs(background.image[region].astype(int) - wall[region].astype(int))
    assert background.known[region].all()
    assert float(np.median(error)) < 3.0
    profile = silhouette.back_profile(frames[-1], background, HIP, SHOULDER, 1.0)
    assert profile.bulge == pytest.approx(0.0, abs=0.016)  # under 8° of bend


def test_a_moving_camera_is_reported() -> None:
    frames, keypoints = [], []
    for i in range(20):
        frames.append(np.roll(_wall(2), 6 * i, axis=1))
        keypoints.append(_keypoints(HIP, SHOULDER))
    background = silhouette.build_background(frames, keypoints, CHORD)
    assert not background.still


def test_too_little_of_the_back_seen_gives_no_bulge() -> None:
    wall = _wall()
    background = silhouette.Background(wall, np.ones((H, W), bool), 0.0)
    profile = silhouette.back_profile(wall.copy(), background, HIP, SHOULDER, 1.0)
    assert profile.coverage == 0.0 and np.isnan(profile.bulge)


def test_an_outline_missed_down_to_the_joint_line_is_not_read_as_a_bend() -> None:
    """Shorts the colour of the wall: near the hips the back is only found a hair's
    breadth from the hip–shoulder line, where no back can be. Those samples are left
    unmeasured instead of bending the profile."""
    wall = _wall()
    frame = wall.copy()
    _bent_back(frame, 0.0)
    hidden_to = int(HIP[1] - 0.04 * CHORD)  # the back vanishes down to 0.04 chord lengths
    frame[:hidden_to, int(HIP[0]):int(HIP[0] + 0.3 * CHORD)] = \
        wall[:hidden_to, int(HIP[0]):int(HIP[0] + 0.3 * CHORD)]
    background = silhouette.Background(wall, np.ones((H, W), bool), 0.0)
    profile = silhouette.back_profile(frame, background, HIP, SHOULDER, facing_sign=1.0)
    near_hip = silhouette.profile_positions() < 0.28
    assert np.isnan(profile.heights[near_hip]).all()
    assert profile.coverage >= silhouette.MIN_PROFILE_COVERAGE
    assert profile.bulge == pytest.approx(0.0, abs=0.016)
