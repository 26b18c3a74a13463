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

# The light, in camera space (image right, up, toward the camera): from the upper left
# and in front, as the drawn figure's highlights were.
LIGHT = np.array([-0.45, 0.6, 0.65]) / np.linalg.norm([-0.45, 0.6, 0.65])
AMBIENT = 0.38
# Surfaces turned away from the camera darken by up to this share (the silhouette's edge).
EDGE_DARKENING = 0.25
BRIGHTNESS = 1.08


class Canvas:
    """An image and its depth buffer; shapes are drawn in any order."""

    def __init__(self, img: NDArray[np.uint8], rotation: FloatArray, scale_px: float,
                 center_x: float, floor_y: float) -> None:
        self.img = img
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

    def _paint(self, box: tuple[int, int, int, int], hit: NDArray[np.bool_], t: FloatArray,
               normal: FloatArray, colors: FloatArray, dim: float) -> None:
        """Keep the hits nearer than the depth buffer; ``normal`` is (3, h, w), unit."""
        x0, x1, y0, y1 = box
        buffer = self.depth[y0:y1, x0:x1]
        win = hit & (t > buffer)
        if not win.any():
            return
        lambert = np.clip(np.tensordot(LIGHT, normal, axes=1), 0.0, 1.0)
        facing = np.clip(normal[2], 0.0, 1.0)
        shade = (AMBIENT + (1 - AMBIENT) * lambert) * (1 - EDGE_DARKENING * (1 - facing))
        rgb = np.clip(colors * (shade * dim * BRIGHTNESS)[..., None], 0, 255)
        self.img[y0:y1, x0:x1][win] = rgb[win].astype(np.uint8)
        buffer[win] = t[win]

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
        cc = (q0 ** 2).sum(axis=0) - 1.0
        disc = bb * bb - aa * cc
        hit = disc > 0
        t = (-bb + np.sqrt(np.where(hit, disc, 0.0))) / aa   # the surface facing the camera
        q = q0 + qd[:, None, None] * t
        normal = np.tensordot(m.T, q, axes=1)
        normal /= np.maximum(np.linalg.norm(normal, axis=0), 1e-12)
        self._paint(box, hit, t, normal, np.asarray(color, dtype=float), dim)

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
        c = path[seg] + (path[seg + 1] - path[seg]) * frac[..., None]
        rad = r[seg] + (r[seg + 1] - r[seg]) * frac
        hit = d2 < rad * rad
        lift = np.sqrt(np.where(hit, rad * rad - d2, 0.0))
        normal = np.stack([uu - c[..., 0], vv - c[..., 1], lift]) / np.maximum(rad, 1e-12)
        self._paint(box, hit, c[..., 2] + lift, normal, np.asarray(color, dtype=float), dim)

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
        c = path[seg] + (path[seg + 1] - path[seg]) * frac[..., None]
        rs = r_sagittal[seg] + (r_sagittal[seg + 1] - r_sagittal[seg]) * frac
        rl = r_lateral[seg] + (r_lateral[seg + 1] - r_lateral[seg]) * frac
        fwd_cam = forward @ self.rot.T
        fw = fwd_cam[seg] + (fwd_cam[seg + 1] - fwd_cam[seg]) * frac[..., None]
        fw /= np.maximum(np.linalg.norm(fw, axis=-1, keepdims=True), 1e-12)
        side = self.rot @ np.array([0.0, 0.0, 1.0])
        # Along the ray p = (u, v, t): section coordinates q_i = a_i + b_i t.
        o = np.stack([uu - c[..., 0], vv - c[..., 1], -c[..., 2]], axis=-1)
        a1, b1 = (o * fw).sum(axis=-1) / rs, fw[..., 2] / rs
        a2, b2 = (o @ side) / rl, side[2] / rl
        aa = b1 * b1 + b2 * b2
        bb = a1 * b1 + a2 * b2
        disc = bb * bb - aa * (a1 * a1 + a2 * a2 - 1.0)
        last = len(path) - 2
        beyond = ((seg == 0) & (frac <= 0.0)) | ((seg == last) & (frac >= 1.0))
        hit = (disc > 0) & (d2 <= np.maximum(rs, rl) ** 2) & ~beyond
        t = (-bb + np.sqrt(np.where(hit, disc, 0.0))) / np.maximum(aa, 1e-12)
        q1, q2 = a1 + b1 * t, a2 + b2 * t
        normal = fw * (q1 / rs)[..., None] + side * (q2 / rl)[..., None]
        normal = np.moveaxis(normal, -1, 0)
        normal /= np.maximum(np.linalg.norm(normal, axis=0), 1e-12)
        nearest = np.clip(np.round(seg + frac).astype(np.int64), 0, len(colors) - 1)
        self._paint(box, hit, t, normal, np.asarray(colors, dtype=float)[nearest], 1.0)
