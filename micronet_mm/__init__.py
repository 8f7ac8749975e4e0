"""MicroNet for OpenMMLab.

Importing the package registers its modules into the mmpretrain,
mmsegmentation and mmpose registries (see :mod:`micronet_mm.registry`) and
lets mmengine checkpoints load under torch >= 2.6 (see
:mod:`micronet_mm.utils.checkpoint`).
"""
from .registry import register_all_modules
from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .version import __version__

allow_mmengine_checkpoint_globals()
register_all_modules()

__all__ = ['__version__', 'register_all_modules']
