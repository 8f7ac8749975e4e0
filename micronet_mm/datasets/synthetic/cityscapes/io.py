"""Writing a synthetic Cityscapes dataset: file layout, settings, summary,
and the dataset state shared with the other generator
(:mod:`micronet_mm.datasets.synthetic.writer`)."""
import re
from typing import Sequence, Tuple

import cv2
import numpy as np

from ..writer import SetFormat
from .labels import CLASSES, IGNORE_INDEX, train_ids_to_label_ids
from .scene import DEFAULT_SIZE, _check_size, render_scene

DEFAULT_NUM_TRAIN = 300
DEFAULT_NUM_VAL = 50
DEFAULT_TRAIN_CITIES = ('aachen', 'bremen', 'hamburg', 'jena', 'zurich')
DEFAULT_VAL_CITIES = ('frankfurt', 'lindau', 'munster')
SUMMARY_FILE = 'synthetic_cityscapes.json'
PROGRESS_FILE = '.synthetic_cityscapes.incomplete'
IMG_SUFFIX = '_leftImg8bit.png'
TRAIN_ID_SUFFIX = '_gtFine_labelTrainIds.png'
LABEL_ID_SUFFIX = '_gtFine_labelIds.png'
#: Bumped whenever the rendering changes, so stale datasets are detectable.
GENERATOR_VERSION = 2
_SPLIT_CODES = {'train': 0, 'val': 1}
_CITY_RE = re.compile(r'^[a-z][a-z0-9-]*$')
#: Recorded as ``generator`` in every summary: the module's name before the
#: generators became packages, kept so that summaries stay byte-identical.
GENERATOR_NAME = 'micronet_mm.datasets.synthetic_cityscapes'
FORMAT = SetFormat(
    name='synthetic Cityscapes',
    summary_file=SUMMARY_FILE,
    progress_file=PROGRESS_FILE,
    version=GENERATOR_VERSION,
    version_key=('generator_version', ),
    outputs=('leftImg8bit', 'gtFine'),
    summary_indent=2,
    cli='tools/dataset_converters/generate_synthetic_cityscapes.py')


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


def _write_png(path, array: np.ndarray):
    # Fast deflate; Huffman-only coding suits noisy photos better than LZ77
    # matching (smaller and faster), while label maps are mostly long runs.
    strategy = (cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY
                if array.ndim == 3 else cv2.IMWRITE_PNG_STRATEGY_RLE)
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY,
              strategy]
    if not cv2.imwrite(str(path), array, params):
        raise OSError(f'could not write {path}')


#: ``dataset_state(root)``: ``'missing'``, ``'incomplete'``, ``'current'``,
#: ``'outdated'`` or ``'foreign'``; ``read_summary(root)``: the summary of a
#: finished set or None (see :class:`~..writer.SetFormat`).
dataset_state = FORMAT.dataset_state
read_summary = FORMAT.read_summary


def recorded_arguments(summary: dict) -> dict:
    """The :func:`generate_synthetic_cityscapes` arguments a summary
    records (its ``config``; the image size is recorded as ``size``)."""
    config = dict(summary['config'])
    config['image_size'] = tuple(config.pop('size'))
    for key in ('train_cities', 'val_cities'):
        config[key] = tuple(config[key])
    return config


def regenerate(root) -> dict:
    """Rewrite a finished dataset with this generator version, keeping the
    arguments (counts, size, seed, cities) recorded in its summary.

    Args:
        root (str | Path): Root of a finished dataset.

    Returns:
        dict: The new summary, as :func:`generate_synthetic_cityscapes`.

    Raises:
        FileNotFoundError: If ``root`` holds no finished dataset.
    """
    summary = FORMAT.require_summary(root)
    return generate_synthetic_cityscapes(
        root, **recorded_arguments(summary), overwrite=True)


def generate_synthetic_cityscapes(
        root,
        num_train: int = DEFAULT_NUM_TRAIN,
        num_val: int = DEFAULT_NUM_VAL,
        image_size: Tuple[int, int] = DEFAULT_SIZE,
        seed: int = 0,
        train_cities: Sequence[str] = DEFAULT_TRAIN_CITIES,
        val_cities: Sequence[str] = DEFAULT_VAL_CITIES,
        overwrite: bool = False) -> dict:
    """Write a synthetic dataset in the Cityscapes layout.

    Images are spread round-robin over the cities of their split; image
    ``i`` is rendered from a seed derived from ``(seed, split, i)``, so the
    output is byte-identical for identical arguments.

    Args:
        root (str | Path): Output directory. A finished dataset or other
            files in it are replaced only with ``overwrite``; the remains of
            an interrupted run are always replaced.
        num_train (int): Number of training images.
        num_val (int): Number of validation images.
        image_size (tuple[int, int]): Image size ``(H, W)``.
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
        FileExistsError: If ``root`` holds a finished dataset or other files
            and ``overwrite`` is False.
    """
    for name, value in (('num_train', num_train), ('num_val', num_val),
                        ('seed', seed)):
        if isinstance(value, bool) or not isinstance(
                value, (int, np.integer)) or value < 0:
            raise ValueError(f'{name} must be a non-negative integer, got '
                             f'{value!r}')
    height, width = _check_size(image_size)
    train_cities = _check_cities(train_cities, 'train_cities')
    val_cities = _check_cities(val_cities, 'val_cities')
    config = dict(num_train=int(num_train), num_val=int(num_val),
                  size=[height, width], seed=int(seed),
                  train_cities=list(train_cities),
                  val_cities=list(val_cities))
    root = FORMAT.begin(root, overwrite, config)
    summary = dict(format='cityscapes', generator=GENERATOR_NAME,
                   generator_version=GENERATOR_VERSION, classes=list(CLASSES),
                   config=config, splits={})

    for split, count, cities in (('train', num_train, train_cities),
                                 ('val', num_val, val_cities)):
        for city in cities:
            for top in ('leftImg8bit', 'gtFine'):
                (root / top / split / city).mkdir(parents=True,
                                                  exist_ok=True)
        pixels = np.zeros(256, np.int64)
        present = np.zeros(len(CLASSES), np.int64)
        for i in range(count):
            city = cities[i % len(cities)]
            stem = f'{city}_{i // len(cities):06d}_000019'
            img, train_ids = render_scene(_image_rng(seed, split, i),
                                          (height, width))
            _write_png(root / 'leftImg8bit' / split / city /
                       (stem + IMG_SUFFIX), img[..., ::-1])
            gt_dir = root / 'gtFine' / split / city
            _write_png(gt_dir / (stem + TRAIN_ID_SUFFIX), train_ids)
            _write_png(gt_dir / (stem + LABEL_ID_SUFFIX),
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
    FORMAT.finish(root, summary)
    return summary
