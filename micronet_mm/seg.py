"""Importing this module registers the MicroNet backbone and trunk, the
MR-ASPP head and the checked Cityscapes dataset into mmseg's registries
(and the training hooks into mmengine's); segmentation configs do it with
``custom_imports=dict(imports=['micronet_mm.seg'])``.
"""
from .registry import register_task

register_task('seg')
