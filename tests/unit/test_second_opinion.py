"""A second model's legs averaged into the track (pose.track.with_second_opinion): half
way, left and right matched first, nothing invented where either model saw nothing."""

from __future__ import annotations

import numpy as np
from hingecheck.analysis.view import ViewEstimate
from hingecheck.pose.track import PoseTrack, with_second_opinion

N = 12


def _track(xy: np.ndarray) -> PoseTrack:
    n = xy.shape[0]
    return PoseTrack(
        times_s=np.arange(n) / 15.0, frame_indices=np.arange(n), xy=xy, raw_xy=xy.copy(),
        conf=np.ones((n, 17)), observed=np.ones((n, 17), bool),
        interpolated=np.zeros((n, 17), bool), boxes=np.zeros((n, 4)), track_id=1,
        selection_reason="only one", candidates=[],
        view=ViewEstimate(0.0, "right", True, "side view"), frame_width=640, frame_height=360)


def _body() -> np.ndarray:
    xy = np.zeros((N, 17, 2))
    xy[:, :, 0] = np.arange(17) * 10.0  # every joint somewhere of its own
    xy[:, :, 1] = 100.0
    xy[:, 12, 0] += 40.0  # the right hip, knee and ankle stand apart from the left ones
    xy[:, 14, 0] += 40.0
    xy[:, 16, 0] += 40.0
    return xy


def _landmarks(xy: np.ndarray, shift: float, visibility: float = 0.9) -> np.ndarray:
    return np.concatenate([xy + shift, np.full((*xy.shape[:2], 1), visibility)], axis=2)


def test_the_legs_move_half_way_and_the_rest_stays() -> None:
    xy = _body()
    moved = with_second_opinion(_track(xy), _landmarks(xy, 6.0), max_gap_s=0.3,
                                smooth_window_s=0.27).xy
    np.testing.assert_allclose(moved[:, 11:17], xy[:, 11:17] + 3.0, atol=1e-6)
    np.testing.assert_array_equal(moved[:, :11], xy[:, :11])  # arms, head: its own


def test_left_and_right_named_the_other_way_round_are_matched_first() -> None:
    xy = _body()
    other = _landmarks(xy, 2.0)
    other[:, [11, 12, 13, 14, 15, 16]] = other[:, [12, 11, 14, 13, 16, 15]]
    moved = with_second_opinion(_track(xy), other, max_gap_s=0.3, smooth_window_s=0.27).xy
    np.testing.assert_allclose(moved[:, 11:17], xy[:, 11:17] + 1.0, atol=1e-6)


def test_nothing_is_invented_where_either_model_saw_nothing() -> None:
    xy = _body()
    xy[3, 13] = np.nan  # the track lost the left knee in one frame
    other = _landmarks(_body(), 4.0, visibility=0.1)  # the other model is unsure throughout
    moved = with_second_opinion(_track(xy), other, max_gap_s=0.3, smooth_window_s=0.27).xy
    np.testing.assert_array_equal(moved, xy)
