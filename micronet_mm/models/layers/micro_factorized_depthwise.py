"""Micro-Factorized depthwise convolution.

A ``k x k`` depthwise kernel is replaced by a ``k x 1`` then a ``1 x k``
convolution, each followed by BatchNorm and with no activation in between:
``k^2`` weights per channel become ``2k``, i.e. a rank-1 ``k x k`` kernel.
Each factor may also multiply the channel count (the lite combination uses
this to expand channels inside the depthwise stage).
"""
from typing import Sequence, Tuple, Union

from mmcv.cnn import ConvModule
from torch import nn


def _pair(value) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f'expected an int or a pair, got {value}')
    return value


class SpatialSeparableConv(nn.Module):
    """``k x 1`` conv + norm, then ``1 x k`` conv + norm.

    The stride and dilation are split between the two factors: ``(s, 1)`` /
    ``(d, 1)`` on the vertical conv, ``(1, s)`` / ``(1, d)`` on the horizontal
    one, so the pair sees the same window as a ``k x k`` conv with stride
    ``s`` and dilation ``d``.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Channels after the ``k x 1`` conv.
        out_channels (int): Channels after the ``1 x k`` conv.
        kernel_size (int): ``k``.
        stride (int | tuple): Stride ``(sh, sw)``. Defaults to 1.
        dilation (int | tuple): Dilation ``(dh, dw)``. Defaults to 1.
        groups (tuple[int, int]): Groups of the vertical and the horizontal
            conv. Defaults to ``(1, 1)``.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: Union[int, Sequence[int]] = 1,
                 dilation: Union[int, Sequence[int]] = 1,
                 groups: Tuple[int, int] = (1, 1),
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        sh, sw = _pair(stride)
        dh, dw = _pair(dilation)
        pad = kernel_size // 2
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.conv_v = ConvModule(
            in_channels,
            mid_channels, (kernel_size, 1),
            stride=(sh, 1),
            padding=(pad * dh, 0),
            dilation=(dh, 1),
            groups=groups[0],
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.conv_h = ConvModule(
            mid_channels,
            out_channels, (1, kernel_size),
            stride=(1, sw),
            padding=(0, pad * dw),
            dilation=(1, dw),
            groups=groups[1],
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=None)

    def forward(self, x):
        """(N, in_channels, H, W) -> (N, out_channels, H / sh, W / sw)."""
        return self.conv_h(self.conv_v(x))


class MicroFactorizedDepthwise(SpatialSeparableConv):
    """Micro-Factorized depthwise conv with optional channel multipliers.

    Args:
        in_channels (int): Input channels ``C``.
        kernel_size (int): ``k``.
        stride (int | tuple): Stride. Defaults to 1.
        dilation (int | tuple): Dilation. Defaults to 1.
        multipliers (tuple[int, int]): Channel multipliers of the vertical and
            horizontal factor; the output has ``C * m1 * m2`` channels.
            Defaults to ``(1, 1)``.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.

    Shape:
        Input (N, C, H, W), output (N, C * m1 * m2, H / s, W / s).
    """

    def __init__(self,
                 in_channels: int,
                 kernel_size: int,
                 stride: Union[int, Sequence[int]] = 1,
                 dilation: Union[int, Sequence[int]] = 1,
                 multipliers: Tuple[int, int] = (1, 1),
                 norm_cfg: dict = dict(type='BN')):
        m1, m2 = multipliers
        super().__init__(
            in_channels,
            in_channels * m1,
            in_channels * m1 * m2,
            kernel_size,
            stride=stride,
            dilation=dilation,
            groups=(in_channels, in_channels * m1),
            norm_cfg=norm_cfg)
        self.multipliers = (m1, m2)
