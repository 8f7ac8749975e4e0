"""One image: sample the people and occluders, paint them, annotate the
visible keypoints."""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .body import (
    _HEAD,
    _L_EAR,
    _L_FARM,
    _L_FOOT,
    _L_HAND,
    _L_SHIN,
    _L_THIGH,
    _L_UARM,
    _R_EAR,
    _R_FARM,
    _R_FOOT,
    _R_HAND,
    _R_SHIN,
    _R_THIGH,
    _R_UARM,
    _TORSO,
    COCO_KEYPOINT_NAMES,
    Figure,
    _sample_figure,
)
from .clutter import (
    Occluder,
    _background,
    _camera_effects,
    _paint_occluder,
    _sample_occluders,
)
from .painters import FigureGeometry, _figure_parts, _paint_ops, _Painter

MIN_LABELLED_KEYPOINTS = 6
_CODES_PER_FIGURE = 32


# parts whose pixels count as "this joint is seen", in COCO keypoint order
_JOINT_PARTS: Tuple[Tuple[int, ...], ...] = (
    (_HEAD, ), (_HEAD, ), (_HEAD, ), (_HEAD, _L_EAR), (_HEAD, _R_EAR),
    (_TORSO, _L_UARM), (_TORSO, _R_UARM), (_L_UARM, _L_FARM),
    (_R_UARM, _R_FARM), (_L_FARM, _L_HAND), (_R_FARM, _R_HAND),
    (_TORSO, _L_THIGH), (_TORSO, _R_THIGH), (_L_THIGH, _L_SHIN),
    (_R_THIGH, _R_SHIN), (_L_SHIN, _L_FOOT), (_R_SHIN, _R_FOOT))


# ----------------------------------------------------------------------------
# one image
# ----------------------------------------------------------------------------
@dataclass
class ScenePlan:
    """Everything drawn in one image: people (far to near), occluders, and
    the seeds of the background and of the camera effects."""
    figures: List[Figure]
    occluders: List[Occluder]
    difficulty: float
    bg_seed: int
    post_seed: int


def _render(scene: ScenePlan, height: int, width: int):
    image = _background(
        np.random.default_rng(scene.bg_seed), height, width,
        scene.difficulty)
    owner = np.zeros((height, width), np.uint16)
    outline = max(1, int(round(0.006 * min(height, width))))
    geos, masks = [], []
    for k, fig in enumerate(scene.figures):
        mask = np.zeros((height, width), np.uint8)
        painter = _Painter(image, owner, mask, outline)
        parts, geo = _figure_parts(fig)
        for part in parts:
            painter.code = k * _CODES_PER_FIGURE + part.id
            _paint_ops(painter, part.ops)
        geos.append(geo)
        masks.append(mask)
    for occ in scene.occluders:
        _paint_occluder(image, owner, occ)
    image = _camera_effects(
        np.random.default_rng(scene.post_seed), image,
        scene.difficulty)
    return image, owner, geos, masks


def _annotate(k: int, geo: FigureGeometry, owner: np.ndarray,
              mask: np.ndarray) -> Optional[dict]:
    """COCO annotation of figure ``k`` or None when it has too few labels."""
    height, width = owner.shape
    kpts = np.zeros((len(COCO_KEYPOINT_NAMES), 3))
    for j, (x, y) in enumerate(geo.keypoints):
        if not geo.face_ok[j]:
            continue
        if not (0 <= x <= width - 1 and 0 <= y <= height - 1):
            continue
        code = int(owner[int(round(y)), int(round(x))])
        own = code - k * _CODES_PER_FIGURE in _JOINT_PARTS[j]
        kpts[j] = (round(float(x), 2), round(float(y), 2), 2 if own else 1)
    num = int((kpts[:, 2] > 0).sum())
    area = int(cv2.countNonZero(mask))
    if num < MIN_LABELLED_KEYPOINTS or area == 0:
        return None
    x0, y0, bw, bh = cv2.boundingRect(mask)
    return dict(
        category_id=1,
        bbox=[float(x0), float(y0), float(bw), float(bh)],
        area=float(area),
        iscrowd=0,
        num_keypoints=num,
        keypoints=[
            float(v) if i % 3 < 2 else int(v)
            for i, v in enumerate(kpts.reshape(-1))
        ])


def _make_image(rng: np.random.Generator, height: int, width: int,
                max_people: int, difficulty: float):
    """Sample, paint and annotate one image.

    Returns:
        tuple: (H, W, 3) uint8 BGR image and list of annotation dicts (no
        ids yet), each with an extra ``facing`` key.
    """
    probs = np.array([0.45, 0.35, 0.2])[:max_people]
    for _ in range(20):
        num = 1 + int(rng.choice(len(probs), p=probs / probs.sum()))
        figures: List[Figure] = []
        for _ in range(num):
            figures.append(
                _sample_figure(rng, height, width, num, figures, difficulty))
        # bigger people are nearer, so they are painted last
        figures.sort(key=lambda f: f.camera.scale)
        scene = ScenePlan(
            figures=figures,
            occluders=_sample_occluders(rng, figures, height, width,
                                        difficulty),
            difficulty=difficulty,
            bg_seed=int(rng.integers(2**63)),
            post_seed=int(rng.integers(2**63)))
        # a person with too few labels is removed and the image repainted,
        # so that no painted person goes unannotated
        for _ in range(len(figures) + 1):
            image, owner, geos, masks = _render(scene, height, width)
            anns = [
                _annotate(k, geo, owner, mask)
                for k, (geo, mask) in enumerate(zip(geos, masks))
            ]
            keep = [a is not None for a in anns]
            if all(keep) or not any(keep):
                break
            scene.figures = [
                f for f, ok in zip(scene.figures, keep) if ok
            ]
        if anns and all(a is not None for a in anns):
            for ann, fig in zip(anns, scene.figures):
                ann['facing'] = fig.facing
            return image, anns
    raise RuntimeError(
        'could not place a sufficiently visible person in a '
        f'{height}x{width} image after 20 attempts; use a larger image_size')
