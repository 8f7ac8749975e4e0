"""Writing a synthetic COCO keypoint dataset: images, annotation files,
detections, summary, and the dataset state shared with the other generator
(:mod:`micronet_mm.datasets.synthetic.writer`)."""
import math
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from ..writer import SetFormat, write_json_atomic
from .body import COCO_KEYPOINT_NAMES, COCO_SKELETON
from .scene import _make_image

SUMMARY_FILE = '.complete.json'
PROGRESS_FILE = '.in_progress.json'
#: Bumped whenever the drawing changes, so stale datasets are detectable.
GENERATOR_VERSION = 1
DEFAULT_NUM_TRAIN = 600
DEFAULT_NUM_VAL = 100
DEFAULT_SIZE = (384, 384)
FORMAT = SetFormat(
    name='synthetic COCO keypoints',
    summary_file=SUMMARY_FILE,
    progress_file=PROGRESS_FILE,
    version=GENERATOR_VERSION,
    version_key=('params', 'format_version'),
    outputs=('images/train', 'images/val',
             'annotations/person_keypoints_train.json',
             'annotations/person_keypoints_val.json',
             'annotations/person_detections_val.json'),
    summary_indent=None,
    cli='tools/dataset_converters/generate_synthetic_coco_keypoints.py')
_SPLIT_CODES = {'train': 1, 'val': 2}
_DETECTION_STREAM = 3
_JPEG_QUALITY = 92


# ----------------------------------------------------------------------------
# dataset files
# ----------------------------------------------------------------------------
def _categories() -> List[dict]:
    return [
        dict(
            supercategory='person',
            id=1,
            name='person',
            keypoints=list(COCO_KEYPOINT_NAMES),
            skeleton=[list(pair) for pair in COCO_SKELETON])
    ]


def _params(num_train: int, num_val: int, image_size: Tuple[int, int],
            seed: int, max_people: int, difficulty: float) -> dict:
    """The settings as recorded in the summary and the annotation files
    (the version is recorded as ``format_version``)."""
    return dict(
        format_version=GENERATOR_VERSION,
        num_train=num_train,
        num_val=num_val,
        image_size=[image_size[0], image_size[1]],
        seed=seed,
        max_people=max_people,
        difficulty=difficulty)


