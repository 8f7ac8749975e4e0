"""MicroNet stem: a spatially separable stride-2 conv instead of a 3x3 conv.

A plain 3x3 stride-2 conv to 8 channels alone costs 2.7M MAdds at 224x224,
half of a 6M budget; factorising it into ``3 x 1`` (3 -> g1 channels) and a
grouped ``1 x 3`` (g1 -> g1 * g2) cuts that to about 1M.
"""
from typing import Tuple

from torch import nn

from .channel_permutation import ChannelPermutation
from .micro_factorized_depthwise import SpatialSeparableConv


class MicroStem(nn.Module):
    """``3 x 1`` conv (3 -> g1) + BN, grouped ``1 x 3`` conv (g1 -> g1 * g2)
    + BN, a ``g1``-way channel shuffle and ReLU6.

    Args:
        groups (tuple[int, int]): ``(g1, g2)``; the stem outputs ``g1 * g2``
            channels.
        in_channels (int): Input channels. Defaults to 3.
        stride (int): Overall stride. Defaults to 2.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.

    Shape:
        Input (N, in_channels, H, W), output (N, g1 * g2, H / 2, W / 2).
    """

    def __init__(self,
                 groups: Tuple[int, int],
                 in_channels: int = 3,
                 stride: int = 2,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        g1, g2 = groups
        self.out_channels = g1 * g2
        self.conv = SpatialSeparableConv(
            in_channels,
            g1,
            g1 * g2,
            kernel_size=3,
            stride=stride,
            groups=(1, g1),
            norm_cfg=norm_cfg)
        self.shuffle = ChannelPermutation(g1 * g2, (g1, ))
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x):
        return self.act(self.shuffle(self.conv(x)))
