"""Synthetic data generators and dataset checks."""
from .synthetic_cityscapes import (
    generate_synthetic_cityscapes,
    is_complete,
    is_current,
    load_summary,
    regenerate,
    render_scene,
    train_ids_to_label_ids,
)
from .synthetic_coco_keypoints import (
    COCO_KEYPOINT_NAMES,
    dataset_state,
    generate_synthetic_coco_keypoints,
    read_completion_marker,
)

__all__ = [
    'generate_synthetic_cityscapes', 'is_complete', 'is_current',
    'load_summary', 'regenerate', 'render_scene', 'train_ids_to_label_ids',
    'generate_synthetic_coco_keypoints', 'read_completion_marker',
    'dataset_state', 'COCO_KEYPOINT_NAMES'
]