def _generate_split(root: Path, split: str, num_images: int,
                    params: dict) -> Tuple[dict, dict]:
    height, width = params['image_size']
    seed = params['seed']
    img_dir = root / 'images' / split
    img_dir.mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    for idx in range(num_images):
        rng = np.random.default_rng([seed, _SPLIT_CODES[split], idx])
        image, img_anns = _make_image(rng, height, width,
                                      params['max_people'],
                                      params['difficulty'])
        file_name = f'{idx + 1:06d}.jpg'
        ok, buf = cv2.imencode('.jpg', image,
                               [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f'cv2 could not encode {img_dir / file_name}')
        buf.tofile(str(img_dir / file_name))
        images.append(
            dict(
                id=idx + 1,
                file_name=file_name,
                width=width,
                height=height,
                license=1))
        for ann in img_anns:
            ann['id'] = len(anns) + 1
            ann['image_id'] = idx + 1
            anns.append(ann)
    coco = dict(
        info=dict(
            description='micronet_mm synthetic COCO person keypoints '
            f'({split})',
            version=str(GENERATOR_VERSION),
            year=2024,
            contributor='micronet_mm.datasets.synthetic_coco_keypoints',
            date_created='',
            generator=params),
        licenses=[dict(id=1, name='synthetic, no rights reserved', url='')],
        images=images,
        annotations=anns,
        categories=_categories())
    write_json_atomic(
        root / 'annotations' / f'person_keypoints_{split}.json', coco)
    return coco, _split_stats(coco)


def _split_stats(coco: dict) -> dict:
    vis = np.array([a['keypoints'][2::3] for a in coco['annotations']],
                   int).reshape(-1, len(COCO_KEYPOINT_NAMES))
    facing = [a['facing'] for a in coco['annotations']]
    return dict(
        images=len(coco['images']),
        instances=len(coco['annotations']),
        keypoints_v0=int((vis == 0).sum()),
        keypoints_v1=int((vis == 1).sum()),
        keypoints_v2=int((vis == 2).sum()),
        instances_with_occluded=int((vis == 1).any(axis=1).sum()),
        facing_front=facing.count('front'),
        facing_back=facing.count('back'))


def _detections(coco: dict, seed: int) -> List[dict]:
    """Detector-like boxes: jittered ground truth plus weak false alarms."""
    rng = np.random.default_rng([seed, _DETECTION_STREAM])
    by_image: Dict[int, List[dict]] = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    dets = []
    for img in coco['images']:
        width, height = img['width'], img['height']
        for ann in by_image.get(img['id'], []):
            x, y, w, h = ann['bbox']
            cx = x + w / 2 + rng.normal(0, 0.04 * w)
            cy = y + h / 2 + rng.normal(0, 0.04 * h)
            w = w * math.exp(rng.normal(0, 0.06))
            h = h * math.exp(rng.normal(0, 0.06))
            dets.append(_det(img['id'], cx, cy, w, h, width, height,
                             rng.uniform(0.7, 0.99)))
        for _ in range(int(rng.choice(3, p=[0.5, 0.35, 0.15]))):
            h = rng.uniform(0.2, 0.6) * height
            w = h * rng.uniform(0.3, 0.7)
            dets.append(
                _det(img['id'], rng.uniform(0, width), rng.uniform(0, height),
                     w, h, width, height, rng.uniform(0.02, 0.35)))
    return dets


def _det(image_id, cx, cy, w, h, width, height, score) -> dict:
    x0 = float(np.clip(cx - w / 2, 0, width - 1))
    y0 = float(np.clip(cy - h / 2, 0, height - 1))
    x1 = float(np.clip(cx + w / 2, x0 + 1, width))
    y1 = float(np.clip(cy + h / 2, y0 + 1, height))
    return dict(
        image_id=int(image_id),
        category_id=1,
        bbox=[round(x0, 2), round(y0, 2), round(x1 - x0, 2),
              round(y1 - y0, 2)],
        score=round(float(score), 4))


#: ``dataset_state(root)``: ``'missing'``, ``'incomplete'``, ``'current'``,
#: ``'outdated'`` or ``'foreign'``; ``read_summary(root)``: the summary of a
#: finished set or None (see :class:`~..writer.SetFormat`).
dataset_state = FORMAT.dataset_state
read_summary = FORMAT.read_summary


def recorded_arguments(summary: dict) -> dict:
    """The :func:`generate_synthetic_coco_keypoints` arguments a summary
    records (its ``params`` without the version)."""
    params = dict(summary['params'])
    params.pop('format_version', None)
    params['image_size'] = tuple(params['image_size'])
    return params


def regenerate(root) -> dict:
    """Rewrite a finished dataset with this generator version, keeping the
    arguments recorded in its summary.

    Args:
        root (str | Path): Root of a finished dataset.

    Returns:
        dict: The new summary, as :func:`generate_synthetic_coco_keypoints`.

    Raises:
        FileNotFoundError: If ``root`` holds no finished dataset.
    """
    summary = FORMAT.require_summary(root)
    return generate_synthetic_coco_keypoints(
        root, **recorded_arguments(summary), overwrite=True)


def generate_synthetic_coco_keypoints(root,
                                      num_train: int = DEFAULT_NUM_TRAIN,
                                      num_val: int = DEFAULT_NUM_VAL,
                                      image_size: Sequence[int] = DEFAULT_SIZE,
                                      seed: int = 0,
                                      max_people: int = 3,
                                      difficulty: float = 1.0,
                                      overwrite: bool = False) -> dict:
    """Write a synthetic COCO person-keypoint dataset.

    The defaults give about 1050 training and 175 validation people and
    take well under a minute on one core. See the package docstring for the
    figure model and the left/right cue.

    Args:
        root (str | Path): Output directory. A finished dataset or other
            files in it are replaced only with ``overwrite``; the remains of
            an interrupted run are always replaced.
        num_train (int): Number of training images (1-3 people each).
        num_val (int): Number of validation images.
        image_size (Sequence[int]): (height, width) of every image, each at
            least 96.
        seed (int): Non-negative seed; equal arguments give identical files.
        max_people (int): Upper bound of people per image, 1-3.
        difficulty (float): In [0, 1]; scales background clutter,
            distractor sticks, foreground occluders, deliberate overlaps,
            border cuts and camera noise/blur/colour cast. 1 is the full
            dataset, 0 keeps the varied poses, sizes, multiple people and
            the left/right cue on clean gradient-and-texture backgrounds.
        overwrite (bool): Replace a finished dataset or write next to other
            files in ``root`` (only the paths this function writes are
            removed).

    Returns:
        dict: Summary with the parameters, per-split statistics (``images``,
        ``instances``, ``keypoints_v0/v1/v2``, ``facing_front/back``, ...)
        and ``detections_val``, plus the ``root`` it was written to.

    Raises:
        ValueError: If an argument is out of range.
        FileExistsError: If ``root`` holds a finished dataset or other
            files and ``overwrite`` is False.
    """
    image_size = tuple(int(v) for v in image_size)
    if len(image_size) != 2 or min(image_size) < 96:
        raise ValueError(
            f'image_size must be (height, width) with both >= 96, got '
            f'{image_size}')
    for name, value in (('num_train', num_train), ('num_val', num_val)):
        if int(value) != value or value < 1:
            raise ValueError(f'{name} must be a positive integer, got {value}')
    if int(seed) != seed or seed < 0:
        raise ValueError(f'seed must be a non-negative integer, got {seed}')
    if max_people not in (1, 2, 3):
        raise ValueError(f'max_people must be 1, 2 or 3, got {max_people}')
    if not 0.0 <= float(difficulty) <= 1.0:
        raise ValueError(f'difficulty must be in [0, 1], got {difficulty}')
    params = _params(int(num_train), int(num_val), image_size, int(seed),
                     int(max_people), float(difficulty))
    root = FORMAT.begin(root, overwrite, params)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)

    summary = dict(params=params, splits={})
    val_coco = None
    for split, num in (('train', int(num_train)), ('val', int(num_val))):
        coco, stats = _generate_split(root, split, num, params)
        summary['splits'][split] = stats
        if split == 'val':
            val_coco = coco
    dets = _detections(val_coco, int(seed))
    write_json_atomic(root / 'annotations' / 'person_detections_val.json',
                      dets)
    summary['detections_val'] = len(dets)
    FORMAT.finish(root, summary)
    return dict(summary, root=str(root))
