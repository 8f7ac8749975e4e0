"""Everything around the people: backgrounds, distractor sticks,
foreground occluders and camera effects."""
import math
from dataclasses import dataclass
from typing import List, Tuple

import cv2
import numpy as np

from .body import (
    COCO_KEYPOINT_NAMES,
    Figure,
    _random_colour,
    _sample_palette,
    _scale_colour,
)
from .painters import _SHIFT, _fixed

_OCCLUDER_CODE = 60000


# ----------------------------------------------------------------------------
# backgrounds, occluders, camera effects
# ----------------------------------------------------------------------------
def _background(rng: np.random.Generator, height: int, width: int,
                difficulty: float) -> np.ndarray:
    kind = int(rng.integers(4))
    c0 = np.array(_random_colour(rng), np.float32)
    c1 = np.array(_random_colour(rng), np.float32)
    # broadcastable coordinates: (1, W) and (H, 1)
    xx = np.arange(width, dtype=np.float32)[None, :]
    yy = np.arange(height, dtype=np.float32)[:, None]
    if kind == 0:  # linear gradient
        ang = rng.uniform(0, 2 * math.pi)
        t = (xx * math.cos(ang) + yy * math.sin(ang))
        t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
    elif kind == 1:  # stripes
        ang = rng.uniform(0, math.pi)
        period = rng.uniform(6, 60)
        t = 0.5 + 0.5 * np.sin(
            (xx * math.cos(ang) + yy * math.sin(ang)) * 2 * math.pi / period)
    elif kind == 2:  # checkerboard
        cell = int(rng.integers(8, 64))
        t = (((xx // cell) + (yy // cell)) % 2).astype(np.float32)
        t = 0.25 + 0.5 * t
    else:  # smooth noise
        small = rng.random((max(2, height // 24), max(2, width // 24)))
        t = cv2.resize(small.astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
        t = np.clip(t, 0, 1)
    img = c0 + (c1 - c0) * t[..., None]
    # low-frequency colour blotches over every kind
    blot = rng.normal(0, 18, size=(max(2, height // 48), max(2, width // 48),
                                   3)).astype(np.float32)
    img += cv2.resize(blot, (width, height), interpolation=cv2.INTER_LINEAR)
    img = np.clip(img, 0, 255).astype(np.uint8)

    short = min(height, width)
    for _ in range(int(round(rng.integers(6, 22) * difficulty))):
        colour = _random_colour(rng, 0, 255)
        kind = int(rng.integers(5))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(0.02, 0.16) * short
        if kind == 0:
            cv2.circle(img, (int(cx), int(cy)), int(size), colour,
                       -1 if rng.random() < 0.7 else 2, cv2.LINE_AA)
        elif kind == 1:
            box = ((float(cx), float(cy)), (float(size * rng.uniform(0.5, 2)),
                                            float(size)),
                   float(rng.uniform(0, 180)))
            pts = cv2.boxPoints(box).astype(np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        elif kind == 2:
            n = int(rng.integers(3, 7))
            ang = np.sort(rng.uniform(0, 2 * math.pi, n))
            rad = size * rng.uniform(0.5, 1.0, n)
            pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)],
                           1).astype(np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        elif kind == 3:
            end = (int(cx + rng.normal(0, size * 2)),
                   int(cy + rng.normal(0, size * 2)))
            cv2.line(img, (int(cx), int(cy)), end, colour,
                     int(rng.integers(1, 4)), cv2.LINE_AA)
        else:
            cv2.ellipse(img, ((float(cx), float(cy)),
                              (float(size), float(size * rng.uniform(0.3, 1))),
                              float(rng.uniform(0, 180))), colour, -1,
                        cv2.LINE_AA)
    # limb-like distractor sticks in clothing/skin colours
    for _ in range(int(round(rng.integers(0, 5) * difficulty))):
        pal = _sample_palette(rng)
        colour = [pal.shirt, pal.trousers, pal.skin][int(
            rng.integers(3))]
        p0 = np.array([rng.uniform(0, width), rng.uniform(0, height)])
        ang = rng.uniform(0, 2 * math.pi)
        length = rng.uniform(0.08, 0.25) * short
        p1 = p0 + length * np.array([math.cos(ang), math.sin(ang)])
        thick = int(max(2, rng.uniform(0.02, 0.045) * short))
        cv2.line(img, tuple(_fixed(p0)), tuple(_fixed(p1)),
                 _scale_colour(colour, 0.45), thick + 2, cv2.LINE_AA, _SHIFT)
        cv2.line(img, tuple(_fixed(p0)), tuple(_fixed(p1)), colour, thick,
                 cv2.LINE_AA, _SHIFT)
    return img


@dataclass
class Occluder:
    """A foreground object painted over the people.

    Attributes:
        kind (int): 0 rotated box, 1 ellipse, 2 irregular polygon, 3 bar.
        centre (tuple[float, float]): Image position (x, y).
        size (float): Size in pixels.
        aspect (float): Short side / long side.
        angle (float): Rotation in degrees.
        colour (tuple): BGR colour.
        stripes (bool): Painted with diagonal stripes.
        stripe_colour (tuple): BGR colour of the stripes.
        stripe_period (float): Stripe period in pixels.
        vertices (np.ndarray): Radii (relative) of the polygon's vertices.
    """
    kind: int
    centre: Tuple[float, float]
    size: float
    aspect: float
    angle: float
    colour: Tuple[int, ...]
    stripes: bool
    stripe_colour: Tuple[int, ...]
    stripe_period: float
    vertices: np.ndarray


def _sample_occluders(rng: np.random.Generator, figures: List[Figure],
                      height: int, width: int,
                      difficulty: float) -> List[Occluder]:
    occluders = []
    targets = [f for f in figures if rng.random() < 0.33 * difficulty]
    for fig in targets:
        cam = fig.camera
        pts = np.stack([
            fig.body.points[n] for n in COCO_KEYPOINT_NAMES[5:]
        ])
        xy, _ = cam.project(pts)
        anchor = xy[int(rng.integers(len(xy)))]
        size = rng.uniform(0.12, 0.35) * cam.scale
        centre = anchor + rng.normal(0, 0.05 * cam.scale, size=2)
        occluders.append(_occluder_params(rng, centre, size))
    if rng.random() < 0.2 * difficulty:
        centre = np.array([rng.uniform(0, width), rng.uniform(0, height)])
        occluders.append(
            _occluder_params(rng, centre,
                             rng.uniform(0.08, 0.25) * min(height, width)))
    return occluders


def _occluder_params(rng: np.random.Generator, centre: np.ndarray,
                     size: float) -> Occluder:
    return Occluder(
        kind=int(rng.integers(4)),
        centre=(float(centre[0]), float(centre[1])),
        size=float(size),
        aspect=float(rng.uniform(0.3, 1.0)),
        angle=float(rng.uniform(0, 180)),
        colour=_random_colour(rng),
        stripes=bool(rng.random() < 0.4),
        stripe_colour=_random_colour(rng),
        stripe_period=float(rng.uniform(4, 14)),
        vertices=rng.uniform(0.5, 1.0, size=int(rng.integers(3, 8))))


def _paint_occluder(image: np.ndarray, owner: np.ndarray,
                    occ: Occluder) -> None:
    mask = np.zeros(owner.shape, np.uint8)
    cx, cy = occ.centre
    size = occ.size
    if occ.kind == 0:  # rotated box
        box = ((cx, cy), (size, size * occ.aspect), occ.angle)
        cv2.fillPoly(mask, [cv2.boxPoints(box).astype(np.int32)], 1)
    elif occ.kind == 1:  # ellipse
        cv2.ellipse(mask, ((cx, cy), (size, size * occ.aspect),
                           occ.angle), 1, -1)
    elif occ.kind == 2:  # irregular polygon
        n = len(occ.vertices)
        ang = np.linspace(0, 2 * math.pi, n, endpoint=False) + math.radians(
            occ.angle)
        rad = 0.5 * size * occ.vertices
        pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1)
    else:  # long bar, like a pole or railing
        ang = math.radians(occ.angle)
        d = np.array([math.cos(ang), math.sin(ang)]) * size
        p0 = np.array([cx, cy]) - d
        p1 = np.array([cx, cy]) + d
        cv2.line(mask, tuple(_fixed(p0)), tuple(_fixed(p1)), 1,
                 max(2, int(0.25 * size * occ.aspect)), cv2.LINE_8, _SHIFT)
    region = mask.astype(bool)
    layer = np.empty_like(image)
    layer[:] = occ.colour
    if occ.stripes:
        period = occ.stripe_period
        h, w = owner.shape
        for k in range(int((h + w) / period) + 1):
            off = k * period
            cv2.line(layer, (int(off), 0), (int(off - h), h),
                     occ.stripe_colour, max(1, int(period / 3)))
    image[region] = layer[region]
    owner[region] = _OCCLUDER_CODE


def _camera_effects(rng: np.random.Generator, image: np.ndarray,
                    difficulty: float) -> np.ndarray:
    img = image.astype(np.float32)
    d = difficulty
    gain = rng.uniform(1 - 0.15 * d, 1 + 0.15 * d, size=3).astype(np.float32)
    contrast = rng.uniform(1 - 0.2 * d, 1 + 0.2 * d)
    mean = img.mean()
    img = (img - mean) * contrast + mean + rng.uniform(-20 * d, 20 * d)
    img *= gain
    sigma = rng.uniform(0, 8 * d)
    if sigma > 0.5:
        img += sigma * rng.standard_normal(img.shape, dtype=np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3 * d:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.5, 1.0))
    return img
