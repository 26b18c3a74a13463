"""Where the person mask's crop goes: centred on the hips, the torso pointing up, the whole
body inside (pose.personmask.crop_for; no network involved)."""

from __future__ import annotations

import numpy as np
import pytest
from hingecheck.keypoints import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER
from hingecheck.pose.personmask import INPUT_SIDE, crop_for


def _body(hip: tuple[float, float], shoulder: tuple[float, float],
          ankle: tuple[float, float]) -> np.ndarray:
    xy = np.full((17, 2), np.nan)
    xy[[L_HIP, R_HIP]] = hip
    xy[[L_SHOULDER, R_SHOULDER]] = shoulder
    xy[15:17] = ankle
    return xy


def _to_crop(matrix: np.ndarray, p: tuple[float, float]) -> np.ndarray:
    return np.asarray(matrix[:, :2] @ np.asarray(p) + matrix[:, 2])


@pytest.mark.parametrize("shoulder", [(400.0, 100.0), (600.0, 250.0), (200.0, 260.0)])
def test_hips_at_the_centre_and_the_torso_up(shoulder: tuple[float, float]) -> None:
    """Standing, hinged facing right, hinged facing left: in every case the crop turns the
    hips→shoulders line to point straight up."""
    hip = (400.0, 300.0)
    crop = crop_for(_body(hip, shoulder, (400.0, 600.0)))
    assert crop is not None
    centre = _to_crop(crop.matrix, hip)
    assert np.allclose(centre, INPUT_SIDE / 2)
    up = _to_crop(crop.matrix, shoulder) - centre
    assert abs(up[0]) < 1e-6 and up[1] < 0


def test_the_whole_body_fits_with_a_margin() -> None:
    xy = _body((400.0, 300.0), (400.0, 100.0), (400.0, 620.0))
    crop = crop_for(xy)
    assert crop is not None
    seen = xy[~np.isnan(xy).any(axis=1)]
    inside = np.array([_to_crop(crop.matrix, tuple(p)) for p in seen])
    assert (inside > 0.1 * INPUT_SIDE).all() and (inside < 0.9 * INPUT_SIDE).all()


def test_no_crop_without_hips_or_shoulders() -> None:
    xy = _body((400.0, 300.0), (400.0, 100.0), (400.0, 600.0))
    xy[[L_HIP, R_HIP]] = np.nan
    assert crop_for(xy) is None
    assert crop_for(_body((400.0, 300.0), (400.0, 300.5), (400.0, 600.0))) is None
