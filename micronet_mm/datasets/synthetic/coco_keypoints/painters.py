"""Painting a person: the part list (depth-sorted paint operations) and
the painter that draws it into the image, ownership map and mask."""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .body import (
    _FACE_NORMAL_MIN,
    _HEAD,
    _L_EAR,
    _L_FARM,
    _L_FOOT,
    _L_HAND,
    _L_SHIN,
    _L_THIGH,
    _L_UARM,
    _NECK,
    _PUPIL,
    _R_EAR,
    _R_FARM,
    _R_FOOT,
    _R_HAND,
    _R_SHIN,
    _R_THIGH,
    _R_UARM,
    _SCLERA,
    _TORSO,
    COCO_KEYPOINT_NAMES,
    Figure,
    _scale_colour,
)

_SHIFT = 4  # cv2 sub-pixel bits: coordinates are drawn at 1/16 px
_ONE = 1 << _SHIFT


def _fixed(points: np.ndarray) -> np.ndarray:
    """Float pixel coordinates -> cv2 fixed-point coordinates."""
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


# ----------------------------------------------------------------------------
# painting
# ----------------------------------------------------------------------------
class _Painter:
    """Paint the same primitives into the image, ownership map and mask.

    Args:
        image (np.ndarray): (H, W, 3) uint8 BGR canvas.
        owner (np.ndarray): (H, W) uint16 map of the topmost part code.
        mask (np.ndarray | None): (H, W) uint8 silhouette of the current
            figure, or None.
        outline (int): Outline width in pixels.
    """

    def __init__(self, image: np.ndarray, owner: np.ndarray,
                 mask: Optional[np.ndarray], outline: int):
        self.image, self.owner, self.mask = image, owner, mask
        self.outline = outline
        self.code = 0

    def _targets(self):
        yield self.owner, self.code
        if self.mask is not None:
            yield self.mask, 1

    def line(self, p0, p1, width: float, colour, outlined: bool = True):
        p0, p1 = tuple(_fixed(p0)), tuple(_fixed(p1))
        w = max(1, int(round(width)))
        full = w + 2 * self.outline if outlined else w
        for canvas, value in self._targets():
            cv2.line(canvas, p0, p1, value, full, cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.line(self.image, p0, p1, _scale_colour(colour, 0.45), full,
                     cv2.LINE_AA, _SHIFT)
        cv2.line(self.image, p0, p1, colour, w, cv2.LINE_AA, _SHIFT)

    def circle(self, centre, radius: float, colour, outlined: bool = True):
        c = tuple(_fixed(centre))
        r = max(_ONE // 2, int(round(radius * _ONE)))
        full = r + self.outline * _ONE if outlined else r
        for canvas, value in self._targets():
            cv2.circle(canvas, c, full, value, -1, cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.circle(self.image, c, full, _scale_colour(colour, 0.45), -1,
                       cv2.LINE_AA, _SHIFT)
        cv2.circle(self.image, c, r, colour, -1, cv2.LINE_AA, _SHIFT)

    def poly(self, points, colour, outlined: bool = True):
        pts = [_fixed(points).reshape(-1, 1, 2)]
        for canvas, value in self._targets():
            cv2.fillPoly(canvas, pts, value, cv2.LINE_8, _SHIFT)
            if outlined:
                cv2.polylines(canvas, pts, True, value, 2 * self.outline + 1,
                              cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.polylines(self.image, pts, True, _scale_colour(colour, 0.45),
                          2 * self.outline + 1, cv2.LINE_AA, _SHIFT)
        cv2.fillPoly(self.image, pts, colour, cv2.LINE_AA, _SHIFT)


@dataclass
class PaintedPart:
    """One body part: its id in the ownership map, its closeness to the
    camera (parts are painted far to near) and its paint operations."""
    id: int
    depth: float
    ops: list


@dataclass
class FigureGeometry:
    """Where a figure's keypoints landed in the image.

    Attributes:
        keypoints (np.ndarray): (17, 2) image positions.
        face_ok (np.ndarray): (17,) False for face points on the far side of
            the head.
        scale (float): Pixels per body unit.
    """
    keypoints: np.ndarray
    face_ok: np.ndarray
    scale: float


def _figure_parts(fig: Figure) -> Tuple[List[PaintedPart], FigureGeometry]:
    """Build the depth-sorted paint list and keypoints of one figure.

    Returns:
        tuple: The depth-sorted parts and the figure's geometry.
    """
    body, cam, pal = fig.body, fig.camera, fig.palette
    names = list(body.points.keys())
    xy_all, close_all = cam.project(
        np.stack([body.points[n] for n in names]))
    xy = dict(zip(names, xy_all))
    close = dict(zip(names, close_all))
    s = cam.scale
    w = body.widths
    head_r = body.head_r
    torso_depth = close['torso_centre']
    # closeness is linear without offset, so projecting a direction gives
    # how much it points at the camera
    _, facing = cam.project(
        np.stack([body.face_normal, body.chest_normal]))
    face_front, torso_front = facing[0] > 0, facing[1] > 0

    def shade(colour, depth):
        # nearer parts slightly brighter: a depth hint shared by both sides
        return _scale_colour(colour,
                             float(np.clip(1 + 0.8 * (depth - torso_depth),
                                           0.8, 1.2)))

    parts = []

    def add(part_id, depth, ops):
        parts.append(PaintedPart(id=part_id, depth=float(depth), ops=ops))

    # torso with shirt-front marks
    poly_names = ['left_shoulder_outer', 'left_waist', 'left_hip_outer',
                  'right_hip_outer', 'right_waist', 'right_shoulder_outer']
    ops = [('poly', np.stack([xy[n] for n in poly_names]), pal.shirt,
            True)]
    if torso_front:
        collar, _ = cam.project(np.stack(body.collar))
        buttons, _ = cam.project(np.stack(body.buttons))
        ops.append(('poly', collar, pal.skin, False))
        ops.append(('line', buttons[0], buttons[1], max(1.0, 0.012 * s),
                    _scale_colour(pal.shirt, 0.55), False))
    add(_TORSO, torso_depth, ops)
    add(_NECK, torso_depth - 1e-3,
        [('line', xy['neck_base'], xy['neck_top'], w.neck * s,
          pal.skin, True)])

    # head: hair everywhere, the face only on the front half
    head_depth = close['head_centre']
    r_px = head_r * s
    ops = [('circle', xy['head_centre'], r_px, pal.hair, True)]
    if face_front:
        ring_xy, ring_close = cam.project(body.face_ring)
        offsets = ring_xy - xy['head_centre']
        behind = ring_close < close['head_centre']
        # ring points on the far side are pushed onto the visible outline
        lengths = np.linalg.norm(offsets, axis=1, keepdims=True) + 1e-9
        offsets[behind] = offsets[behind] / lengths[behind] * r_px
        ops.append(('poly', xy['head_centre'] + offsets, pal.skin, False))
        for eye in ('left_eye', 'right_eye'):
            if close[eye] > close['head_centre']:
                ops.append(('circle', xy[eye], 0.24 * r_px, _SCLERA, False))
                ops.append(('circle', xy[eye], max(1.0, 0.15 * r_px), _PUPIL,
                            False))
        ops.append(('line', xy['nose_bridge'], xy['nose'],
                    max(1.0, 0.14 * r_px), _scale_colour(pal.skin, 0.7),
                    False))
        ops.append(('line', xy['mouth_left'], xy['mouth_right'],
                    max(1.0, 0.1 * r_px), (60, 50, 150), False))
    else:
        for k in range(3):
            ops.append(('line', xy[f'strand{k}_top'], xy[f'strand{k}_end'],
                        max(1.0, 0.1 * r_px), _scale_colour(pal.hair, 0.65),
                        False))
    add(_HEAD, head_depth, ops)
    for ear, part_id in (('left_ear', _L_EAR), ('right_ear', _R_EAR)):
        in_front = close[ear] - close['head_centre'] > -0.1 * head_r
        add(part_id, head_depth + (1e-3 if in_front else -1e-3),
            [('circle', xy[ear], 0.24 * r_px, pal.skin, True)])

    # limbs
    for side, ids in (('left', (_L_UARM, _L_FARM, _L_HAND, _L_THIGH,
                                _L_SHIN, _L_FOOT)),
                      ('right', (_R_UARM, _R_FARM, _R_HAND, _R_THIGH,
                                 _R_SHIN, _R_FOOT))):
        segs = (
            (ids[0], f'{side}_shoulder', f'{side}_elbow', w.arm,
             pal.shirt),
            (ids[1], f'{side}_elbow', f'{side}_wrist', w.arm * 0.92,
             pal.skin if pal.short_sleeves else pal.shirt),
            (ids[3], f'{side}_hip', f'{side}_knee', w.leg,
             pal.trousers),
            (ids[4], f'{side}_knee', f'{side}_ankle', w.leg * 0.9,
             pal.skin if pal.shorts else pal.trousers),
            (ids[5], f'{side}_ankle', f'{side}_toe', w.leg * 0.85,
             pal.shoes),
        )
        for part_id, a, b, width, colour in segs:
            depth = 0.5 * (close[a] + close[b])
            add(part_id, depth, [('line', xy[a], xy[b], width * s,
                                  shade(colour, depth), True)])
        hand = f'{side}_hand'
        add(ids[2], close[hand] + 1e-3,
            [('circle', xy[hand], w.hand * s, shade(pal.skin,
                                                        close[hand]), True)])

    parts.sort(key=lambda p: p.depth)
    keypoints = np.stack([xy[n] for n in COCO_KEYPOINT_NAMES])
    normals = np.array([
        (close[n] - close['head_centre']) / head_r
        for n in COCO_KEYPOINT_NAMES[:5]
    ])
    face_ok = np.ones(len(COCO_KEYPOINT_NAMES), bool)
    face_ok[:5] = normals > np.array(_FACE_NORMAL_MIN)
    return parts, FigureGeometry(keypoints=keypoints, face_ok=face_ok,
                                 scale=s)


def _paint_ops(painter: _Painter, ops: list) -> None:
    for op in ops:
        kind = op[0]
        if kind == 'line':
            painter.line(op[1], op[2], op[3], op[4], op[5])
        elif kind == 'circle':
            painter.circle(op[1], op[2], op[3], op[4])
        else:
            painter.poly(op[1], op[2], op[3])
