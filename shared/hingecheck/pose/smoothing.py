"""Clean a keypoint track: drop weak points, fill short gaps, smooth in time.

Why Savitzky–Golay and not a One Euro filter: hingecheck analyses a finished clip, so it can
look both ways in time. A local quadratic fit over a short window is zero-phase (the bottom
of a rep stays at the right time) and keeps turning points (a peak hip angle is not shaved
off the way a low-pass or lagging causal filter shaves it). One Euro is built for live
cursors, where lag is the price of causality; we do not need to pay it.

Timestamps may be uneven (variable frame rate), so the fit uses each frame's real time;
with even times it is exactly ``scipy.signal.savgol_filter``.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np


def valid_mask(conf: np.ndarray, min_conf: float) -> np.ndarray:
    """Points the model is sure enough of; NaN confidences count as missing."""
    return np.asarray(np.nan_to_num(conf, nan=0.0) >= min_conf)


def fill_short_gaps(
    xy: np.ndarray, valid: np.ndarray, times: np.ndarray, max_gap_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolate missing stretches no longer than ``max_gap_s``.

    Args:
        xy: (n, k, 2) positions; values where ``valid`` is False are ignored.
        valid: (n, k) which positions are real.
        times: (n,) seconds, increasing.
        max_gap_s: the longest gap (time between the real points either side) to bridge.

    Returns:
        (filled xy with NaN where still missing, interpolated mask (n, k)).
        Gaps at the start or end, and longer gaps, stay missing: nothing is invented.
    """
    n, k = valid.shape
    out = np.where(valid[..., None], xy, np.nan)
    interpolated = np.zeros((n, k), dtype=bool)
    for j in range(k):
        idx = np.flatnonzero(valid[:, j])
        if idx.size < 2:
            continue
        for a, b in pairwise(idx):
            if b - a < 2 or times[b] - times[a] > max_gap_s:
                continue
            w = (times[a + 1 : b] - times[a]) / (times[b] - times[a])
            out[a + 1 : b, j] = (1 - w)[:, None] * out[a, j] + w[:, None] * out[b, j]
            interpolated[a + 1 : b, j] = True
    return out, interpolated


def savgol_smooth(
    xy: np.ndarray, times: np.ndarray, window_s: float, polyorder: int = 2
) -> np.ndarray:
    """Savitzky–Golay smoothing on real timestamps; NaN points stay NaN and are not used.

    For each frame, a polynomial of ``polyorder`` is fitted by least squares to the points
    within ``window_s / 2`` seconds either side, and its value at that frame is taken.
    Where fewer than ``polyorder + 2`` points are in reach, the raw value is kept.
    """
    n = xy.shape[0]
    out = xy.copy()
    present = ~np.isnan(xy[..., 0])
    values = np.nan_to_num(xy)
    half = window_s / 2.0
    lo = np.searchsorted(times, times - half - 1e-9, side="left")
    hi = np.searchsorted(times, times + half + 1e-9, side="right")
    powers = np.arange(polyorder + 1)
    for i in range(n):
        sl = slice(lo[i], hi[i])
        dt = times[sl] - times[i]
        design = dt[:, None] ** powers[None, :]  # (w, p)
        weight = present[sl].astype(np.float64)  # (w, k)
        counts = weight.sum(axis=0)
        usable = present[i] & (counts >= polyorder + 2)
        if not usable.any():
            continue
        normal = np.einsum("wk,wa,wb->kab", weight, design, design)  # (k, p, p)
        rhs = np.einsum("wk,wa,wkc->kac", weight, design, values[sl])  # (k, p, 2)
        normal[~usable] = np.eye(polyorder + 1)
        coef = np.linalg.solve(normal, rhs)
        out[i, usable] = coef[usable, 0, :]
    return out


def clean_track(
    xy: np.ndarray,
    conf: np.ndarray,
    times: np.ndarray,
    *,
    min_conf: float,
    max_gap_s: float,
    window_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop weak points, bridge short gaps, smooth.

    Returns (xy with NaN where missing, observed mask, interpolated mask).
    """
    valid = valid_mask(conf, min_conf)
    filled, interpolated = fill_short_gaps(xy, valid, times, max_gap_s)
    smoothed = savgol_smooth(filled, times, window_s)
    return smoothed, valid, interpolated
