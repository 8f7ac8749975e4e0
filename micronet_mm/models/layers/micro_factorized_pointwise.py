"""Micro-Factorized pointwise convolution.

A ``C_out x C_in`` pointwise weight is factorised as ``W = P Phi Q^T``: a
grouped 1x1 conv ``Q`` squeezes ``C_in`` to ``M`` channels, a channel shuffle
``Phi`` mixes the groups, and a grouped 1x1 conv ``P`` expands ``M`` to
``C_out``. With ``G = sqrt(M)`` groups every output is reachable from every
input through exactly one path, the paper's "group-adaptive" choice.
"""
import math
from typing import Optional

import torch
from mmcv.cnn import ConvModule, build_activation_layer
from torch import nn

from .channel_permutation import ChannelPermutation


def adaptive_groups(mid_channels: int, *channels: int) -> int:
    """Divisor of all channel counts closest to ``sqrt(mid_channels)``."""
    common = math.gcd(mid_channels, *channels)
    target = math.sqrt(mid_channels)
    divisors = [g for g in range(1, common + 1) if common % g == 0]
    return min(divisors, key=lambda g: (abs(g - target), -g))


class MicroFactorizedPointwise(nn.Module):
    """Grouped squeeze ``Q``, channel shuffle ``Phi``, grouped expansion ``P``.

    Args:
        in_channels (int): Input channels ``C_in``.
        out_channels (int): Output channels ``C_out``.
        mid_channels (int, optional): Squeezed width ``M = C / R``. Defaults
            to ``max(in, out) // 4`` rounded up to a multiple of the group
            count.
        groups (int, optional): Group count ``G`` of both convs. Defaults to
            the divisor of the channel counts closest to ``sqrt(M)``.
        norm_cfg (dict, optional): Norm after each conv. Defaults to BN.
        mid_act_cfg (dict, optional): Activation between ``Q`` and ``Phi``
            (None keeps the factorisation linear). Defaults to None.
        act_cfg (dict, optional): Activation after ``P``. Defaults to None.

    Shape:
        Input (N, C_in, H, W), output (N, C_out, H, W).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 mid_channels: Optional[int] = None,
                 groups: Optional[int] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 mid_act_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None):
        super().__init__()
        if mid_channels is None:
            mid_channels = max(4, max(in_channels, out_channels) // 4)
        if groups is None:
            groups = adaptive_groups(mid_channels, in_channels, out_channels)
        for name, value in (('in_channels', in_channels),
                            ('mid_channels', mid_channels),
                            ('out_channels', out_channels)):
            if value % groups:
                raise ValueError(f'{name}={value} is not divisible by '
                                 f'groups={groups}')
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.out_channels = out_channels
        self.groups = groups
        bias = norm_cfg is None
        self.squeeze = ConvModule(
            in_channels,
            mid_channels,
            1,
            groups=groups,
            bias=bias,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.mid_act = build_activation_layer(mid_act_cfg) \
            if mid_act_cfg else nn.Identity()
        self.shuffle = ChannelPermutation(mid_channels, (groups, ))
        self.expand = ConvModule(
            mid_channels,
            out_channels,
            1,
            groups=groups,
            bias=bias,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand(self.shuffle(self.mid_act(self.squeeze(x))))
