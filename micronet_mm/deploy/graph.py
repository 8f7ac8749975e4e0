"""A small linear-chain IR for rewriting MicroNet layers into inference form.

Every training-form layer handled by :mod:`micronet_mm.deploy` is first
lowered to a list of *logical* operations (a convolution with its norm
folded, a channel-independent activation, a channel permutation, a Shift-Max)
that compute exactly what the layer computes. The compiler in
:mod:`micronet_mm.deploy.compiler` then keeps track of the *physical* channel
order of the running tensor instead of moving data: a permutation only
relabels channels, and the next convolution reads its input channels (or
writes its output channels) in whatever order the tensor is stored.

Conventions: a tensor ``u`` stored in physical order ``pi`` holds the logical
tensor ``x`` as ``u = x[:, pi]``, i.e. physical channel ``i`` is logical
channel ``pi[i]``.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import torch
from torch import nn


@dataclass
class ConvOp:
    """``conv2d(x, weight, bias, stride, padding, dilation, groups)``.

    ``edge`` describes a border correction added after the convolution
    (see :func:`edge_correction`): a ``(C_out, 1, 1, k)`` weight applied to
    a row of ones with the horizontal stride / padding / dilation of the
    convolution. It is only set for merged ``k x 1`` + ``1 x k`` pairs whose
    inner bias meets the zero padding at the left/right borders.
    """
    weight: torch.Tensor
    bias: Optional[torch.Tensor]
    stride: Tuple[int, int] = (1, 1)
    padding: Tuple[int, int] = (0, 0)
    dilation: Tuple[int, int] = (1, 1)
    groups: int = 1
    edge: Optional[torch.Tensor] = None

    @property
    def in_channels(self) -> int:
        return self.weight.shape[1] * self.groups

    @property
    def out_channels(self) -> int:
        return self.weight.shape[0]

    @property
    def kernel_size(self) -> Tuple[int, int]:
        return tuple(self.weight.shape[2:])

    @property
    def is_depthwise(self) -> bool:
        """Every group reads one input channel (channel multiplier >= 1)."""
        return self.groups > 1 and self.groups == self.in_channels


@dataclass
class ActOp:
    """A channel-independent activation module (ReLU, ReLU6, h-swish...)."""
    module: nn.Module


@dataclass
class PermOp:
    """``x[:, index]``."""
    index: torch.Tensor


@dataclass
class ShiftMaxOp:
    """A Dynamic / Static Shift-Max module (training form)."""
    module: nn.Module


@dataclass
class Chain:
    """Operations applied in order, optionally plus the chain input."""
    ops: List[object] = field(default_factory=list)
    residual: bool = False


# activations that act on every element independently, so they commute with
# any channel permutation
CHANNEL_INDEPENDENT = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid,
                       nn.Sigmoid, nn.Tanh, nn.SiLU, nn.GELU, nn.LeakyReLU,
                       nn.ELU, nn.Identity)


def is_channel_independent(module: nn.Module) -> bool:
    """Whether ``module`` is an activation that commutes with channel
    permutations (mmcv's HSwish/HSigmoid/Swish/Clamp included)."""
    if isinstance(module, CHANNEL_INDEPENDENT):
        return True
    # mmcv's own activations, matched by name so mmcv stays optional here
    return type(module).__name__ in ('HSwish', 'HSigmoid', 'Swish', 'Clamp',
                                     'GELU')


def inverse_permutation(index: torch.Tensor) -> torch.Tensor:
    """``inv`` with ``inv[index[i]] == i``."""
    inv = torch.empty_like(index)
    inv[index] = torch.arange(index.numel(), device=index.device)
    return inv


def is_identity(order: torch.Tensor) -> bool:
    return bool(torch.equal(order, torch.arange(order.numel())))
