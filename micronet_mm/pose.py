"""Importing this module registers the MicroNet backbone and the keypoint
head into mmpose's registries (and the training hooks into mmengine's);
pose configs do it with ``custom_imports=dict(imports=['micronet_mm.pose'])``.
"""
from .registry import register_task

register_task('pose')
