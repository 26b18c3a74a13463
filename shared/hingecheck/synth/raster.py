"""A small depth-buffered renderer for the generated figure: lit ellipsoids and tubes.

The camera is orthographic (``draw.Camera``). Every shape is intersected with the pixel
rays of its own bounding box and kept where it is nearer the camera than what is already
there, so the body is seen in true depth: turned toward the camera it shows both
shoulders and a chest as wide as it is, the far arm passes behind the trunk, the near
knee covers the far one. A matte surface lit from one side: ambient light plus Lambert
shading, darkening toward the silhouette as a limb turns away from the camera.

Coordinates: body heights in the body frame of ``synth.body`` (x forward, y up, z to the
lifter's left); ``Camera.rotation()`` turns them into image right, up, toward the camera.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Color = Sequence[float]

# The default light, in camera space (image right, up, toward the camera): from the upper
# left and in front. Generated clips draw theirs with ``random_light``.
LIGHT = np.array([-0.45, 0.6, 0.65]) / np.linalg.norm([-0.45, 0.6, 0.65])
AMBIENT = 0.38
# Surfaces turned away from the camera darken by up to this share (the silhouette's edge),
# as the flat drawing's outlines did. At 0.25 the lit top of a hinged back matched a light
# wall, and the demo clip's back outline was lost (3 of its 5 reps misread); at 0.45 it
# reads right, and bench/figure.py's figures stay within a degree (docs/synth.md).
EDGE_DARKENING = 0.45
BRIGHTNESS = 1.08


def random_light(rng: np.random.Generator) -> FloatArray:
    """A light 30–65° above the horizon, from anywhere between 60° to the image's left and
    60° to its right of the camera: a lamp overhead, a window to either side."""
    azimuth = np.radians(rng.uniform(-60.0, 60.0))
    elevation = np.radians(rng.uniform(30.0, 65.0))
    return np.array([np.cos(elevation) * np.sin(azimuth), np.sin(elevation),
                     np.cos(elevation) * np.cos(azimuth)])


def _along(values: FloatArray, seg: NDArray[np.int64], frac: FloatArray) -> FloatArray:
    """Per-point ``values`` (n, ...) interpolated at fraction ``frac`` of segment ``seg``
    (the segment from point ``seg`` to point ``seg + 1``)."""
    lo, hi = values[seg], values[seg + 1]
    return np.asarray(lo + (hi - lo) * frac.reshape(frac.shape + (1,) * (lo.ndim - frac.ndim)))


class Canvas:
    """An image and its depth buffer; shapes are drawn in any order."""

    def __init__(self, img: NDArray[np.uint8], rotation: FloatArray, scale_px: float,
                 center_x: float, floor_y: float, light: FloatArray = LIGHT) -> None:
        self.img = img
        self.light = light
        self.height, self.width = int(img.shape[0]), int(img.shape[1])
        self.rot = rotation
        self.scale = scale_px
        self.cx, self.fy = center_x, floor_y
        self.depth = np.full(img.shape[:2], -np.inf)

    def _grid(self, lo: FloatArray, hi: FloatArray) -> tuple[
            tuple[int, int, int, int], FloatArray, FloatArray] | None:
        """Pixel rays over a camera-space box: (x0, x1, y0, y1) and their (u, v)."""
        h, w = self.height, self.width
        x0 = max(int(np.floor(self.cx + lo[0] * self.scale)) - 1, 0)
        x1 = min(int(np.ceil(self.cx + hi[0] * self.scale)) + 2, w)
        y0 = max(int(np.floor(self.fy - hi[1] * self.scale)) - 1, 0)
        y1 = min(int(np.ceil(self.fy - lo[1] * self.scale)) + 2, h)
        if x0 >= x1 or y0 >= y1:
            return None
        u = (np.arange(x0, x1) + 0.5 - self.cx) / self.scale
        v = (self.fy - (np.arange(y0, y1) + 0.5)) / self.scale
        uu, vv = np.meshgrid(u, v)
        return (x0, x1, y0, y1), uu, vv

    def _paint(self, box: tuple[int, int, int, int], pixels: tuple[NDArray[np.int64], ...],
               t: FloatArray, normal: FloatArray, colors: FloatArray, dim: float) -> None:
        """Keep the hits nearer than the depth buffer. ``pixels``: (rows, columns) in the
        box; ``t``, ``normal`` (3, n, unit) and ``colors`` ((n, 3) or (3,)) per hit."""
        ys, xs = pixels[0] + box[2], pixels[1] + box[0]
        win = t > self.depth[ys, xs]
        if not win.any():
            return
        n = normal[:, win]
        lambert = np.clip(self.light @ n, 0.0, 1.0)
        facing = np.clip(n[2], 0.0, 1.0)
        shade = (AMBIENT + (1 - AMBIENT) * lambert) * (1 - EDGE_DARKENING * (1 - facing))
        rgb = colors[win] if colors.ndim == 2 else colors[None, :]
        self.img[ys[win], xs[win]] = np.clip(rgb * (shade * dim * BRIGHTNESS)[:, None],
                                             0, 255).astype(np.uint8)
        self.depth[ys[win], xs[win]] = t[win]

    def ellipsoid(self, centre: FloatArray, axes: FloatArray, radii: Sequence[float],
                  color: Color, dim: float = 1.0) -> None:
        """An ellipsoid: ``axes`` (3, 3) unit vectors (rows, body frame), ``radii`` along them."""
        c = self.rot @ centre
        a = axes @ self.rot.T                     # the axes in camera space (rows)
        r = np.asarray(radii, dtype=float)
        extent = np.sqrt(((r[:, None] * a) ** 2).sum(axis=0))
        grid = self._grid(c - extent, c + extent)
        if grid is None:
            return
        box, uu, vv = grid
        m = a / r[:, None]                         # q = m (p − c) is on the unit sphere
        # Along the ray p = (u, v, t): q = q0 + t · m[:, 2].
        q0 = (m[:, 0, None, None] * (uu - c[0]) + m[:, 1, None, None] * (vv - c[1])
              - m[:, 2, None, None] * c[2])
        qd = m[:, 2]
        aa = float(qd @ qd)
        bb = np.tensordot(qd, q0, axes=1)
        disc = bb * bb - aa * ((q0 ** 2).sum(axis=0) - 1.0)
        pixels = np.nonzero(disc > 0)
        if not pixels[0].size:
            return
        q0h = q0[:, pixels[0], pixels[1]]
        t = (-bb[pixels] + np.sqrt(disc[pixels])) / aa   # the surface facing the camera
        normal = m.T @ (q0h + qd[:, None] * t)
        normal /= np.maximum(np.linalg.norm(normal, axis=0), 1e-12)
        self._paint(box, pixels, t, normal, np.asarray(color, dtype=float), dim)

    def sphere(self, centre: FloatArray, radius: float, color: Color, dim: float = 1.0) -> None:
        self.ellipsoid(centre, np.eye(3), (radius, radius, radius), color, dim)

    def _nearest_on_path(self, path: FloatArray, uu: FloatArray, vv: FloatArray) -> tuple[
            FloatArray, NDArray[np.int64], FloatArray]:
        """Per pixel: squared image distance to the projected path, its segment and the
        fraction along it."""
        best = np.full(uu.shape, np.inf)
        seg = np.zeros(uu.shape, dtype=np.int64)
        frac = np.zeros(uu.shape)
        for k in range(len(path) - 1):
            a, e = path[k, :2], path[k + 1, :2] - path[k, :2]
            ee = float(e @ e)
            f = (np.zeros(uu.shape) if ee < 1e-12 else
                 np.clip(((uu - a[0]) * e[0] + (vv - a[1]) * e[1]) / ee, 0.0, 1.0))
            d2 = (uu - a[0] - f * e[0]) ** 2 + (vv - a[1] - f * e[1]) ** 2
            closer = d2 < best
            best[closer], seg[closer], frac[closer] = d2[closer], k, f[closer]
        return best, seg, frac

    def tube(self, points: FloatArray, radii: Sequence[float] | FloatArray, color: Color,
             dim: float = 1.0) -> None:
        """A round tube through ``points`` (n, 3), its radius varying linearly between
        ``radii``, with rounded ends: each pixel sees the sphere around the nearest point
        of the tube's axis in the image."""
        path = np.asarray(points, dtype=float) @ self.rot.T
        r = np.asarray(radii, dtype=float)
        grid = self._grid(path.min(axis=0) - r.max(), path.max(axis=0) + r.max())
        if grid is None:
            return
        box, uu, vv = grid
        d2, seg, frac = self._nearest_on_path(path, uu, vv)
        rad = _along(r, seg, frac)
        pixels = np.nonzero(d2 < rad * rad)
        if not pixels[0].size:
            return
        s, f, rad = seg[pixels], frac[pixels], rad[pixels]
        c = _along(path, s, f)
        lift = np.sqrt(rad * rad - d2[pixels])
        normal = np.stack([uu[pixels] - c[:, 0], vv[pixels] - c[:, 1], lift]) / rad
        self._paint(box, pixels, c[:, 2] + lift, normal, np.asarray(color, dtype=float), dim)

    def trunk_tube(self, points: FloatArray, r_sagittal: FloatArray, r_lateral: FloatArray,
                   forward: FloatArray, colors: FloatArray) -> None:
        """A tube through ``points`` (n, 3) whose section is an ellipse: ``r_sagittal``
        along ``forward`` (n, 3, unit, in the sagittal plane) and ``r_lateral`` across the
        body; its ends are open (close them with ellipsoids). ``colors`` (n, 3)."""
        path = np.asarray(points, dtype=float) @ self.rot.T
        reach = float(max(r_sagittal.max(), r_lateral.max()))
        grid = self._grid(path.min(axis=0) - reach, path.max(axis=0) + reach)
        if grid is None:
            return
        box, uu, vv = grid
        d2, seg, frac = self._nearest_on_path(path, uu, vv)
        last = len(path) - 2
        beyond = ((seg == 0) & (frac <= 0.0)) | ((seg == last) & (frac >= 1.0))
        rs, rl = _along(r_sagittal, seg, frac), _along(r_lateral, seg, frac)
        pixels = np.nonzero((d2 <= np.maximum(rs, rl) ** 2) & ~beyond)
        if not pixels[0].size:
            return
        s, f, rs, rl = seg[pixels], frac[pixels], rs[pixels], rl[pixels]
        c = _along(path, s, f)
        fw = _along(forward @ self.rot.T, s, f)
        fw /= np.maximum(np.linalg.norm(fw, axis=1, keepdims=True), 1e-12)
        side = self.rot @ np.array([0.0, 0.0, 1.0])
        # Along the ray p = (u, v, t): section coordinates q_i = a_i + b_i t.
        o = np.stack([uu[pixels] - c[:, 0], vv[pixels] - c[:, 1], -c[:, 2]], axis=1)
        a1, b1 = (o * fw).sum(axis=1) / rs, fw[:, 2] / rs
        a2, b2 = (o @ side) / rl, side[2] / rl
        aa = b1 * b1 + b2 * b2
        bb = a1 * b1 + a2 * b2
        disc = bb * bb - aa * (a1 * a1 + a2 * a2 - 1.0)
        ok = disc > 0
        if not ok.any():
            return
        t = (-bb[ok] + np.sqrt(disc[ok])) / np.maximum(aa[ok], 1e-12)
        q1, q2 = a1[ok] + b1[ok] * t, a2[ok] + b2[ok] * t
        normal = (fw[ok] * (q1 / rs[ok])[:, None] + side * (q2 / rl[ok])[:, None]).T
        normal /= np.maximum(np.linalg.norm(normal, axis=0), 1e-12)
        nearest = np.clip(np.round(s[ok] + f[ok]).astype(np.int64), 0, len(colors) - 1)
        self._paint(box, (pixels[0][ok], pixels[1][ok]), t, normal,
                    np.asarray(colors, dtype=float)[nearest], 1.0)
