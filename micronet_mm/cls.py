"""Importing this module registers the MicroNet backbone, its
classification head and the mutual-learning classifier into mmpretrain's
registries (and the training hooks into mmengine's); classification
configs do it with ``custom_imports=dict(imports=['micronet_mm.cls'])``.
"""
from .registry import register_task

register_task('cls')
