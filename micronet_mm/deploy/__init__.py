"""Inference form, export and running of MicroNet models.

:func:`fuse` is the one entry point used by every export and benchmark: it
returns an inference-only copy of a model with norms folded, factorised
depthwise pairs merged, channel permutations folded into weights and
Shift-Max computed in few passes, or exported as the compiled one-pass
kernel (:mod:`.kernels`). :class:`InferenceSession` runs any exported file
(see ``docs/en/deployment.md``).
"""
from .compiler import PRESETS, FusePolicy, policy_for
from .fuse import fuse
from .kernels import KernelsNotBuiltError
from .modules import (
    DeployConv2d,
    DeployGather,
    DeploySequential,
    DeployShiftMax,
)
from .session import InferenceSession

__all__ = [
    'fuse', 'FusePolicy', 'PRESETS', 'policy_for', 'InferenceSession',
    'KernelsNotBuiltError', 'DeployConv2d', 'DeployGather',
    'DeploySequential', 'DeployShiftMax'
]
