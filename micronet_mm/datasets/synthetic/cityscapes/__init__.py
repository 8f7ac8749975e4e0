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
run in progress is flagged by ``.synthetic_cityscapes.incomplete``
(:mod:`micronet_mm.datasets.synthetic.writer` has the rules both generators
share).

Modules: :mod:`.labels` (classes, ids, colour prototypes), :mod:`.camera`
(pinhole camera and canvas), :mod:`.layout` (street, facade and object
plans), :mod:`.painters` and :mod:`.objects` (drawing), :mod:`.scene`
(:func:`render_scene`), :mod:`.io` (the dataset on disk).
"""
from .io import (
    DEFAULT_NUM_TRAIN,
    DEFAULT_NUM_VAL,
    DEFAULT_TRAIN_CITIES,
    DEFAULT_VAL_CITIES,
    FORMAT,
    GENERATOR_VERSION,
    IMG_SUFFIX,
    LABEL_ID_SUFFIX,
    PROGRESS_FILE,
    SUMMARY_FILE,
    TRAIN_ID_SUFFIX,
    dataset_state,
    generate_synthetic_cityscapes,
    read_summary,
    recorded_arguments,
    regenerate,
)
from .labels import (
    CLASSES,
    IGNORE_INDEX,
    LABEL_IDS,
    PALETTE,
    train_ids_to_label_ids,
)
from .scene import DEFAULT_SIZE, render_scene

__all__ = [
    'CLASSES', 'LABEL_IDS', 'PALETTE', 'IGNORE_INDEX', 'DEFAULT_SIZE',
    'DEFAULT_NUM_TRAIN', 'DEFAULT_NUM_VAL', 'DEFAULT_TRAIN_CITIES',
    'DEFAULT_VAL_CITIES', 'SUMMARY_FILE', 'PROGRESS_FILE', 'IMG_SUFFIX',
    'TRAIN_ID_SUFFIX', 'LABEL_ID_SUFFIX', 'GENERATOR_VERSION', 'FORMAT',
    'train_ids_to_label_ids', 'render_scene', 'generate_synthetic_cityscapes',
    'dataset_state', 'read_summary', 'recorded_arguments', 'regenerate'
]
