"""Inference: checked wrappers of ``mmseg.apis`` and ``mmpose.apis``.

Importing this package imports neither mmseg nor mmpose; each function
imports its task's package when called.
"""
from ..utils.image_io import read_image
from .pose import check_bboxes, inference_pose, init_pose_model
from .seg import inference_seg, init_seg_model

__all__ = [
    'read_image', 'check_bboxes', 'init_pose_model', 'inference_pose',
    'init_seg_model', 'inference_seg'
]
