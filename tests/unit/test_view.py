"""The view check on a 3D stick figure projected at known camera angles."""

import numpy as np
import pytest
from hingecheck.analysis.view import MAX_VIEW_OFFSET_DEG, estimate_view

HEIGHT = 500.0


def skeleton_3d(hinge_deg: float) -> np.ndarray:
    """17 COCO points in metres-like units: x forward, y up, z to the body's left."""
    p = np.zeros((17, 3))
    hip_y, trunk = 0.53, 0.30
    lean = np.radians(hinge_deg)
    shoulder = np.array([np.sin(lean) * trunk, hip_y + np.cos(lean) * trunk])
    head = shoulder + np.array([np.sin(lean), np.cos(lean)]) * 0.12
    half_sh, half_hip = 0.095, 0.05  # shoulder and hip-joint breadth ≈ 0.19 H and 0.10 H
    for idx, (x, y, z) in {
        0: (head[0] + 0.05, head[1], 0.0), 1: (head[0] + 0.04, head[1] + 0.01, 0.02),
        2: (head[0] + 0.04, head[1] + 0.01, -0.02), 3: (head[0] - 0.01, head[1], 0.05),
        4: (head[0] - 0.01, head[1], -0.05),
        5: (*shoulder, half_sh), 6: (*shoulder, -half_sh),
        7: (shoulder[0], shoulder[1] - 0.18, half_sh),
        8: (shoulder[0], shoulder[1] - 0.18, -half_sh),
        9: (shoulder[0], shoulder[1] - 0.35, half_sh),
        10: (shoulder[0], shoulder[1] - 0.35, -half_sh),
        11: (0.0, hip_y, half_hip), 12: (0.0, hip_y, -half_hip),
        13: (0.03, 0.28, half_hip), 14: (0.03, 0.28, -half_hip),
        15: (0.0, 0.04, half_hip), 16: (0.0, 0.04, -half_hip),
    }.items():
        p[idx] = (x, y, z)
    return p


def project(points: np.ndarray, offset_deg: float, facing_right: bool) -> np.ndarray:
    """Camera on the side the body faces in the image (its right side for a lifter facing
    right), rotated ``offset_deg`` toward the front; image y down."""
    a = np.radians(offset_deg)
    forward, left = points[:, 0], points[:, 2]
    # Image x: along the forward axis in a side view, mixing in the body's width as the
    # camera swings toward the front (seen from the front, the body's left is image right).
    u = (1.0 if facing_right else -1.0) * forward * np.cos(a) + left * np.sin(a)
    return np.stack([640 + u * HEIGHT, 650 - points[:, 1] * HEIGHT], axis=-1)


def clip(offset_deg: float, facing_right: bool = True) -> np.ndarray:
    hinges = 45 - 45 * np.cos(np.linspace(0, 4 * np.pi, 60))  # two reps, 0–90° lean
    return np.stack([project(skeleton_3d(h), offset_deg, facing_right) for h in hinges])


@pytest.mark.parametrize("offset", [0, 15, 30, 45, 60, 85])
def test_offset_is_estimated_within_a_few_degrees(offset: float) -> None:
    view = estimate_view(clip(offset))
    assert view.offset_deg == pytest.approx(offset, abs=6)
    assert view.side_view_ok == (offset < MAX_VIEW_OFFSET_DEG)


def test_wrong_view_says_what_to_do() -> None:
    view = estimate_view(clip(60))
    assert not view.side_view_ok
    assert "film from the side" in view.message


@pytest.mark.parametrize("facing_right", [True, False])
def test_facing_and_near_side(facing_right: bool) -> None:
    view = estimate_view(clip(10, facing_right))
    assert view.facing == ("right" if facing_right else "left")
    assert view.near_side == view.facing  # facing right shows the camera the right side


def test_no_trunk_seen_means_no_verdict() -> None:
    xy = clip(10)
    xy[:, 5:7] = np.nan
    view = estimate_view(xy)
    assert view.offset_deg is None and not view.side_view_ok
