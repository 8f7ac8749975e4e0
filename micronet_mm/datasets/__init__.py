"""Synthetic data generators and dataset checks."""
from .synthetic_cityscapes import (generate_synthetic_cityscapes, is_complete,
                                   load_summary, render_scene,
                                   train_ids_to_label_ids)

__all__ = [
    'generate_synthetic_cityscapes', 'is_complete', 'load_summary',
    'render_scene', 'train_ids_to_label_ids'
]
