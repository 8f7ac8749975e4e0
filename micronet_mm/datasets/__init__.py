"""Synthetic data generators and dataset checks.

The dataset-state functions (``dataset_state``, ``read_summary``,
``regenerate``) have the same names for both synthetic sets: import them
from :mod:`micronet_mm.datasets.synthetic.cityscapes` or
:mod:`micronet_mm.datasets.synthetic.coco_keypoints`.
"""
from .synthetic.cityscapes import (
    generate_synthetic_cityscapes,
    render_scene,
    train_ids_to_label_ids,
)
from .synthetic.coco_keypoints import (
    COCO_KEYPOINT_NAMES,
    generate_synthetic_coco_keypoints,
)

__all__ = [
    'generate_synthetic_cityscapes', 'render_scene', 'train_ids_to_label_ids',
    'generate_synthetic_coco_keypoints', 'COCO_KEYPOINT_NAMES'
]
