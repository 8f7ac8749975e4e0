"""The pinhole camera and canvas of one street scene (:class:`_Scene`) and
its painting primitives."""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from .labels import _ALL, _CLASS_PROTOS, _PROTOS, IGNORE_INDEX


def _unit_circle(n: int) -> np.ndarray:
    """(n, 2) points on the unit circle (cached: drawn thousands of times)."""
    pts = _CIRCLES.get(n)
    if pts is None:
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        pts = _CIRCLES[n] = np.stack([np.cos(t), np.sin(t)], 1)
    return pts


_CIRCLES: Dict[int, np.ndarray] = {}


def _noise_field(rng: np.random.Generator, shape: Tuple[int, int],
                 cell: float) -> np.ndarray:
    """Smooth value noise in [0, 1] with features about ``cell`` px wide."""
    h, w = shape
    grid = rng.random((int(h / cell) + 2, int(w / cell) + 2),
                      dtype=np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


class _Scene:
    """One street scene seen by a pinhole camera, painted back to front.

    World coordinates are metres: ``X`` to the right, ``Y`` up from the
    ground, ``Z`` forward along the street. The camera sits at
    ``(0, cam_h, 0)`` looking along ``Z``; the street is straight, so all
    street-aligned lines meet at the vanishing point ``(x_vp, y_hor)``.

    Args:
        rng (np.random.Generator): Source of all randomness of the scene.
        height (int): Image height H in pixels.
        width (int): Image width W in pixels.
    """

    def __init__(self, rng: np.random.Generator, height: int, width: int):
        self.rng = rng
        self.h, self.w = height, width
        self.f = width * rng.uniform(0.9, 1.1)
        self.cam_h = rng.uniform(1.35, 1.65)
        self.y_hor = height * rng.uniform(0.37, 0.46)
        self.x_vp = width * (0.5 + rng.uniform(-0.07, 0.07))
        # (H, W, 3) float RGB canvas and (H, W) train-id canvas.
        self.img = np.zeros((height, width, 3), np.float32)
        self.lab = np.full((height, width), IGNORE_INDEX, np.uint8)
        # Pixels already taken by a facade plane; planes are drawn near to
        # far, so hidden parts of farther planes are never textured.
        self.covered = np.zeros((height, width), bool)
        self.xs = np.arange(width, dtype=np.float32) + 0.5
        self.ys = np.arange(height, dtype=np.float32) + 0.5
        self.fine = rng.random((height, width), dtype=np.float32)
        self.mid = _noise_field(rng, (height, width), 5.0)
        self.coarse = _noise_field(rng, (height, width), 28.0)

    # ----------------------------------------------------------- colours
    def colour(self,
               cls: Optional[int] = None,
               avoid: Sequence[np.ndarray] = (),
               min_dist: float = 45.0) -> np.ndarray:
        """Sample an RGB colour (3,) from the shared prototypes of ``cls``.

        The first of 8 candidates that is at least ``min_dist`` away from
        every colour in ``avoid`` is taken (else the farthest one), so that
        neighbouring regions usually differ.
        """
        protos = _ALL if cls is None else _CLASS_PROTOS[cls]
        rng = self.rng
        n = 8 if len(avoid) else 1
        base = _PROTOS[np.asarray(protos)[rng.integers(len(protos), size=n)]]
        cand = base * rng.uniform(0.8, 1.18, (n, 1)) + rng.normal(
            0, 12, (n, 3))
        cand = np.clip(cand, 8, 247).astype(np.float32)
        if n == 1:
            return cand[0]
        dist = np.min(np.linalg.norm(
            cand[:, None] - np.asarray(avoid, np.float32)[None], axis=2),
                      axis=1)
        ok = np.nonzero(dist >= min_dist)[0]
        return cand[ok[0] if ok.size else int(np.argmax(dist))]

    def shade(self, c: np.ndarray, k: float) -> np.ndarray:
        """Scale a colour's brightness, clipped to the 8-bit range."""
        return np.clip(c * k, 0, 255).astype(np.float32)

    # -------------------------------------------------------- projection
    def proj(self, x, y, z):
        """Project world points; returns pixel ``(x, y)`` arrays."""
        s = self.f / np.asarray(z, np.float64)
        return (self.x_vp + np.asarray(x) * s,
                self.y_hor + (self.cam_h - np.asarray(y)) * s)

    def min_visible_z(self, x: float, margin_px: float = 0.0) -> float:
        """Smallest depth at which lateral position ``x`` is in the image."""
        room = (self.x_vp if x < 0 else self.w - self.x_vp) + margin_px
        return self.f * abs(x) / max(room, 1.0)

    # ------------------------------------------------------------ drawing
    def fill(self, pts, colour, cls: Optional[int]):
        """Fill a polygon given as (N, 2) pixel coordinates.

        The polygon is painted into the image and, unless ``cls`` is None,
        into the label map, so image and labels always agree.
        """
        # 3 fractional bits (shift=3) keep small, far objects accurate.
        p = np.asarray(pts, np.float64) * 8.0
        p = [np.minimum(np.maximum(p, -1e7), 1e7).round().astype(np.int32)]
        cv2.fillPoly(self.img, p, np.asarray(colour, np.float64).tolist(),
                     cv2.LINE_8, 3)
        if cls is not None:
            cv2.fillPoly(self.lab, p, int(cls), cv2.LINE_8, 3)

    def side_poly(self, x: float, zy, colour, cls):
        """Fill a polygon lying in the street-parallel plane ``X = x``.

        Args:
            zy: (N, 2) sequence of ``(Z, Y)`` world points.
        """
        zy = np.asarray(zy, np.float64)
        px, py = self.proj(x, zy[:, 1], zy[:, 0])
        self.fill(np.stack([px, py], 1), colour, cls)

    def side_disc(self, x, zc, yc, r, colour, cls, n=18):
        """Fill a circle (e.g. a wheel) lying in the plane ``X = x``."""
        self.side_poly(x, _unit_circle(n) * r + (zc, yc), colour, cls)

    def front_poly(self, z: float, xy, colour, cls):
        """Fill a polygon lying in the camera-facing plane ``Z = z``."""
        xy = np.asarray(xy, np.float64)
        px, py = self.proj(xy[:, 0], xy[:, 1], z)
        self.fill(np.stack([px, py], 1), colour, cls)

    def front_rect(self, z, x0, y0, x1, y1, colour, cls):
        """Fill the rectangle ``[x0, x1] x [y0, y1]`` in ``Z = z``."""
        self.front_poly(z, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], colour,
                        cls)

    def front_ellipse(self, z, xc, yc, rx, ry, colour, cls, n=18):
        """Fill an axis-aligned ellipse in ``Z = z``."""
        self.front_poly(z, _unit_circle(n) * (rx, ry) + (xc, yc), colour,
                        cls)

    def front_bar(self, z, x0, y0, x1, y1, width, colour, cls):
        """Fill a thick segment (a bar of ``width`` metres) in ``Z = z``."""
        d = np.array([x1 - x0, y1 - y0], np.float64)
        n = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-6) * width / 2
        self.front_poly(z, [(x0 + n[0], y0 + n[1]), (x1 + n[0], y1 + n[1]),
                            (x1 - n[0], y1 - n[1]), (x0 - n[0], y0 - n[1])],
                        colour, cls)

    def ground_shadow(self, x0, x1, z0, z1, k=0.45):
        """Darken a ground rectangle (image only) under an object."""
        px, py = self.proj(np.array([x0, x1, x1, x0]), 0.0,
                           np.array([z0, z0, z1, z1]))
        c = self.img[int(np.clip(py.mean(), 0, self.h - 1)),
                     int(np.clip(px.mean(), 0, self.w - 1))]
        self.fill(np.stack([px, py], 1), self.shade(c, k), None)
