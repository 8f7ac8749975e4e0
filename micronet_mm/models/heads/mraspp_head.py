"""Micro-Reduce ASPP (MR-ASPP) decode head for mmsegmentation.

The MicroNet paper describes its segmentation head in one sentence: the
LR-ASPP of MobileNetV3 (output-stride-16 backbone, a 1x1 branch gated by
global context, 2x bilinear upsampling, a merge with the stride-8 feature)
with the 1x1 convolutions replaced by Micro-Factorized pointwise
convolutions. Everything else is a choice of this project, documented with
its reasons in ``docs/en/mraspp_head.md``. In short::

    high (N, C_high, h16, w16) --MF-1x1--BN--ReLU--> (N, C, h16, w16)
                     \\--global mean--1x1--sigmoid--> (N, C, 1, 1)  (x)
    gated --bilinear to the size of low--> (N, C, h8, w8) ----\\
    low  (N, C_low, h8, w8) --MF-1x1--BN--ReLU--> (N, L, h8, w8) -concat
    --> MF-1x1--BN--ReLU --> dropout --> 1x1 classifier --> logits

``MF-1x1`` is :class:`~micronet_mm.models.layers.MicroFactorizedPointwise`
(grouped squeeze, channel shuffle, grouped expansion). The global pool is
adaptive, so any input size works, including sizes that are not multiples
of 16 (the upsampling goes to the exact size of the stride-8 map), and the
head exports to ONNX with dynamic shapes.
"""
from typing import Sequence, Tuple

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import Tensor, nn

from ..layers import MicroFactorizedPointwise

_BRANCHES = ('aspp', 'low', 'fuse')


class GlobalContextGate(nn.Module):
    """LR-ASPP's global-context attention: ``sigmoid(W mean_hw(x) + b)``.

    The 1x1 conv acts on a 1x1 pooled map, so it costs ``C_in * C_out``
    multiply-adds per image whatever the resolution; it stays dense.

    Args:
        in_channels (int): Input channels ``C_in``.
        out_channels (int): Gate channels ``C_out``.

    Shape:
        Input (N, C_in, H, W), output (N, C_out, 1, 1) in (0, 1).
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Gate values for each channel of each image."""
        return torch.sigmoid(self.conv(x.mean((2, 3), keepdim=True)))


def _tracing() -> bool:
    # shape checks would be frozen into (or break) traced/exported graphs
    return torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or \
        torch.compiler.is_compiling()


def _per_branch(name: str, value, default=None) -> Tuple:
    """Expand an int/None or a 3-sequence to one value per branch."""
    if value is None or isinstance(value, int):
        return (value if value is not None else default, ) * 3
    value = tuple(value)
    if len(value) != len(_BRANCHES):
        raise ValueError(f'MRASPPHead: {name} must be an int, None or a '
                         f'sequence of {len(_BRANCHES)} values for the '
                         f'branches {_BRANCHES}, got {value!r}')
    return value


