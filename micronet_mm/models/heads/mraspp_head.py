"""Micro-Reduce ASPP (MR-ASPP) decode head for mmsegmentation.

The MicroNet paper's segmentation head: LR-ASPP (MobileNetV3) with its 1x1
convolutions replaced by Micro-Factorized pointwise convolutions. The paper
gives the structure only in words; the choices made here are documented in
``docs/en/mraspp_head.md``:

* two inputs, a stride-8 ``low`` feature and the stride-16 ``high`` feature
  of an output-stride-16 backbone;
* ``high`` -> Micro-Factorized pointwise conv -> BN -> ReLU, gated by a
  channel attention ``sigmoid(conv1x1(global_avg_pool(high)))``. The pool
  is global (adaptive), unlike mmseg's fixed 49x49 window, so any input size
  works and the head exports with dynamic shapes;
* bilinear upsampling to the exact size of ``low`` (works for inputs not
  divisible by 32), concatenation with a 1x1 projection of ``low``, a
  Micro-Factorized pointwise fusion conv, and the classifier, at stride 8.
"""
from typing import List, Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import Tensor, nn

from ..layers import MicroFactorizedPointwise


class ChannelGate(nn.Module):
    """``sigmoid(conv1x1(mean_hw(x)))``: LR-ASPP's global-context attention.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Gate channels.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, 1, 1) in (0, 1)."""
        return torch.sigmoid(self.conv(x.mean((2, 3), keepdim=True)))


class MRASPPHead(BaseDecodeHead):
    """Micro-Reduce ASPP head.

    Args:
        low_channels (int): Width of the projected stride-8 feature.
            Defaults to 32.
        mid_channels (Sequence[int | None]): Squeezed widths ``C / R`` of the
            two Micro-Factorized pointwise convs (ASPP branch, fusion);
            None picks a quarter of the wider side. Defaults to
            ``(None, None)``.
        groups (Sequence[int | None]): Their group counts; None picks the
            divisor closest to ``sqrt(C / R)``. Defaults to ``(None, None)``.
        **kwargs: :class:`BaseDecodeHead` arguments. ``in_channels`` and
            ``in_index`` must list the stride-8 feature, then the stride-16
            one; ``input_transform`` is always ``'multiple_select'``.

    Shape:
        Inputs: the backbone tuple; ``inputs[in_index[0]]`` is
        (N, C_low, H/8, W/8) and ``inputs[in_index[1]]`` is
        (N, C_high, H/16, W/16) (sizes rounded up by the strided convs).
        Output: (N, num_classes, H/8, W/8) logits.
    """

    def __init__(self,
                 low_channels: int = 32,
                 mid_channels: Sequence[Optional[int]] = (None, None),
                 groups: Sequence[Optional[int]] = (None, None),
                 **kwargs):
        transform = kwargs.pop('input_transform', 'multiple_select')
        if transform != 'multiple_select':
            raise ValueError('MRASPPHead takes the stride-8 and stride-16 '
                             "features separately: input_transform must be "
                             f"'multiple_select', got {transform!r}")
        super().__init__(input_transform=transform, **kwargs)
        if len(self.in_channels) != 2 or len(self.in_index) != 2:
            raise ValueError(
                'MRASPPHead needs in_channels and in_index for exactly two '
                'features (stride 8, stride 16), got in_channels='
                f'{self.in_channels}, in_index={self.in_index}')
        low_in, high_in = self.in_channels
        common = dict(norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.aspp = MicroFactorizedPointwise(
            high_in,
            self.channels,
            mid_channels=mid_channels[0],
            groups=groups[0],
            **common)
        self.gate = ChannelGate(high_in, self.channels)
        self.low_proj = ConvModule(
            low_in, low_channels, 1, conv_cfg=self.conv_cfg, **common)
        self.fuse = MicroFactorizedPointwise(
            self.channels + low_channels,
            self.channels,
            mid_channels=mid_channels[1],
            groups=groups[1],
            **common)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        low, high = self._transform_inputs(inputs)
        x = self.aspp(high) * self.gate(high)
        x = resize(
            x,
            size=low.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        x = self.fuse(torch.cat([x, self.low_proj(low)], dim=1))
        return self.cls_seg(x)
