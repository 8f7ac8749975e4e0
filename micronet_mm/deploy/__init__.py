"""Inference form and export of MicroNet models.

:func:`fuse` is the one entry point used by every export and benchmark: it
returns an inference-only copy of a model with norms folded, factorised
depthwise pairs merged, channel permutations folded into weights and
Shift-Max computed in few passes (see ``docs/en/deployment.md``).
"""
from .compiler import PRESETS, FusePolicy, policy_for
from .fuse import fuse
from .modules import (
                      DeployConv2d,
                      DeployGather,
                      DeploySequential,
                      DeployShiftMax,
)

__all__ = [
    'fuse', 'FusePolicy', 'PRESETS', 'policy_for', 'DeployConv2d',
    'DeployGather', 'DeploySequential', 'DeployShiftMax'
]