class MRASPPHead(BaseDecodeHead):
    """Micro-Reduce ASPP head (LR-ASPP with Micro-Factorized 1x1 convs).

    Args:
        low_channels (int): Width ``L`` of the projected stride-8 feature
            that is concatenated with the upsampled ASPP branch. Defaults
            to 32.
        mid_channels (int | Sequence[int | None] | None): Squeezed width
            ``M`` of the three Micro-Factorized convs ``(aspp, low,
            fuse)``; None picks a quarter of the wider side of that conv
            (see :class:`MicroFactorizedPointwise`). Defaults to None.
        groups (int | Sequence[int | None] | None): Group count of each of
            the three convs; None picks the divisor of the channel counts
            closest to ``sqrt(M)`` (the paper's rule). Defaults to None.
        **kwargs: :class:`BaseDecodeHead` arguments. ``in_channels`` and
            ``in_index`` list two features, the stride-8 one first, then
            the stride-16 one; ``channels`` is the width ``C`` of the ASPP
            branch and of the fused feature; ``act_cfg`` is the activation
            after each Micro-Factorized conv. ``input_transform`` must be
            ``'multiple_select'`` (the default here).

    Shape:
        Inputs: the backbone tuple; ``inputs[in_index[0]]`` is the
        stride-8 feature (N, C_low, h8, w8), ``inputs[in_index[1]]`` the
        stride-16 feature (N, C_high, h16, w16), with ``h16 <= h8`` and
        ``w16 <= w8`` (for an H x W image, ``h8 = ceil(H / 8)`` etc.).
        Output: logits (N, num_classes, h8, w8).

    Example:
        >>> import torch
        >>> head = MRASPPHead(in_channels=(16, 576), in_index=(0, 1),
        ...                   channels=64, num_classes=19).eval()
        >>> low, high = torch.rand(1, 16, 13, 17), torch.rand(1, 576, 7, 9)
        >>> head([low, high]).shape
        torch.Size([1, 19, 13, 17])
    """

    def __init__(self,
                 low_channels: int = 32,
                 mid_channels=None,
                 groups=None,
                 **kwargs):
        transform = kwargs.pop('input_transform', 'multiple_select')
        if transform != 'multiple_select':
            raise ValueError(
                'MRASPPHead takes the stride-8 and stride-16 features '
                "separately: input_transform must be 'multiple_select', got "
                f'{transform!r}')
        super().__init__(input_transform=transform, **kwargs)
        if len(self.in_channels) != 2 or len(self.in_index) != 2:
            raise ValueError(
                'MRASPPHead needs in_channels and in_index for exactly two '
                'features (stride 8 first, then stride 16), got in_channels='
                f'{self.in_channels}, in_index={self.in_index}')
        if not isinstance(low_channels, int) or low_channels < 1:
            raise ValueError('MRASPPHead: low_channels must be a positive '
                             f'int, got {low_channels!r}')
        mids = _per_branch('mid_channels', mid_channels)
        group_counts = _per_branch('groups', groups)
        low_in, high_in = self.in_channels
        self.low_channels = low_channels
        widths = dict(
            aspp=(high_in, self.channels),
            low=(low_in, low_channels),
            fuse=(self.channels + low_channels, self.channels))
        for name, mid, group in zip(_BRANCHES, mids, group_counts):
            cin, cout = widths[name]
            try:
                conv = MicroFactorizedPointwise(
                    cin,
                    cout,
                    mid_channels=mid,
                    groups=group,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg)
            except ValueError as err:
                raise ValueError(f'MRASPPHead {name} branch ({cin} -> '
                                 f'{cout} channels): {err}') from err
            self.add_module(name, conv)
        self.gate = GlobalContextGate(high_in, self.channels)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits at stride 8.

        Args:
            inputs (Sequence[Tensor]): Backbone outputs, see the class
                docstring for which entries are used and their shapes.

        Returns:
            Tensor: (N, num_classes, h8, w8) logits.
        """
        low, high = self._transform_inputs(inputs)
        if not _tracing() and (
                high.shape[2] > low.shape[2] or high.shape[3] > low.shape[3]
                or low.shape[1] != self.in_channels[0]
                or high.shape[1] != self.in_channels[1]):
            raise ValueError(
                'MRASPPHead expects the stride-8 feature with '
                f'{self.in_channels[0]} channels, then the stride-16 one '
                f'with {self.in_channels[1]}; got shapes '
                f'{tuple(low.shape)} and {tuple(high.shape)} '
                f'(in_index={self.in_index}): check the backbone '
                'out_indices and the head in_channels')
        x = self.aspp(high) * self.gate(high)
        x = resize(
            x,
            size=low.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        x = self.fuse(torch.cat([x, self.low(low)], dim=1))
        return self.cls_seg(x)


__all__ = ['MRASPPHead', 'GlobalContextGate']
