"""Gap filling and smoothing on arrays with known answers."""

import numpy as np
import pytest
from hingecheck.pose.smoothing import clean_track, fill_short_gaps, savgol_smooth
from scipy.signal import savgol_filter


def _track(values: np.ndarray) -> np.ndarray:
    """(n,) → (n, 1, 2) with y = 2x."""
    return np.stack([values, 2 * values], axis=-1)[:, None, :]


def test_short_gap_is_filled_linearly_in_time() -> None:
    times = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    xy = _track(np.array([0.0, 99.0, 99.0, 3.0, 4.0]))
    valid = np.array([[True], [False], [False], [True], [True]])
    filled, interpolated = fill_short_gaps(xy, valid, times, max_gap_s=0.35)
    np.testing.assert_allclose(filled[:, 0, 0], [0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(filled[:, 0, 1], [0.0, 2.0, 4.0, 6.0, 8.0])
    assert interpolated[:, 0].tolist() == [False, True, True, False, False]


def test_uneven_times_weight_the_interpolation() -> None:
    times = np.array([0.0, 0.3, 0.4])
    xy = _track(np.array([0.0, 99.0, 4.0]))
    valid = np.array([[True], [False], [True]])
    filled, _ = fill_short_gaps(xy, valid, times, max_gap_s=1.0)
    assert filled[1, 0, 0] == pytest.approx(3.0)


def test_long_gap_and_edges_stay_missing() -> None:
    times = np.arange(10) * 0.1
    values = np.arange(10, dtype=float)
    valid = np.ones((10, 1), bool)
    valid[0] = valid[3:8] = valid[9] = False  # edge, a 0.6 s gap, edge
    filled, interpolated = fill_short_gaps(_track(values), valid, times, max_gap_s=0.35)
    assert np.isnan(filled[[0, 3, 4, 5, 6, 7, 9], 0, 0]).all()
    assert not interpolated.any()


def test_savgol_matches_scipy_on_even_times() -> None:
    rng = np.random.default_rng(1)
    times = np.arange(60) / 15.0
    signal = np.sin(times * 2) * 50 + rng.normal(0, 3, times.size)
    ours = savgol_smooth(_track(signal), times, window_s=7 / 15.0 - 1e-6)[:, 0, 0]
    theirs = savgol_filter(signal, window_length=7, polyorder=2)
    # Interior points: the same local quadratic fit. (scipy treats the edges differently.)
    np.testing.assert_allclose(ours[3:-3], theirs[3:-3], atol=1e-9)


def test_savgol_keeps_a_quadratic_exactly_and_reduces_noise() -> None:
    rng = np.random.default_rng(2)
    times = np.sort(rng.uniform(0, 4, 80))  # uneven, like a variable frame rate clip
    truth = 30 - 8 * (times - 2) ** 2  # a rep's bottom is a turning point
    exact = savgol_smooth(_track(truth), times, window_s=0.4)[:, 0, 0]
    np.testing.assert_allclose(exact, truth, atol=1e-6)
    noisy = truth + rng.normal(0, 2.0, times.size)
    smoothed = savgol_smooth(_track(noisy), times, window_s=0.4)[:, 0, 0]
    assert np.mean(np.abs(smoothed - truth)) < 0.75 * np.mean(np.abs(noisy - truth))


def test_clean_track_never_invents_points() -> None:
    times = np.arange(30) / 15.0
    xy = _track(np.linspace(0, 29, 30))
    conf = np.full((30, 1), 0.9)
    conf[10:20] = 0.1  # 0.73 s of weak points: longer than the 0.35 s bridge
    out, observed, interpolated = clean_track(xy, conf, times, min_conf=0.3, max_gap_s=0.35,
                                              window_s=0.4)
    assert np.isnan(out[10:20, 0, 0]).all()
    assert not observed[10:20].any() and not interpolated.any()
    np.testing.assert_allclose(out[:10, 0, 0], np.arange(10), atol=1e-6)
