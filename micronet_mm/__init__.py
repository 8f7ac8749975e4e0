"""MicroNet for OpenMMLab.

Importing the package is cheap: it imports no OpenMMLab task package and
registers nothing. ``micronet_mm.cls``, ``micronet_mm.seg`` and
``micronet_mm.pose`` register their task's modules when imported (the
configs' ``custom_imports`` do this; see :mod:`micronet_mm.registry`). The
package also lets mmengine checkpoints load under torch >= 2.6 (see
:mod:`micronet_mm.utils.checkpoint`).
"""
from .registry import register_task
from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .version import __version__

allow_mmengine_checkpoint_globals()

__all__ = ['__version__', 'register_task']
