"""Synthetic street scenes written in the Cityscapes directory format.

The generator renders perspective street scenes (road, sidewalks, facades,
vegetation, vehicles, people, poles with lights and signs) with the 19
Cityscapes training classes, so that segmentation configs written for
Cityscapes run unchanged on a small, fast, freely redistributable dataset.

Design goals:

* **Not solvable from colour alone.** Every region draws its colour from a
  small set of shared colour prototypes (the palettes of different classes
  overlap heavily), and images get textures, cast shadows, lighting
  gradients, global colour casts and sensor noise. A per-pixel colour
  classifier therefore does poorly; a network has to use shape and context.
* **Learnable by a tiny network.** The scene layout follows one consistent
  pinhole camera model (sky above the horizon, road trapezoid at the bottom,
  facades converging to the vanishing point) and every class has a
  consistent, distinctive shape. Thin or rare classes (poles, lights, signs,
  riders, trains) are drawn somewhat larger and far more often than in the
  real dataset, so that each appears in most images at a usable size.
* **Deterministic.** Image ``i`` of a split is rendered from its own seed
  derived from ``(seed, split, i)``, so the same arguments give
  byte-identical files, and train and val never share a random stream.

Layout written under ``root`` (``{name}`` is ``{city}_{seq:06d}_000019``)::

    leftImg8bit/{train,val}/{city}/{name}_leftImg8bit.png       RGB
    gtFine/{train,val}/{city}/{name}_gtFine_labelTrainIds.png   0..18, 255
    gtFine/{train,val}/{city}/{name}_gtFine_labelIds.png        official ids
    synthetic_cityscapes.json                                   summary

The summary file is written last and doubles as the completion marker; a
run in progress is flagged by ``.synthetic_cityscapes.incomplete``.
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
import re
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

from ..utils.fileio import atomic_write_text

__all__ = [
    'CLASSES', 'LABEL_IDS', 'PALETTE', 'IGNORE_INDEX', 'DEFAULT_SIZE',
    'DEFAULT_NUM_TRAIN', 'DEFAULT_NUM_VAL', 'DEFAULT_TRAIN_CITIES',
    'DEFAULT_VAL_CITIES', 'SUMMARY_FILE', 'INCOMPLETE_FILE',
    'train_ids_to_label_ids', 'render_scene', 'generate_synthetic_cityscapes',
    'is_complete', 'is_current', 'load_summary', 'regenerate'
]

#: The 19 Cityscapes training classes, indexed by train id.
CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
           'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
           'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
           'bicycle')
#: Official Cityscapes label id of each train id (``labelIds`` files).
LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31,
             32, 33)
#: Cityscapes visualisation colours (RGB) of the train ids.
PALETTE = ((128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156),
           (190, 153, 153), (153, 153, 153), (250, 170, 30), (220, 220, 0),
           (107, 142, 35), (152, 251, 152), (70, 130, 180), (220, 20, 60),
           (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100),
           (0, 80, 100), (0, 0, 230), (119, 11, 32))
#: Train id of pixels excluded from training and evaluation.
IGNORE_INDEX = 255

#: Default image size ``(height, width)``: Cityscapes' 1:2 aspect at 1/4.
DEFAULT_SIZE = (256, 512)
DEFAULT_NUM_TRAIN = 300
DEFAULT_NUM_VAL = 50
DEFAULT_TRAIN_CITIES = ('aachen', 'bremen', 'hamburg', 'jena', 'zurich')
DEFAULT_VAL_CITIES = ('frankfurt', 'lindau', 'munster')

SUMMARY_FILE = 'synthetic_cityscapes.json'
INCOMPLETE_FILE = '.synthetic_cityscapes.incomplete'
IMG_SUFFIX = '_leftImg8bit.png'
TRAIN_ID_SUFFIX = '_gtFine_labelTrainIds.png'
LABEL_ID_SUFFIX = '_gtFine_labelIds.png'
#: Bumped whenever the rendering changes, so stale datasets are detectable.
GENERATOR_VERSION = 2

_SPLIT_CODES = {'train': 0, 'val': 1}
_CITY_RE = re.compile(r'^[a-z][a-z0-9-]*$')
_OWN_ENTRIES = ('leftImg8bit', 'gtFine', SUMMARY_FILE, SUMMARY_FILE + '.tmp',
                INCOMPLETE_FILE)

(_ROAD, _SIDEWALK, _BUILDING, _WALL, _FENCE, _POLE, _LIGHT, _SIGN, _VEG,
 _TERRAIN, _SKY, _PERSON, _RIDER, _CAR, _TRUCK, _BUS, _TRAIN, _MOTO,
 _BIKE) = range(19)

# Shared colour prototypes (RGB). Each class samples its colours from a
# subset of these, and the subsets overlap, so no colour belongs to a single
# class.
_PROTOS = np.array(
    [
        (88, 88, 92),  # 0 asphalt grey
        (150, 150, 146),  # 1 concrete
        (210, 208, 200),  # 2 off-white
        (42, 42, 48),  # 3 near black
        (62, 118, 52),  # 4 green
        (118, 122, 66),  # 5 olive
        (60, 96, 168),  # 6 blue
        (150, 182, 216),  # 7 light blue
        (166, 56, 48),  # 8 red
        (196, 172, 128),  # 9 sand
        (116, 82, 58),  # 10 brown
        (206, 182, 64),  # 11 yellow
        (204, 122, 56),  # 12 orange
        (120, 84, 130),  # 13 purple
    ],
    dtype=np.float32)
_ALL = tuple(range(len(_PROTOS)))
# Every prototype serves several classes (vehicles and people use all of
# them), yet each class keeps a small palette so that colour stays a weak
# cue that speeds up learning rather than pure noise.
_CLASS_PROTOS = {
    _ROAD: (0, 3, 13),
    _SIDEWALK: (1, 9, 8),
    _BUILDING: (9, 8, 2, 12, 7, 13),
    _WALL: (1, 10, 2, 0),
    _FENCE: (3, 4, 10),
    _POLE: (3, 1, 6, 0),
    _LIGHT: (3, 11, 4),
    _SIGN: (6, 8, 11),
    _VEG: (4, 5, 12),
    _TERRAIN: (5, 10, 11),
    _SKY: (7, 2, 1),
}


def train_ids_to_label_ids(train_ids: np.ndarray) -> np.ndarray:
    """Map a train-id map to official Cityscapes label ids.

    Args:
        train_ids (np.ndarray): Integer map of shape (H, W) with values in
            ``0..18`` or :data:`IGNORE_INDEX`.

    Returns:
        np.ndarray: ``uint8`` map of shape (H, W); ignored pixels become 0
        (Cityscapes' ``unlabeled``).

    Raises:
        ValueError: If ``train_ids`` holds a value that is not a train id.
    """
    train_ids = np.asarray(train_ids)
    lut = np.zeros(256, np.uint8)
    lut[:len(LABEL_IDS)] = LABEL_IDS
    valid = (train_ids < len(CLASSES)) | (train_ids == IGNORE_INDEX)
    if not np.all(valid & (train_ids >= 0)):
        bad = np.unique(train_ids[~valid])[:5].tolist()
        raise ValueError(f'train_ids must be in 0..{len(CLASSES) - 1} or '
                         f'{IGNORE_INDEX}, got values {bad}')
    return lut[train_ids.astype(np.uint8)]


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


# ---------------------------------------------------------------- planning
def _plan_street(sc: _Scene) -> dict:
    """Draw the street cross-section: lanes, sidewalks, terrain, facades."""
    rng = sc.rng
    lane_w = rng.uniform(2.9, 3.6)
    n_lanes = int(rng.choice([2, 3, 4], p=[0.35, 0.4, 0.25]))
    cam_lane = int(rng.integers(n_lanes))
    left = -(cam_lane + rng.uniform(0.3, 0.7)) * lane_w
    st = dict(lane_w=lane_w, n_lanes=n_lanes, road_l=left,
              road_r=left + n_lanes * lane_w)
    st['lanes'] = [left + (i + 0.5) * lane_w for i in range(n_lanes)]
    st['cam_lane'] = cam_lane
    for side in ('l', 'r'):
        st['walk_' + side] = rng.uniform(2.5, 5.0)
        st['terr_' + side] = (rng.uniform(1.5, 5.0)
                              if rng.random() < 0.6 else 0.0)
        # A grass verge between the kerb and the sidewalk.
        st['verge_' + side] = (rng.uniform(1.0, 2.5)
                               if rng.random() < 0.35 else 0.0)
    # Lateral distances of the sidewalk's edges and of the facade line.
    st['walk_in_l'] = -st['road_l'] + st['verge_l']
    st['walk_in_r'] = st['road_r'] + st['verge_r']
    st['walk_out_l'] = st['walk_in_l'] + st['walk_l']
    st['walk_out_r'] = st['walk_in_r'] + st['walk_r']
    st['facade_l'] = st['walk_out_l'] + st['terr_l']
    st['facade_r'] = st['walk_out_r'] + st['terr_r']
    st['zebra'] = (rng.uniform(9, 30), rng.uniform(3, 5)) \
        if rng.random() < 0.3 else None
    st['rails'] = None
    return st


def _plan_segments(sc: _Scene, kinds, probs, z_max, lengths,
                   heights) -> List[dict]:
    """Partition a street side into facade segments along Z.

    Args:
        kinds (list[str]): Segment kinds, ``'gap'`` meaning nothing.
        probs (list[float]): Probability of each kind.
        z_max (float): Depth where the segments end.
        lengths (dict): ``kind -> (min, max)`` length along Z in metres.
        heights (dict): ``kind -> (min, max)`` height in metres.

    Returns:
        list[dict]: Segments with ``kind``, ``z0``, ``z1``, ``height`` and
        texture ``params``; gaps are left out.
    """
    rng = sc.rng
    segs, z = [], 0.0
    while z < z_max:
        kind = kinds[rng.choice(len(kinds), p=probs)]
        lo, hi = lengths[kind]
        # Far segments cover few columns: make them longer (and fewer).
        length = rng.uniform(lo, hi) * (1 + z / 50.0)
        if kind != 'gap':
            hlo, hhi = heights[kind]
            segs.append(dict(kind=kind, z0=z, z1=min(z + length, z_max),
                             height=rng.uniform(hlo, hhi),
                             params=_segment_params(sc, kind)))
        z += length
    return segs


def _segment_params(sc: _Scene, kind: str) -> dict:
    """Colours and texture parameters of one facade segment."""
    rng = sc.rng
    cls = dict(building=_BUILDING, wall=_WALL, fence=_FENCE,
               vegetation=_VEG)[kind]
    c = sc.colour(cls)
    p = dict(cls=cls, colour=c)
    if kind == 'building':
        p['win_period'] = rng.uniform(2.4, 4.0)
        p['win_frac'] = rng.uniform(0.35, 0.65)
        p['floor_h'] = rng.uniform(2.8, 3.6)
        p['win_hfrac'] = rng.uniform(0.4, 0.65)
        p['win_colour'] = (sc.shade(c, rng.uniform(0.25, 0.55))
                           if rng.random() < 0.6 else sc.colour(
                               None, avoid=[c]))
        p['band'] = rng.random() < 0.5
    elif kind == 'wall':
        p['brick'] = rng.random() < 0.6
        p['row_h'] = rng.uniform(0.18, 0.35)
        p['brick_l'] = rng.uniform(0.35, 0.9)
        p['joint'] = sc.shade(c, rng.choice([0.55, 1.35]))
        p['panel'] = rng.uniform(1.5, 3.5)
    elif kind == 'fence':
        p['mesh'] = rng.random() < 0.35
        p['period'] = rng.uniform(0.12, 0.3)
        p['duty'] = rng.uniform(0.35, 0.65)
        p['gap'] = sc.shade(c, rng.uniform(0.3, 0.55))
    else:
        p['amp'] = rng.uniform(0.1, 0.3)
        p['k1'], p['k2'] = rng.uniform(0.4, 1.2), rng.uniform(1.5, 4.0)
        p['p1'], p['p2'] = rng.uniform(0, 6.3, 2)
        p['dark'] = sc.shade(c, rng.uniform(0.35, 0.6))
    return p


# --------------------------------------------------------------- rendering
def _render_sky(sc: _Scene):
    """Sky gradient with soft clouds above the horizon."""
    rng = sc.rng
    top = sc.colour(_SKY)
    bottom = np.clip(top * rng.uniform(1.05, 1.3) + rng.normal(0, 8, 3), 0,
                     255)
    rows = int(min(sc.h, math.ceil(sc.y_hor + 1)))
    if rows <= 0:
        return
    t = np.clip(sc.ys[:rows] / max(sc.y_hor, 1.0), 0, 1)[:, None, None]
    sky = top * (1 - t) + bottom * t
    cloud_c = sc.colour(_SKY, avoid=[top], min_dist=30)
    cover = rng.uniform(0.0, 0.6)
    amount = np.clip((sc.coarse[:rows] - (1 - cover)) * 3, 0, 1)[..., None]
    sky = sky * (1 - amount) + cloud_c * amount
    sc.img[:rows] = sky
    sc.lab[:rows] = _SKY


def _render_ground(sc: _Scene, st: dict):
    """Road, sidewalks and terrain on the ground plane below the horizon."""
    rng = sc.rng
    r0 = int(np.searchsorted(sc.ys - sc.y_hor, 0.5))
    if r0 >= sc.h:
        return
    dy = sc.ys[r0:, None] - sc.y_hor  # (R, 1)
    zg = sc.f * sc.cam_h / dy  # (R, 1) depth of each ground row
    xg = (sc.xs[None, :] - sc.x_vp) * sc.cam_h / dy  # (R, W) lateral pos
    zg = np.broadcast_to(zg, xg.shape)
    rl, rr = st['road_l'], st['road_r']
    road = (xg >= rl) & (xg <= rr)
    walk = ((xg >= -st['walk_out_l']) & (xg < -st['walk_in_l'])) | (
        (xg > st['walk_in_r']) & (xg <= st['walk_out_r']))
    cls = np.full(xg.shape, _TERRAIN, np.uint8)
    cls[walk] = _SIDEWALK
    cls[road] = _ROAD
    out = np.empty(xg.shape + (3, ), np.float32)

    road_c = sc.colour(_ROAD)
    walk_c = sc.colour(_SIDEWALK, avoid=[road_c])
    terr_c = sc.colour(_TERRAIN, avoid=[walk_c])
    terr_c2 = sc.colour(_TERRAIN, avoid=[terr_c], min_dist=30)

    # Terrain: patches of two colours (grass, soil) with grainy speckle.
    sel = cls == _TERRAIN
    fine, mid, coarse = (n[r0:][sel] for n in (sc.fine, sc.mid, sc.coarse))
    pal = np.stack([terr_c, terr_c2])
    k = (0.8 + 0.4 * mid + 0.25 * (fine - 0.5))[:, None]
    out[sel] = pal[(coarse > 0.5).astype(np.intp)] * k

    # Sidewalk: square tiles with grout lines and a kerb along the road.
    x, z, fine = xg[walk], zg[walk], sc.fine[r0:][walk]
    tile = rng.uniform(0.4, 1.1)
    ti, tj = np.floor(x / tile), np.floor(z / tile)
    jitter = ((ti * 7919 + tj * 104729) % 97) / 97.0 - 0.5
    idx = ((x / tile - ti) < 0.08) | ((z / tile - tj) < 0.08)
    idx = idx.astype(np.intp)
    idx[(np.abs(x + st['walk_in_l']) < 0.25) |
        (np.abs(x - st['walk_in_r']) < 0.25)] = 2
    pal = np.stack([walk_c, walk_c * 0.7, np.clip(walk_c * 1.25, 0, 255)])
    out[walk] = pal[idx] * (1 + 0.18 * jitter + 0.12 * (fine - 0.5))[:, None]

    # Road: asphalt grain, lane markings, optional zebra crossing and rails.
    x, z = xg[road], zg[road]
    fine, mid, coarse = (n[r0:][road] for n in (sc.fine, sc.mid, sc.coarse))
    mark = np.zeros(x.shape, bool)
    mark_w = rng.uniform(0.12, 0.2)
    dash = rng.uniform(6, 12)
    dash_on = (z / dash) % 1.0 < rng.uniform(0.3, 0.6)
    for i in range(1, st['n_lanes']):
        mark |= (np.abs(x - (rl + i * st['lane_w'])) < mark_w) & dash_on
    if rng.random() < 0.6:
        mark |= (np.abs(x - (rl + 0.35)) < mark_w) | (
            np.abs(x - (rr - 0.35)) < mark_w)
    if st['zebra'] is not None:
        z0, length = st['zebra']
        mark |= (x % 1.0 < 0.5) & (z >= z0) & (z < z0 + length)
    idx = mark.astype(np.intp)
    if st['rails'] is not None:
        for xr in (st['rails'] - 0.72, st['rails'] + 0.72):
            idx[np.abs(x - xr) < 0.07] = 2
    mark_c = sc.colour(None) if rng.random() < 0.3 else np.clip(
        road_c * 2.2 + 30, 0, 250)
    pal = np.stack([road_c, mark_c, np.clip(road_c * 1.6, 0, 255)])
    k = 0.9 + 0.2 * mid + 0.2 * (fine - 0.5) + 0.12 * (coarse - 0.5)
    out[road] = pal[idx] * k[:, None]

    # Cast shadows of buildings across the ground.
    for _ in range(int(rng.integers(0, 3))):
        side = rng.choice([-1.0, 1.0])
        edge = rng.uniform(-2.0, 6.0)
        z0 = rng.uniform(5, 40)
        slope = rng.uniform(-0.3, 0.3)
        inside = (side * xg < edge + slope * (zg - z0)) & (zg >= z0) & (
            zg < z0 + rng.uniform(8, 40))
        out[inside] *= rng.uniform(0.5, 0.75)

    sc.img[r0:] = out
    sc.lab[r0:] = cls


def _segment_texture(seg: dict, u: np.ndarray, v: np.ndarray,
                     fine: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """Texture of facade pixels from their wall coordinates.

    Args:
        seg (dict): Segment from :func:`_plan_segments`.
        u (np.ndarray): (N,) position along the segment in metres.
        v (np.ndarray): (N,) height above ground in metres.
        fine (np.ndarray): (N,) per-pixel noise in [0, 1].
        mid (np.ndarray): (N,) smooth noise in [0, 1].

    Returns:
        np.ndarray: (N, 3) RGB colours.
    """
    p, kind, height = seg['params'], seg['kind'], seg['height']
    c = p['colour']
    if kind == 'building':
        wu = (u / p['win_period']) % 1.0
        wv = (v / p['floor_h']) % 1.0
        half = p['win_frac'] / 2
        win = (np.abs(wu - 0.5) < half) & (wv > 0.3) & (
            wv < 0.3 + p['win_hfrac']) & (v > 2.8) & (v < height - 0.8)
        if height > 6:  # shop windows on the ground floor
            win |= (v > 0.4) & (v < 2.4) & (np.abs(wu - 0.5) < 0.4)
        idx = win.astype(np.intp)
        if p['band']:
            idx[(v > height - 0.5) | (np.abs(v - 2.7) < 0.15)] = 2
        pal = np.stack([c, p['win_colour'], c * 0.7])
        k = 0.92 + 0.16 * mid + 0.1 * (fine - 0.5)
    elif kind == 'wall':
        if p['brick']:
            shift = (np.floor(v / p['row_h']) % 2) * p['brick_l'] / 2
            joint = ((v / p['row_h']) % 1.0 < 0.15) | (
                ((u + shift) / p['brick_l']) % 1.0 < 0.08)
        else:
            joint = (u / p['panel']) % 1.0 < 0.03
        joint |= v > height - 0.12
        idx = joint.astype(np.intp)
        pal = np.stack([c, p['joint']])
        k = 0.85 + 0.3 * mid + 0.15 * (fine - 0.5)
    elif kind == 'fence':
        if p['mesh']:
            solid = (((u + v) / p['period']) % 1.0 < 0.3) | (
                ((u - v) / p['period']) % 1.0 < 0.3)
        else:
            solid = (u / p['period']) % 1.0 < p['duty']
        solid |= (v > height - 0.1) | (np.abs(v - 0.3 * height) < 0.05)
        idx = (~solid).astype(np.intp)
        pal = np.stack([c, p['gap']])
        k = 0.9 + 0.2 * fine
    else:  # vegetation: leafy blotches with dark holes
        hole = mid < 0.25
        idx = hole.astype(np.intp)
        pal = np.stack([c, p['dark']])
        k = np.where(hole, 0.8 + 0.4 * fine,
                     0.55 + 0.7 * mid + 0.3 * (fine - 0.5))
    return pal[idx] * k[:, None]


def _render_plane(sc: _Scene, side: int, dist: float, segs: List[dict]):
    """Render segments of a vertical plane parallel to the street.

    Args:
        side (int): -1 for the left side of the street, +1 for the right.
        dist (float): Lateral distance of the plane from the camera (m).
        segs (list[dict]): Segments from :func:`_plan_segments`.
    """
    dx = (sc.xs - sc.x_vp) * side
    cols = np.nonzero(dx > 0.5)[0]
    if cols.size == 0:
        return
    zc_all = sc.f * dist / dx[cols]
    for seg in segs:
        sel = np.nonzero((zc_all >= seg['z0']) & (zc_all < seg['z1']))[0]
        if sel.size == 0:
            continue
        c0, c1 = cols[sel[0]], cols[sel[-1]] + 1
        zc = sc.f * dist / dx[c0:c1]
        u = zc - seg['z0']
        top = np.full_like(zc, seg['height'])
        if seg['kind'] == 'vegetation':
            p = seg['params']
            top = top * (1 + p['amp'] * (0.6 * np.sin(u * p['k1'] + p['p1'])
                                         + 0.4 * np.sin(u * p['k2'] +
                                                        p['p2'])))
        y_top = sc.y_hor + sc.f * (sc.cam_h - top) / zc
        y_bot = sc.y_hor + sc.f * sc.cam_h / zc
        r0 = int(np.clip(np.floor(y_top.min()), 0, sc.h))
        r1 = int(np.clip(np.ceil(y_bot.max()), 0, sc.h))
        if r1 <= r0:
            continue
        ys = sc.ys[r0:r1, None]
        mask = (ys >= y_top) & (ys < y_bot) & ~sc.covered[r0:r1, c0:c1]
        rows, cc = np.nonzero(mask)
        v = sc.cam_h - (ys[rows, 0] - sc.y_hor) * zc[cc] / sc.f
        rows += r0
        cc += c0
        tex = _segment_texture(seg, u[cc - c0], v, sc.fine[rows, cc],
                               sc.mid[rows, cc])
        sc.img[rows, cc] = tex
        sc.lab[rows, cc] = seg['params']['cls']
        sc.covered[rows, cc] = True


def _render_end_building(sc: _Scene, st: dict, z: float):
    """A building at depth ``z`` closing the street, facing the camera."""
    rng = sc.rng
    xl, xr = -st['facade_l'] - 10, st['facade_r'] + 10
    height = rng.uniform(8, 30)
    seg = dict(kind='building', height=height,
               params=_segment_params(sc, 'building'))
    (x0, x1), (y0, y1) = sc.proj(np.array([xl, xr]), np.array([height, 0]),
                                 z)
    c0, c1 = int(np.clip(x0, 0, sc.w)), int(np.clip(math.ceil(x1), 0, sc.w))
    r0, r1 = int(np.clip(y0, 0, sc.h)), int(np.clip(math.ceil(y1), 0, sc.h))
    if c1 <= c0 or r1 <= r0:
        return
    u = (sc.xs[None, c0:c1] - sc.x_vp) * z / sc.f - xl
    v = sc.cam_h - (sc.ys[r0:r1, None] - sc.y_hor) * z / sc.f
    u, v = np.broadcast_arrays(u, v)
    mask = (v >= 0) & (v <= height) & ~sc.covered[r0:r1, c0:c1]
    fine = sc.fine[r0:r1, c0:c1][mask]
    mid = sc.mid[r0:r1, c0:c1][mask]
    sc.img[r0:r1, c0:c1][mask] = _segment_texture(seg, u[mask], v[mask],
                                                  fine, mid)
    sc.lab[r0:r1, c0:c1][mask] = _BUILDING


# ----------------------------------------------------------------- objects
def _draw_car(sc: _Scene, xc: float, z0: float):
    """Car centred at lateral ``xc`` whose rear is at depth ``z0``.

    Vehicles are street-aligned boxes: the rear face is always drawn, the
    side face too when the vehicle is not straight ahead of the camera.
    """
    rng = sc.rng
    w, length, ht = rng.uniform(1.65, 1.95), rng.uniform(3.8, 4.7), \
        rng.uniform(1.4, 1.65)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.35, 0.6))
    tyre = sc.shade(sc.colour(_POLE), 0.35)
    belt = ht * rng.uniform(0.55, 0.62)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.3), (z0, belt), (z0 + 0.1 * length, belt),
                          (z0 + 0.22 * length, ht), (z1 - 0.45 * length, ht),
                          (z1 - 0.25 * length, belt), (z1, belt - 0.1),
                          (z1, 0.3)], body, _CAR)
        sc.side_poly(xs, [(z0 + 0.14 * length, belt + 0.04),
                          (z0 + 0.24 * length, ht - 0.07),
                          (z1 - 0.47 * length, ht - 0.07),
                          (z1 - 0.3 * length, belt + 0.04)], glass, _CAR)
        for zw in (z0 + 0.18 * length, z1 - 0.2 * length):
            sc.side_disc(xs, zw, 0.32, 0.32, tyre, _CAR)
            sc.side_disc(xs, zw, 0.32, 0.15, sc.shade(tyre, 3.0), _CAR,
                         n=10)
    for xa, xb in ((x0 + 0.04 * w, x0 + 0.24 * w),
                   (x1 - 0.24 * w, x1 - 0.04 * w)):
        sc.front_rect(z0, xa, 0, xb, 0.4, tyre, _CAR)
    sc.front_rect(z0, x0, 0.28, x1, belt, body, _CAR)
    sc.front_poly(z0, [(x0 + 0.05 * w, belt), (x1 - 0.05 * w, belt),
                       (x1 - 0.15 * w, ht), (x0 + 0.15 * w, ht)], body, _CAR)
    sc.front_poly(z0, [(x0 + 0.12 * w, belt + 0.05),
                       (x1 - 0.12 * w, belt + 0.05),
                       (x1 - 0.19 * w, ht - 0.08),
                       (x0 + 0.19 * w, ht - 0.08)], glass, _CAR)
    lamp = sc.colour(_SIGN)
    for xa in (x0 + 0.03 * w, x1 - 0.2 * w):
        sc.front_rect(z0, xa, belt - 0.22, xa + 0.17 * w, belt - 0.08, lamp,
                      _CAR)
    sc.front_rect(z0, xc - 0.25, 0.42, xc + 0.25, 0.55, (225, 225, 215), _CAR)


def _draw_truck(sc: _Scene, xc: float, z0: float):
    """Box truck (cargo box behind a lower cab), rear at depth ``z0``."""
    rng = sc.rng
    w, box_l, cab_l = rng.uniform(2.3, 2.55), rng.uniform(5, 8), 2.2
    box_h, cab_h = rng.uniform(3.3, 3.9), rng.uniform(2.6, 3.0)
    x0, x1 = xc - w / 2, xc + w / 2
    z1 = z0 + box_l + 0.3 + cab_l
    box_c = sc.colour(None)
    cab_c = sc.colour(None, avoid=[box_c])
    dark = sc.shade(sc.colour(_POLE), 0.4)
    glass = sc.shade(sc.colour(_LIGHT), 0.5)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0 + 0.3, 0.6), (z1 - 0.3, 0.6), (z1 - 0.3, 1.0),
                          (z0 + 0.3, 1.0)], dark, _TRUCK)
        sc.side_poly(xs, [(z0, 0.95), (z0 + box_l, 0.95),
                          (z0 + box_l, box_h), (z0, box_h)], box_c, _TRUCK)
        for k in range(1, int(box_l / 1.2)):
            zz = z0 + k * 1.2
            sc.side_poly(xs, [(zz, 1.0), (zz + 0.08, 1.0),
                              (zz + 0.08, box_h - 0.05),
                              (zz, box_h - 0.05)], sc.shade(box_c, 0.8),
                         _TRUCK)
        zc0 = z0 + box_l + 0.3
        sc.side_poly(xs, [(zc0, 0.7), (z1, 0.7), (z1, cab_h - 0.5),
                          (z1 - 0.4, cab_h), (zc0, cab_h)], cab_c, _TRUCK)
        sc.side_poly(xs, [(zc0 + 0.3, 1.8), (z1 - 0.5, 1.8),
                          (z1 - 0.5, cab_h - 0.2), (zc0 + 0.3, cab_h - 0.2)],
                     glass, _TRUCK)
        for zw in (z0 + 1.2, z0 + 2.4, z1 - 1.0):
            sc.side_disc(xs, zw, 0.5, 0.5, dark, _TRUCK)
    for xa, xb in ((x0 + 0.05, x0 + 0.6), (x1 - 0.6, x1 - 0.05)):
        sc.front_rect(z0, xa, 0, xb, 1.0, dark, _TRUCK)
    sc.front_rect(z0, x0 + 0.2, 0.5, x1 - 0.2, 0.9, dark, _TRUCK)
    sc.front_rect(z0, x0, 0.9, x1, box_h, box_c, _TRUCK)
    seam = sc.shade(box_c, 0.65)
    sc.front_rect(z0, xc - 0.03, 1.0, xc + 0.03, box_h - 0.1, seam, _TRUCK)
    for xa in (x0 + 0.35, x1 - 0.35):
        sc.front_rect(z0, xa - 0.03, 1.0, xa + 0.03, box_h - 0.1, seam,
                      _TRUCK)


def _draw_bus(sc: _Scene, xc: float, z0: float):
    """Bus with a band of side windows, rear at depth ``z0``."""
    rng = sc.rng
    w, length, ht = rng.uniform(2.45, 2.55), rng.uniform(10, 13), \
        rng.uniform(3.0, 3.3)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.3, 0.55))
    dark = sc.shade(sc.colour(_POLE), 0.35)
    stripe = sc.colour(None, avoid=[body])
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.3), (z1, 0.3), (z1, ht), (z0, ht)], body,
                     _BUS)
        sc.side_poly(xs, [(z0, 0.55), (z1, 0.55), (z1, 0.8), (z0, 0.8)],
                     stripe, _BUS)
        pitch = rng.uniform(1.3, 1.8)
        zz = z0 + 0.4
        while zz + pitch < z1 - 0.3:
            sc.side_poly(xs, [(zz, 1.25), (zz + pitch - 0.15, 1.25),
                              (zz + pitch - 0.15, ht - 0.35),
                              (zz, ht - 0.35)], glass, _BUS)
            zz += pitch
        door = z1 - rng.uniform(2.0, 3.0)
        sc.side_poly(xs, [(door, 0.35), (door + 1.1, 0.35),
                          (door + 1.1, ht - 0.35), (door, ht - 0.35)],
                     sc.shade(glass, 0.8), _BUS)
        for zw in (z0 + 2.6, z1 - 2.4):
            sc.side_disc(xs, zw, 0.5, 0.5, dark, _BUS)
    for xa, xb in ((x0 + 0.1, x0 + 0.6), (x1 - 0.6, x1 - 0.1)):
        sc.front_rect(z0, xa, 0, xb, 0.5, dark, _BUS)
    sc.front_rect(z0, x0, 0.3, x1, ht, body, _BUS)
    sc.front_rect(z0, x0 + 0.15, 1.6, x1 - 0.15, ht - 0.25, glass, _BUS)
    sc.front_rect(z0, x0, 0.55, x1, 0.8, stripe, _BUS)
    sc.front_rect(z0, x0 + 0.4, ht - 0.22, x1 - 0.4, ht - 0.05,
                  (230, 200, 80), _BUS)


def _draw_train(sc: _Scene, xc: float, z0: float):
    """Long tram on rails with a pantograph, front at depth ``z0``."""
    rng = sc.rng
    w, length, ht = 2.65, rng.uniform(20, 34), rng.uniform(3.4, 3.7)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.3, 0.5))
    skirt = sc.shade(body, rng.uniform(0.45, 0.7))
    dark = sc.shade(sc.colour(_POLE), 0.3)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    # Pantograph: a diamond of thin struts on the roof.
    zp = z0 + length * rng.uniform(0.3, 0.6)
    for k in range(2):
        xp = xc + (k - 0.5) * 0.8
        sc.front_bar(zp, xp, ht + 0.25, xc, ht + 1.2, 0.12, dark, _TRAIN)
    sc.front_bar(zp, xc - 1.0, ht + 1.25, xc + 1.0, ht + 1.25, 0.12, dark,
                 _TRAIN)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.15), (z1, 0.15), (z1, ht), (z0 + 0.6, ht),
                          (z0, ht - 0.6)], body, _TRAIN)
        sc.side_poly(xs, [(z0, 0.15), (z1, 0.15), (z1, 0.6), (z0, 0.6)],
                     skirt, _TRAIN)
        sc.side_poly(xs, [(z0, ht + 0.02), (z1, ht + 0.02), (z1, ht + 0.3),
                          (z0, ht + 0.3)], skirt, _TRAIN)
        zz, k = z0 + 1.0, 0
        while zz + 1.6 < z1 - 0.5:
            if k % 4 == 2:
                sc.side_poly(xs, [(zz, 0.3), (zz + 1.3, 0.3),
                                  (zz + 1.3, ht - 0.3), (zz, ht - 0.3)],
                             sc.shade(glass, 0.75), _TRAIN)
            else:
                sc.side_poly(xs, [(zz, 1.1), (zz + 1.4, 1.1),
                                  (zz + 1.4, ht - 0.5), (zz, ht - 0.5)],
                             glass, _TRAIN)
            zz += 1.7
            k += 1
    sc.front_rect(z0, x0 + 0.3, ht, x1 - 0.3, ht + 0.3, skirt, _TRAIN)
    sc.front_poly(z0, [(x0, 0.15), (x1, 0.15), (x1, ht - 0.4),
                       (x1 - 0.4, ht), (x0 + 0.4, ht), (x0, ht - 0.4)], body,
                  _TRAIN)
    sc.front_rect(z0, x0, 0.15, x1, 0.6, skirt, _TRAIN)
    sc.front_rect(z0, x0 + 0.2, 1.5, x1 - 0.2, ht - 0.35, glass, _TRAIN)
    for xa in (x0 + 0.45, x1 - 0.45):
        sc.front_ellipse(z0, xa, 0.95, 0.15, 0.12, (235, 230, 200), _TRAIN)


def _draw_wheel(sc, z, xw, r, tyre, rim, cls, spoke):
    """A side-view wheel in the plane ``Z = z``: tyre, rim and hub."""
    sc.front_ellipse(z, xw, r, r, r, tyre, cls)
    sc.front_ellipse(z, xw, r, r * (0.72 if spoke else 0.6), r *
                     (0.72 if spoke else 0.6), rim, cls)
    sc.front_ellipse(z, xw, r, r * 0.15, r * 0.15, tyre, cls, n=8)


def _draw_bike(sc: _Scene, x: float, z: float, motor: bool,
               rider: bool) -> None:
    """Bicycle or motorcycle in side view, optionally with a rider."""
    rng = sc.rng
    d = rng.choice([-1.0, 1.0])  # travel direction in the image plane
    frame = sc.colour(None)
    tyre = sc.shade(sc.colour(_POLE), 0.3)
    cls = _MOTO if motor else _BIKE
    if motor:
        r, base = 0.33, rng.uniform(1.35, 1.5)
        rim = sc.shade(frame, 0.6)
        seat = (x - 0.25 * d, 0.9)
        bar = (x + 0.45 * d, 1.1)
    else:
        r, base = 0.35, rng.uniform(1.0, 1.1)
        rim = np.clip(sc.colour(None) * 0.4 + 130, 0, 255)
        seat = (x - 0.25 * d, r + 0.6)
        bar = (x + 0.4 * d, r + 0.68)
    xr, xf = x - d * base / 2, x + d * base / 2
    sc.ground_shadow(x - base / 2 - r, x + base / 2 + r, z - 0.2, z + 0.2)
    col = _person_colours(sc) if rider else None
    if rider:
        _draw_rider(sc, z, d, seat, bar, motor, col, back=True)
    _draw_wheel(sc, z, xr, r, tyre, rim, cls, not motor)
    _draw_wheel(sc, z, xf, r, tyre, rim, cls, not motor)
    if motor:
        sc.front_poly(z, [(xr + 0.1 * d, r + 0.1), (x - 0.45 * d, 0.85),
                          (x + 0.1 * d, 0.95), (x + 0.4 * d, 0.95),
                          (xf - 0.15 * d, 0.6), (x + 0.2 * d, 0.25),
                          (x - 0.3 * d, 0.3)], frame, cls)
        sc.front_rect(z, x - 0.25, 0.25, x + 0.2, 0.6,
                      sc.shade(tyre, 1.5), cls)
        sc.front_bar(z, x + 0.4 * d, 1.0, xf, r, 0.09, tyre, cls)
        sc.front_ellipse(z, x + 0.55 * d, 0.95, 0.1, 0.08, (235, 230, 200),
                         cls)
    else:
        bb = (x - 0.05 * d, r - 0.02)
        head = (x + 0.33 * d, r + 0.5)
        tw = 0.07
        for a, b in (((xr, r), seat), ((xr, r), bb), (bb, seat), (bb, head),
                     (seat, head), (head, (xf, r)), (head, bar)):
            sc.front_bar(z, a[0], a[1], b[0], b[1], tw, frame, cls)
        sc.front_rect(z, seat[0] - 0.13, seat[1] - 0.02, seat[0] + 0.13,
                      seat[1] + 0.06, tyre, cls)
    if rider:
        _draw_rider(sc, z, d, seat, bar, motor, col, back=False)


def _person_colours(sc: _Scene) -> dict:
    """Skin, clothes and hair colours of one person."""
    rng = sc.rng
    skin = _PROTOS[rng.choice([9, 10, 12, 2])] * rng.uniform(0.7, 1.1)
    top = sc.colour(None)
    return dict(skin=np.clip(skin, 0, 255), top=top,
                legs=sc.colour(None, avoid=[top]),
                hair=sc.shade(sc.colour(_VEG), rng.uniform(0.3, 0.8)))


def _draw_rider(sc: _Scene, z: float, d: float, seat, bar, motor: bool,
                col: dict, back: bool):
    """Seated rider; ``back`` draws the far leg, else body and near leg."""
    hip = (seat[0], seat[1] + 0.1)
    knee = (seat[0] + 0.4 * d, seat[1] + (0.05 if motor else 0.0))
    foot = (seat[0] + (0.35 if motor else 0.3) * d,
            0.3 if motor else 0.12)
    if back:
        sc.front_bar(z, hip[0], hip[1], knee[0], knee[1], 0.15,
                     sc.shade(col['legs'], 0.8), _RIDER)
        sc.front_bar(z, knee[0], knee[1], foot[0] - 0.1 * d, foot[1] + 0.1,
                     0.12, sc.shade(col['legs'], 0.8), _RIDER)
        return
    lean = 0.35 if motor else 0.25
    shoulder = (hip[0] + lean * d, hip[1] + 0.55)
    sc.front_bar(z, hip[0], hip[1], knee[0], knee[1], 0.16, col['legs'],
                 _RIDER)
    sc.front_bar(z, knee[0], knee[1], foot[0], foot[1], 0.13, col['legs'],
                 _RIDER)
    sc.front_poly(z, [(hip[0] - 0.14 * d, hip[1] - 0.05),
                      (hip[0] + 0.14 * d, hip[1] - 0.05),
                      (shoulder[0] + 0.13 * d, shoulder[1]),
                      (shoulder[0] - 0.13 * d, shoulder[1] + 0.02)],
                  col['top'], _RIDER)
    sc.front_bar(z, shoulder[0], shoulder[1] - 0.05, bar[0], bar[1], 0.1,
                 col['top'], _RIDER)
    hr = 0.14 if motor else 0.11
    helmet = sc.colour(None) if motor else col['skin']
    sc.front_ellipse(z, shoulder[0] + 0.06 * d, shoulder[1] + 0.18, hr,
                     hr * 1.15, helmet, _RIDER)
    if not motor:
        sc.front_ellipse(z, shoulder[0] + 0.03 * d, shoulder[1] + 0.25, hr,
                         hr * 0.6, col['hair'], _RIDER)


def _draw_person(sc: _Scene, x: float, z: float):
    """Walking pedestrian (sometimes a child) standing at ``(x, z)``."""
    rng = sc.rng
    h = rng.uniform(1.55, 1.9) if rng.random() < 0.85 else \
        rng.uniform(1.0, 1.35)
    col = _person_colours(sc)
    stride = rng.uniform(0.0, 0.28) * h
    swing = rng.uniform(-0.1, 0.1) * h
    sc.ground_shadow(x - 0.3, x + 0.3, z - 0.15, z + 0.15, 0.6)
    hip_y, sh_y = 0.5 * h, 0.81 * h
    leg_w = 0.075 * h
    sc.front_bar(z, x - 0.04 * h, hip_y, x - stride / 2, 0.02, leg_w,
                 col['legs'], _PERSON)
    sc.front_bar(z, x + 0.04 * h, hip_y, x + stride / 2, 0.02, leg_w,
                 sc.shade(col['legs'], 0.85), _PERSON)
    coat = rng.random() < 0.3
    sc.front_poly(z, [(x - (0.12 if coat else 0.1) * h,
                       (0.32 if coat else 0.48) * h),
                      (x + (0.12 if coat else 0.1) * h,
                       (0.32 if coat else 0.48) * h),
                      (x + 0.13 * h, sh_y), (x - 0.13 * h, sh_y)],
                  col['top'], _PERSON)
    for sgn in (-1, 1):
        sc.front_bar(z, x + sgn * 0.13 * h, sh_y - 0.02 * h,
                     x + sgn * 0.15 * h + sgn * swing, 0.47 * h, 0.055 * h,
                     sc.shade(col['top'], 0.9), _PERSON)
    sc.front_rect(z, x - 0.025 * h, sh_y - 0.01, x + 0.025 * h, 0.87 * h,
                  col['skin'], _PERSON)
    sc.front_ellipse(z, x, 0.925 * h, 0.055 * h, 0.068 * h, col['skin'],
                     _PERSON)
    sc.front_poly(z, [(x - 0.058 * h, 0.93 * h), (x + 0.058 * h, 0.93 * h),
                      (x + 0.04 * h, 0.995 * h), (x - 0.04 * h, 0.995 * h)],
                  col['hair'], _PERSON)
    if rng.random() < 0.25:
        bag = sc.colour(None)
        sc.front_rect(z, x + 0.14 * h, 0.4 * h, x + 0.26 * h, 0.55 * h, bag,
                      _PERSON)


def _draw_traffic_light(sc: _Scene, x: float, y: float, z: float):
    """Traffic light housing centred at ``(x, y)`` in the plane ``Z=z``."""
    rng = sc.rng
    w, h = rng.uniform(0.42, 0.55), rng.uniform(1.15, 1.4)
    house = sc.colour(_LIGHT)
    plate = sc.colour(_LIGHT, avoid=[house], min_dist=30)
    sc.front_rect(z, x - w / 2 - 0.1, y - h / 2 - 0.05, x + w / 2 + 0.1,
                  y + h / 2 + 0.05, plate, _LIGHT)
    sc.front_rect(z, x - w / 2, y - h / 2, x + w / 2, y + h / 2, house,
                  _LIGHT)
    lit = int(rng.integers(3))
    bright = _PROTOS[[8, 11, 4][lit]] * 1.3 + 30
    for k in range(3):
        yk = y + (1 - k) * h / 3.2
        c = np.clip(bright, 0, 255) if k == lit else sc.shade(house, 0.5)
        sc.front_ellipse(z, x, yk, w * 0.3, w * 0.3, c, _LIGHT, n=12)
        sc.front_rect(z, x - w * 0.38, yk + w * 0.3, x + w * 0.38,
                      yk + w * 0.4, sc.shade(house, 0.6), _LIGHT)


def _draw_sign(sc: _Scene, x: float, y: float, z: float):
    """Traffic sign plate centred at ``(x, y)`` in the plane ``Z = z``."""
    rng = sc.rng
    r = rng.uniform(0.4, 0.55)
    face = sc.colour(_SIGN)
    rim = sc.colour(_SIGN, avoid=[face])
    shape = int(rng.integers(5))
    t = np.linspace(0, 2 * np.pi, [20, 3, 4, 8, 4][shape], endpoint=False)
    t = t + [0, np.pi / 2, np.pi / 4, np.pi / 8, 0][shape]
    if shape == 1 and rng.random() < 0.5:
        t = t + np.pi
    for k, c in ((1.0, rim), (0.78, face)):
        rr = r * k * (1.25 if shape == 1 else 1.0)
        sc.front_poly(z, np.stack([x + rr * np.cos(t), y + rr * np.sin(t)],
                                  1), c, _SIGN)
    sym = sc.colour(None, avoid=[face])
    if rng.random() < 0.5:
        sc.front_rect(z, x - 0.5 * r, y - 0.12 * r, x + 0.5 * r, y + 0.12 * r,
                      sym, _SIGN)
    else:
        sc.front_poly(z, [(x - 0.3 * r, y - 0.35 * r), (x + 0.35 * r, y),
                          (x - 0.3 * r, y + 0.35 * r)], sym, _SIGN)


def _draw_pole(sc: _Scene, x: float, z: float, side: int, attach: str):
    """Pole at ``(x, z)`` carrying a light, a sign, a lamp or an arm.

    Args:
        side (int): -1 when the pole stands left of the road (arms then
            reach to the right), +1 when it stands on the right.
        attach (str): One of ``'light'``, ``'arm'``, ``'sign'``,
            ``'both'``, ``'lamp'``.
    """
    rng = sc.rng
    pw = rng.uniform(0.3, 0.45)
    col = sc.colour(_POLE)
    height = dict(light=rng.uniform(3.0, 3.8), arm=rng.uniform(5.0, 6.5),
                  sign=rng.uniform(2.6, 3.4), both=rng.uniform(3.6, 4.2),
                  lamp=rng.uniform(6.0, 8.0))[attach]
    sc.ground_shadow(x - 0.3, x + 0.3, z - 0.3, z + 0.3, 0.6)
    # Cylinder shading: darker rims, a highlight off-centre.
    for (a, b), k in (((-0.5, 0.5), 0.75), ((-0.3, 0.15), 1.0),
                      ((-0.2, 0.0), 1.2)):
        sc.front_rect(z, x + a * pw, 0, x + b * pw, height, sc.shade(col, k),
                      _POLE)
    reach = -side
    if attach in ('light', 'both'):
        _draw_traffic_light(sc, x, height + 0.65, z)
    if attach == 'arm':
        arm = rng.uniform(2.5, 5.0)
        xe = x + reach * arm
        sc.front_bar(z, x, height - 0.2, xe, height - 0.2, 0.2, col, _POLE)
        _draw_traffic_light(sc, xe, height - 0.95, z)
    if attach in ('sign', 'both'):
        _draw_sign(sc, x, height - (0.45 if attach == 'sign' else 1.4), z)
    if attach == 'lamp':
        xe = x + reach * rng.uniform(1.0, 2.0)
        sc.front_bar(z, x, height - 0.1, xe, height + 0.1, 0.15, col, _POLE)
        sc.front_ellipse(z, xe, height, 0.45, 0.16, sc.shade(col, 0.8),
                         _POLE)


def _draw_tree(sc: _Scene, x: float, z: float):
    """Tree (trunk and a crown of blobs, all vegetation) at ``(x, z)``."""
    rng = sc.rng
    trunk_h = rng.uniform(2.0, 3.5)
    crown_r = rng.uniform(1.4, 2.8)
    leaf = sc.colour(_VEG)
    bark = sc.shade(sc.colour(_VEG), rng.uniform(0.4, 0.8))
    tw = rng.uniform(0.25, 0.45)
    sc.front_poly(z, [(x - tw / 2 * 1.3, 0), (x + tw / 2 * 1.3, 0),
                      (x + tw / 2, trunk_h + crown_r * 0.5),
                      (x - tw / 2, trunk_h + crown_r * 0.5)], bark, _VEG)
    cy = trunk_h + crown_r * 0.8
    for _ in range(int(rng.integers(6, 12))):
        dx, dy = rng.normal(0, crown_r * 0.45, 2)
        rr = crown_r * rng.uniform(0.4, 0.7)
        c = sc.shade(leaf, rng.uniform(0.65, 1.25))
        sc.front_ellipse(z, x + dx, cy + dy * 0.8, rr, rr * 0.9, c, _VEG,
                         n=14)


def _draw_clutter(sc: _Scene, x: float, z: float):
    """An unlabelled object (bin, box): Cityscapes' ignored 'static'."""
    rng = sc.rng
    w, h = rng.uniform(0.5, 1.0), rng.uniform(0.7, 1.3)
    c = sc.colour(None)
    sc.front_rect(z, x - w / 2, 0, x + w / 2, h, c, IGNORE_INDEX)
    sc.front_rect(z, x - w / 2 - 0.05, h - 0.1, x + w / 2 + 0.05, h + 0.05,
                  sc.shade(c, 0.7), IGNORE_INDEX)


def _plan_objects(sc: _Scene, st: dict) -> List[Tuple[float, tuple]]:
    """Choose all foreground objects as ``(depth, (draw_fn, *args))``."""
    rng = sc.rng
    objs = []
    occupied = {i: [] for i in range(st['n_lanes'])}

    def lane_free(lane, z0, z1):
        return all(z1 + 2.0 < a or z0 > b + 2.0 for a, b in occupied[lane])

    def place(fn, z_lo, z_hi, length, tries=12, prefer_side=0.0):
        for _ in range(tries):
            lane = int(rng.integers(st['n_lanes']))
            if lane == st['cam_lane'] and rng.random() < prefer_side:
                continue
            lo = max(z_lo, 7.0 if lane == st['cam_lane'] else z_lo)
            z0 = lo + (z_hi - lo) * rng.random()**1.4
            if lane_free(lane, z0, z0 + length):
                occupied[lane].append((z0, z0 + length))
                xc = st['lanes'][lane] + rng.uniform(-0.4, 0.4)
                objs.append((z0, (fn, xc, z0)))
                return lane
        return None

    if rng.random() < 0.4:
        lane = place(_draw_train, 12, 45, 34, prefer_side=0.7)
        if lane is not None:
            st['rails'] = st['lanes'][lane]
    if rng.random() < 0.45:
        place(_draw_bus, 9, 40, 13, prefer_side=0.75)
    if rng.random() < 0.45:
        place(_draw_truck, 8, 40, 11, prefer_side=0.75)
    for _ in range(int(rng.integers(2, 7))):
        place(_draw_car, 5.5, 45, 4.7, tries=4)

    def walk_x(side):
        inner = st['walk_in_l'] if side < 0 else st['walk_in_r']
        width = st['walk_l'] if side < 0 else st['walk_r']
        return side * (inner + rng.uniform(0.4, max(width - 0.3, 0.5)))

    # Small objects stay near: far ones would be a few pixels of boundary.
    def depth(x, lo=6.0, hi=30.0, margin=10.0):
        lo = max(lo, sc.min_visible_z(x, margin))
        return lo + (max(hi, lo + 5) - lo) * rng.random()**1.7

    # Two-wheelers ride along the kerbs or stand parked on the sidewalk.
    for motor, prob in ((True, 0.65), (False, 0.7)):
        if rng.random() >= prob:
            continue
        for _ in range(int(rng.integers(1, 3))):
            rider = rng.random() < 0.75
            side = rng.choice([-1, 1])
            if rider:
                x = (st['road_l'] + rng.uniform(0.6, 1.2) if side < 0 else
                     st['road_r'] - rng.uniform(0.6, 1.2))
            else:
                x = walk_x(side)
            z = depth(x, 6.0, 25.0)
            objs.append((z, (_draw_bike, x, z, motor, rider)))

    if rng.random() < 0.9:
        for _ in range(int(rng.integers(1, 8))):
            x = walk_x(rng.choice([-1, 1]))
            z = depth(x)
            objs.append((z, (_draw_person, x, z)))
    if st['zebra'] is not None:
        z0, length = st['zebra']
        for _ in range(int(rng.integers(0, 4))):
            x = rng.uniform(st['road_l'] + 0.5, st['road_r'] - 0.5)
            z = z0 + rng.uniform(0.5, length - 0.5)
            objs.append((z, (_draw_person, x, z)))

    # Poles along the kerbs: make lights and signs frequent and legible.
    attaches = ['light', 'arm', 'sign', 'both', 'lamp']
    n_poles = int(rng.integers(2, 6))
    chosen = [rng.choice(attaches, p=[0.22, 0.2, 0.3, 0.13, 0.15])
              for _ in range(n_poles)]
    if not any(a in ('light', 'arm', 'both') for a in chosen) and \
            rng.random() < 0.85:
        chosen[0] = 'arm' if rng.random() < 0.5 else 'light'
    if not any(a in ('sign', 'both') for a in chosen) and rng.random() < 0.9:
        chosen[-1] = 'sign'
    for attach in chosen:
        side = int(rng.choice([-1, 1]))
        if rng.random() < 0.7:
            x = st['road_l'] - 0.45 if side < 0 else st['road_r'] + 0.45
        else:
            x = walk_x(side)
        z = depth(x, 7.0, 28.0, margin=-5.0)
        objs.append((z, (_draw_pole, x, z, side, attach)))

    for side in (-1, 1):
        if rng.random() < 0.5:
            key = 'l' if side < 0 else 'r'
            out = st['walk_out_' + key]
            x = side * (out + 0.2 if rng.random() < 0.5 else out - 0.8)
            if st['verge_' + key] > 0 and rng.random() < 0.6:
                x = side * (st['walk_in_' + key] - st['verge_' + key] / 2)
            z = sc.min_visible_z(x, 40.0) + rng.uniform(0, 6)
            step = rng.uniform(7, 14)
            while z < 90:
                objs.append((z, (_draw_tree, x, z)))
                z += step * rng.uniform(0.8, 1.2)
    if rng.random() < 0.4:
        for _ in range(int(rng.integers(1, 3))):
            x = walk_x(rng.choice([-1, 1]))
            z = depth(x)
            objs.append((z, (_draw_clutter, x, z)))
    return objs


def _render_ego_hood(sc: _Scene):
    """The recording car's bonnet at the bottom: ignored, like Cityscapes."""
    rng = sc.rng
    depth = sc.h * rng.uniform(0.04, 0.09)
    t = (sc.xs - sc.w / 2) / (sc.w / 2)
    top = sc.h - depth * (1 - 0.35 * t**2)  # (W,) top edge of the bonnet
    mask = sc.ys[:, None] >= top[None, :]
    r0 = int(max(0, np.floor(top.min())))
    c = sc.colour(None) * 0.6
    grad = (0.7 + 0.5 * (sc.ys[r0:, None, None] - r0) / max(depth, 1)) * c
    sub = mask[r0:]
    sc.img[r0:][sub] = np.broadcast_to(grad, sub.shape + (3, ))[sub]
    sc.lab[r0:][sub] = IGNORE_INDEX


def _finish(sc: _Scene) -> np.ndarray:
    """Camera effects: blur, lighting gradient, colour cast, gamma, noise."""
    rng = sc.rng
    img = cv2.GaussianBlur(sc.img, (0, 0), rng.uniform(0.5, 0.9))
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    light = 1 + gx * (sc.xs[None, :] / sc.w - 0.5) + gy * (
        sc.ys[:, None] / sc.h - 0.5)
    gain = rng.uniform(0.9, 1.1, 3).astype(np.float32) * rng.uniform(
        0.85, 1.15)
    img *= light[..., None]
    img *= gain
    img += 0.5
    np.clip(img, 0, 255, out=img)
    gamma = rng.uniform(0.85, 1.15)
    lut = np.round(255.0 * (np.arange(256) / 255.0)**gamma).astype(np.uint8)
    img = cv2.LUT(img.astype(np.uint8), lut).astype(np.float32)
    # Uniform sensor noise of standard deviation 3..9 (cheaper to draw
    # than Gaussian noise, and just as good at hiding flat colours).
    amp = rng.uniform(3.0, 9.0) * math.sqrt(12)
    img += amp * (rng.random(img.shape, dtype=np.float32) - 0.5) + 0.5
    np.clip(img, 0, 255, out=img)
    return img.astype(np.uint8)


def render_scene(rng,
                 size: Tuple[int, int] = DEFAULT_SIZE
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Render one synthetic street scene.

    Args:
        rng (np.random.Generator | int): Random generator, or a seed for
            one; the scene is a pure function of the generator's state.
        size (tuple[int, int]): Image size ``(H, W)``.

    Returns:
        tuple[np.ndarray, np.ndarray]: The RGB image, ``uint8`` of shape
        (H, W, 3), and the train-id label map, ``uint8`` of shape (H, W)
        with values in ``0..18`` or :data:`IGNORE_INDEX`.
    """
    height, width = _check_size(size)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    sc = _Scene(rng, height, width)
    st = _plan_street(sc)
    objs = _plan_objects(sc, st)  # before the ground: trains need rails
    _render_sky(sc)
    _render_ground(sc, st)
    layers = []
    # Facades stop where a building closes the street, if one does.
    z_end = sc.rng.uniform(70, 160) if sc.rng.random() < 0.6 else None
    z_max = 250.0 if z_end is None else z_end
    for side, key in ((-1, 'l'), (1, 'r')):
        facade = st['facade_' + key]
        back = _plan_segments(
            sc, ['building', 'vegetation', 'gap'], [0.6, 0.3, 0.1], z_max,
            lengths=dict(building=(10, 30), vegetation=(6, 20), gap=(5, 15)),
            heights=dict(building=(8, 30), vegetation=(5, 12)))
        front = _plan_segments(
            sc, ['building', 'wall', 'fence', 'vegetation', 'gap'],
            [0.48, 0.14, 0.12, 0.13, 0.13], z_max,
            lengths=dict(building=(10, 30), wall=(6, 18), fence=(6, 18),
                         vegetation=(5, 15), gap=(4, 12)),
            heights=dict(building=(6, 25), wall=(1.2, 2.8),
                         fence=(1.2, 2.4), vegetation=(1.5, 4.0)))
        layers.append((side, facade + sc.rng.uniform(5, 15), back))
        layers.append((side, facade, front))
        if st['terr_' + key] > 0 and sc.rng.random() < 0.7:
            kerb = _plan_segments(
                sc, ['wall', 'fence', 'vegetation', 'gap'],
                [0.3, 0.35, 0.15, 0.2], z_max,
                lengths=dict(wall=(5, 15), fence=(5, 15), vegetation=(4, 10),
                             gap=(3, 10)),
                heights=dict(wall=(0.7, 1.6), fence=(0.9, 1.8),
                             vegetation=(0.8, 1.5)))
            layers.append((side, st['walk_out_' + key], kerb))
    # Near to far: each plane only fills pixels no nearer plane took.
    for side, dist, segs in sorted(layers, key=lambda t: t[1]):
        _render_plane(sc, side, dist, segs)
    if z_end is not None:
        _render_end_building(sc, st, z_end)
    for _, (fn, *args) in sorted(objs, key=lambda o: -o[0]):
        fn(sc, *args)
    if sc.rng.random() < 0.7:
        _render_ego_hood(sc)
    return _finish(sc), sc.lab


# -------------------------------------------------------------- dataset io
def _check_size(size) -> Tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f'size must be (height, width), got {size!r}')
    if height < 32 or width < 64 or tuple(size) != (height, width):
        raise ValueError('size must be integers (height >= 32, width >= 64), '
                         f'got {size!r}')
    return height, width


def _check_cities(cities, name: str) -> Tuple[str, ...]:
    if isinstance(cities, str) or not len(cities):
        raise ValueError(f'{name} must be a non-empty sequence of city '
                         f'names, got {cities!r}')
    for city in cities:
        if not isinstance(city, str) or not _CITY_RE.match(city):
            raise ValueError(
                f'{name}: city name {city!r} must match '
                f'{_CITY_RE.pattern} (no "_", which separates the parts of '
                'a Cityscapes file name)')
    if len(set(cities)) != len(cities):
        raise ValueError(f'{name} has duplicate cities: {cities!r}')
    return tuple(cities)


def _image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """Independent random stream of one image of one split."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), _SPLIT_CODES[split], int(index)]))


def _write_png(path: str, array: np.ndarray):
    # Fast deflate; Huffman-only coding suits noisy photos better than LZ77
    # matching (smaller and faster), while label maps are mostly long runs.
    strategy = (cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY
                if array.ndim == 3 else cv2.IMWRITE_PNG_STRATEGY_RLE)
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY,
              strategy]
    if not cv2.imwrite(path, array, params):
        raise OSError(f'could not write {path}')


def is_complete(root: str) -> bool:
    """Whether ``root`` holds a fully written synthetic dataset.

    Args:
        root (str): Dataset root directory.

    Returns:
        bool: True if the summary (written last) exists and no
        in-progress marker is left over from an interrupted run.
    """
    return (osp.isfile(osp.join(root, SUMMARY_FILE))
            and not osp.exists(osp.join(root, INCOMPLETE_FILE)))


def is_current(root: str) -> bool:
    """Whether ``root`` holds a complete dataset written by this version of
    the generator (an older generator drew different scenes).

    Args:
        root (str): Dataset root directory.

    Returns:
        bool: True if :func:`is_complete` and the summary's
        ``generator_version`` is :data:`GENERATOR_VERSION`.
    """
    return (is_complete(root) and load_summary(root).get(
        'generator_version') == GENERATOR_VERSION)


def regenerate(root: str) -> dict:
    """Rewrite a complete dataset with this generator version, keeping the
    settings (counts, size, seed, cities) recorded in its summary.

    Args:
        root (str): Root of a complete dataset.

    Returns:
        dict: The new summary, as :func:`generate_synthetic_cityscapes`.

    Raises:
        FileNotFoundError: If ``root`` holds no complete dataset.
    """
    # the summary's config holds exactly the generator's keyword arguments
    config = load_summary(root)['config']
    return generate_synthetic_cityscapes(root, **config, overwrite=True)


def load_summary(root: str) -> dict:
    """Read the summary of a complete dataset.

    Args:
        root (str): Dataset root directory.

    Returns:
        dict: The summary returned by :func:`generate_synthetic_cityscapes`.

    Raises:
        FileNotFoundError: If ``root`` holds no complete dataset.
    """
    if not is_complete(root):
        raise FileNotFoundError(
            f'{root} holds no complete synthetic Cityscapes dataset '
            f'({SUMMARY_FILE} missing or {INCOMPLETE_FILE} present)')
    with open(osp.join(root, SUMMARY_FILE)) as f:
        return json.load(f)


def _prepare_root(root: str, overwrite: bool):
    """Make ``root`` ready for writing without clobbering foreign data."""
    if osp.exists(root) and not osp.isdir(root):
        raise NotADirectoryError(f'dataset root {root} exists and is not a '
                                 'directory')
    os.makedirs(root, exist_ok=True)
    entries = set(os.listdir(root))
    if not entries:
        return
    only_ours = entries <= set(_OWN_ENTRIES)
    interrupted = INCOMPLETE_FILE in entries and only_ours
    if not (overwrite or interrupted):
        shown = ', '.join(sorted(entries)[:5])
        raise FileExistsError(
            f'dataset root {root} is not empty (contains {shown}); pass '
            'overwrite=True (--force on the command line) to replace the '
            'synthetic dataset in it')
    if interrupted and not overwrite:
        print_log(f'{root}: removing the remains of an interrupted run',
                  logger='current')
    # Remove only what this generator writes; other files stay untouched.
    # The marker goes last so a crash here still reads as "incomplete".
    for name in ('leftImg8bit', 'gtFine'):
        if osp.isdir(osp.join(root, name)):
            shutil.rmtree(osp.join(root, name))
    if osp.exists(osp.join(root, SUMMARY_FILE)):
        os.remove(osp.join(root, SUMMARY_FILE))


def generate_synthetic_cityscapes(
        root: str,
        num_train: int = DEFAULT_NUM_TRAIN,
        num_val: int = DEFAULT_NUM_VAL,
        size: Tuple[int, int] = DEFAULT_SIZE,
        seed: int = 0,
        train_cities: Sequence[str] = DEFAULT_TRAIN_CITIES,
        val_cities: Sequence[str] = DEFAULT_VAL_CITIES,
        overwrite: bool = False) -> dict:
    """Write a synthetic dataset in the Cityscapes layout.

    Images are spread round-robin over the cities of their split; image
    ``i`` is rendered from a seed derived from ``(seed, split, i)``, so the
    output is byte-identical for identical arguments.

    Args:
        root (str): Output directory. It must be absent or empty unless
            ``overwrite`` is set; the remains of an interrupted run of this
            function (recognised by its in-progress marker) are replaced.
        num_train (int): Number of training images.
        num_val (int): Number of validation images.
        size (tuple[int, int]): Image size ``(H, W)``.
        seed (int): Base seed (non-negative).
        train_cities (Sequence[str]): City folder names of the train split.
        val_cities (Sequence[str]): City folder names of the val split.
        overwrite (bool): Replace the dataset written here before. Only the
            generator's own entries (``leftImg8bit``, ``gtFine`` and its
            marker files) are removed; other files are kept.

    Returns:
        dict: Summary (also saved as ``synthetic_cityscapes.json``) with the
        generation ``config`` and, per split, ``num_images``,
        ``class_pixel_fraction`` (over labelled pixels),
        ``class_image_fraction`` (share of images containing the class) and
        ``ignore_fraction``.

    Raises:
        ValueError: If a count, the size, the seed or a city name is invalid.
        FileExistsError: If ``root`` is not empty and ``overwrite`` is
            False.
    """
    for name, value in (('num_train', num_train), ('num_val', num_val),
                        ('seed', seed)):
        if isinstance(value, bool) or not isinstance(
                value, (int, np.integer)) or value < 0:
            raise ValueError(f'{name} must be a non-negative integer, got '
                             f'{value!r}')
    height, width = _check_size(size)
    train_cities = _check_cities(train_cities, 'train_cities')
    val_cities = _check_cities(val_cities, 'val_cities')
    root = osp.abspath(root)
    _prepare_root(root, overwrite)

    config = dict(num_train=int(num_train), num_val=int(num_val),
                  size=[height, width], seed=int(seed),
                  train_cities=list(train_cities),
                  val_cities=list(val_cities))
    summary = dict(format='cityscapes', generator=__name__,
                   generator_version=GENERATOR_VERSION, classes=list(CLASSES),
                   config=config, splits={})
    with open(osp.join(root, INCOMPLETE_FILE), 'w') as f:
        f.write('generation in progress or interrupted\n')

    for split, count, cities in (('train', num_train, train_cities),
                                 ('val', num_val, val_cities)):
        for city in cities:
            for top in ('leftImg8bit', 'gtFine'):
                os.makedirs(osp.join(root, top, split, city), exist_ok=True)
        pixels = np.zeros(256, np.int64)
        present = np.zeros(len(CLASSES), np.int64)
        for i in range(count):
            city = cities[i % len(cities)]
            stem = f'{city}_{i // len(cities):06d}_000019'
            img, train_ids = render_scene(_image_rng(seed, split, i),
                                          (height, width))
            _write_png(osp.join(root, 'leftImg8bit', split, city,
                                stem + IMG_SUFFIX), img[..., ::-1])
            gt_dir = osp.join(root, 'gtFine', split, city)
            _write_png(osp.join(gt_dir, stem + TRAIN_ID_SUFFIX), train_ids)
            _write_png(osp.join(gt_dir, stem + LABEL_ID_SUFFIX),
                       train_ids_to_label_ids(train_ids))
            counts = np.bincount(train_ids.ravel(), minlength=256)
            pixels += counts
            present += counts[:len(CLASSES)] > 0
        labelled = max(int(pixels[:len(CLASSES)].sum()), 1)
        summary['splits'][split] = dict(
            num_images=int(count),
            class_pixel_fraction={
                c: round(float(pixels[k]) / labelled, 6)
                for k, c in enumerate(CLASSES)
            },
            class_image_fraction={
                c: round(float(present[k]) / max(count, 1), 4)
                for k, c in enumerate(CLASSES)
            },
            ignore_fraction=round(
                float(pixels[IGNORE_INDEX]) / max(count * height * width, 1),
                6))

    # Summary last, via a rename, then drop the marker: only a finished run
    # has the summary without the marker.
    atomic_write_text(osp.join(root, SUMMARY_FILE),
                      json.dumps(summary, indent=2))
    os.remove(osp.join(root, INCOMPLETE_FILE))
    return summary
