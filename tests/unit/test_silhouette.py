"""The back's outline from images made in code: a textured wall, a body drawn on it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hingecheck.analysis.back import background as backdrop
from hingecheck.analysis.back import profile as silhouette

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
    background = backdrop.Background(wall, np.ones((H, W), bool), 0.0)
    profile = silhouette.back_profile(frame, background, HIP, SHOULDER, facing_sign=1.0)
    assert profile.coverage == 1.0
    assert profile.bulge == pytest.approx(np.radians(bend_deg) / 8.0, abs=0.012)
    assert np.nanmedian(profile.heights) == pytest.approx(0.3 + np.radians(bend_deg) / 12,
                                                          abs=0.04)


def test_facing_left_looks_on_the_other_side() -> None:
    wall = _wall()
    flipped = cv2.flip(wall, 1)
    _bent_back(flipped, 40.0)
    frame = cv2.flip(flipped, 1).astype(np.uint8, copy=False)  # cv2 types any depth
    background = backdrop.Background(wall, np.ones((H, W), bool), 0.0)
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
    background = backdrop.build_background(frames, keypoints, CHORD)
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
    background = backdrop.build_background(frames, keypoints, CHORD)
    assert not background.still


def test_too_little_of_the_back_seen_gives_no_bulge() -> None:
    wall = _wall()
    background = backdrop.Background(wall, np.ones((H, W), bool), 0.0)
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
    background = backdrop.Background(wall, np.ones((H, W), bool), 0.0)
    profile = silhouette.back_profile(frame, background, HIP, SHOULDER, facing_sign=1.0)
    near_hip = silhouette.profile_positions() < 0.28
    assert np.isnan(profile.heights[near_hip]).all()
    assert profile.coverage >= silhouette.MIN_PROFILE_COVERAGE
    assert profile.bulge == pytest.approx(0.0, abs=0.016)


def test_each_outline_setting_has_its_source_class() -> None:
    from hingecheck.analysis.back.outline import (
        BackgroundOutline,
        FusedOutline,
        PersonOutline,
    )
    from hingecheck.backshape import OUTLINES
    from hingecheck.settings import BackOutline, Settings

    assert set(OUTLINES) == set(BackOutline)
    # The environment's words stay what they were.
    assert Settings.model_validate({"back_outline": "fused"}).back_outline is BackOutline.FUSED
    # A moving camera: no background model to trace on, none to fuse with.
    assert BackgroundOutline().for_camera(still=False) is None
    assert isinstance(FusedOutline().for_camera(still=False), PersonOutline)
    assert isinstance(PersonOutline().for_camera(still=False), PersonOutline)
    assert [c.needs_person for c in (PersonOutline, BackgroundOutline, FusedOutline)] == \
        [True, False, True]


def test_the_fused_outline_drops_what_the_person_mask_does_not_see() -> None:
    """A caption beside the back is foreground to the background model; the person mask
    does not cover it, so the fused outline reads the back, the background one the
    caption."""
    from hingecheck.analysis.back.outline import BackgroundOutline, FusedOutline

    wall = _wall()
    frame = wall.copy()
    _bent_back(frame, 0.0)
    person = np.zeros((H, W), bool)
    person[(frame != wall).any(axis=2)] = True
    # A caption across the dorsal side, well off the back.
    cv2.rectangle(frame, (180, 95), (280, 110), (255, 255, 255), -1)
    background = backdrop.Background(wall, np.ones((H, W), bool), 0.0)
    fused = silhouette.back_profile(frame, background, HIP, SHOULDER, 1.0, person=person,
                                    source=FusedOutline())
    plain = silhouette.back_profile(frame, background, HIP, SHOULDER, 1.0,
                                    source=BackgroundOutline())
    assert fused.coverage == 1.0
    assert float(np.nanmedian(fused.heights)) == pytest.approx(0.3, abs=0.04)
    assert float(np.nanmedian(plain.heights)) > 0.45  # the caption, not the back
    # The same call without a source picks the same mask from what it is given.
    same = silhouette.back_profile(frame, background, HIP, SHOULDER, 1.0, person=person)
    assert np.array_equal(same.heights, fused.heights, equal_nan=True)
