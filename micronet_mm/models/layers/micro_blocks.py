"""Micro-Blocks: the rows of the MicroNet architecture table.

Each class is one row of the released architectures, so the released
weights map one-to-one onto them:

* :class:`MicroBlockA` (lite combination): a Micro-Factorized depthwise conv
  that expands the channels, then the squeezing half of a Micro-Factorized
  pointwise conv (grouped 1x1 + shuffle). Rows marked ``B`` in the table are
  built by this class too: Micro-Block-B's second (expanding) group conv is,
  in the released weights, the first conv of the following row.
* :class:`MicroBlockC` (regular combination): grouped 1x1 expansion,
  Micro-Factorized depthwise conv, grouped 1x1 squeeze, with an identity
  shortcut when shapes allow.
* :class:`GroupedPointwiseExpansion`: the grouped 1x1 conv that closes the
  last block and widens the features for the classifier.

Activation flags follow the paper's table: ``0`` is ReLU6 (or nothing after
the squeezing conv), ``1`` is Dynamic Shift-Max with ``K = 1`` and ``2`` with
``K = 2``. After the squeezing conv any non-zero flag means ``K = 1``.
"""
import copy
from typing import Optional, Tuple

import torch
from mmcv.cnn import ConvModule
from torch import nn

from .channel_permutation import ChannelPermutation
from .dynamic_shift_max import DynamicShiftMax, StaticShiftMax
from .micro_factorized_depthwise import MicroFactorizedDepthwise

SHIFT_MAX_TYPES = {'DynamicShiftMax': DynamicShiftMax,
                   'StaticShiftMax': StaticShiftMax}
# Offsets of every K=1 Shift-Max after a squeezing conv: start as identity.
SQUEEZE_INIT = dict(init_a=(1.0, ), init_b=(0.0, ))


def build_shift_max(flag: int, channels: int, groups: int, reduction: int,
                    init: dict, dsm_cfg: Optional[dict]) -> nn.Module:
    """Activation for an activation flag (see the module docstring).

    Args:
        flag (int): 0 -> ReLU6, 1 -> Shift-Max K=1, 2 -> Shift-Max K=2.
        channels (int): Channels of the activated tensor.
        groups (int): Channel groups the shift moves across.
        reduction (int): Hyper-function squeeze ratio.
        init (dict): ``init_a`` / ``init_b`` offsets.
        dsm_cfg (dict, optional): Overrides for every Shift-Max, e.g.
            ``dict(type='StaticShiftMax')`` or ``dict(num_shifts=1)``.
    """
    if flag not in (0, 1, 2):
        raise ValueError(f'activation flag must be 0, 1 or 2, got {flag}')
    if flag == 0:
        return nn.ReLU6(inplace=True)
    cfg = dict(type='DynamicShiftMax')
    cfg.update(copy.deepcopy(dsm_cfg or {}))
    layer_type = cfg.pop('type')
    if layer_type not in SHIFT_MAX_TYPES:
        raise ValueError(f'unknown Shift-Max type {layer_type!r} in dsm_cfg;'
                         f' expected one of {sorted(SHIFT_MAX_TYPES)}')
    kwargs = dict(num_fusions=flag, reduction=reduction, **init)
    kwargs.update(cfg)
    return SHIFT_MAX_TYPES[layer_type](channels, groups, **kwargs)


def _pointwise(in_channels, out_channels, groups, norm_cfg, full_rank):
    """Grouped 1x1 conv + norm (dense when building the full-rank twin)."""
    return ConvModule(
        in_channels,
        out_channels,
        1,
        groups=1 if full_rank else groups,
        bias=False,
        norm_cfg=norm_cfg,
        act_cfg=None)


def _depthwise(channels, kernel_size, stride, dilation, multipliers,
               norm_cfg, full_rank):
    """Micro-Factorized depthwise conv, or a plain k x k depthwise conv for
    the full-rank twin used in mutual learning."""
    if not full_rank:
        return MicroFactorizedDepthwise(
            channels,
            kernel_size,
            stride=stride,
            dilation=dilation,
            multipliers=multipliers,
            norm_cfg=norm_cfg)
    return ConvModule(
        channels,
        channels * multipliers[0] * multipliers[1],
        kernel_size,
        stride=stride,
        padding=dilation * (kernel_size // 2),
        dilation=dilation,
        groups=channels,
        bias=False,
        norm_cfg=norm_cfg,
        act_cfg=None)


class _MicroBlockBase(nn.Module):
    """Squeezing tail shared by the A and C rows: grouped 1x1 conv + norm,
    optional K=1 Shift-Max, output shuffle, identity shortcut."""

    def _build_squeeze(self, hidden, out_channels, groups_out,
                       groups_shift_out, act_out, reduction, norm_cfg,
                       dsm_cfg, full_rank):
        self.conv_out = _pointwise(hidden, out_channels, groups_out, norm_cfg,
                                   full_rank)
        self.act_out = build_shift_max(
            1, out_channels, groups_shift_out, reduction, SQUEEZE_INIT,
            dsm_cfg) if act_out else nn.Identity()
        shuffles = [groups_shift_out]
        if act_out and out_channels % 2 == 0:
            shuffles.append(out_channels // 2)
        self.shuffle_out = ChannelPermutation(out_channels, shuffles)

    def _squeeze(self, x, identity):
        out = self.shuffle_out(self.act_out(self.conv_out(x)))
        return out + identity if self.use_residual else out


class MicroBlockA(_MicroBlockBase):
    """Lite combination: depthwise expansion, then a grouped 1x1 squeeze.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size.
        stride (int): Stride. Defaults to 1.
        dilation (int): Depthwise dilation. Defaults to 1.
        multipliers (tuple[int, int]): Channel multipliers of the two
            depthwise factors; hidden width is ``C * m1 * m2``.
        groups_hidden (int): Shift-Max groups on the hidden tensor.
        groups_out (int): Groups of the squeezing 1x1 conv.
        groups_shift_out (int): Shift-Max groups and shuffle after it.
        act_mid (int): Activation flag after the depthwise conv.
        act_out (int): Activation flag after the squeezing conv.
        reduction (int): Shift-Max hyper-function reduction.
        init (dict): ``init_a``/``init_b`` of the K-fusion Shift-Maxes.
        dsm_cfg (dict, optional): Shift-Max overrides.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        full_rank (bool): Build the full-rank twin. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 dilation: int = 1,
                 multipliers: Tuple[int, int] = (2, 2),
                 groups_hidden: int = 1,
                 groups_out: int = 1,
                 groups_shift_out: int = 1,
                 act_mid: int = 2,
                 act_out: int = 1,
                 reduction: int = 8,
                 init: Optional[dict] = None,
                 dsm_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 full_rank: bool = False):
        super().__init__()
        hidden = in_channels * multipliers[0] * multipliers[1]
        init = init or dict(init_a=(1.0, 1.0), init_b=(0.0, 0.0))
        self.use_residual = stride == 1 and in_channels == out_channels
        self.depthwise = _depthwise(in_channels, kernel_size, stride,
                                    dilation, multipliers, norm_cfg,
                                    full_rank)
        self.act_mid = build_shift_max(act_mid, hidden, groups_hidden,
                                       reduction, init, dsm_cfg)
        shuffles = [groups_hidden] + ([hidden // 2] if act_mid else [])
        self.shuffle_mid = ChannelPermutation(hidden, shuffles)
        self._build_squeeze(hidden, out_channels, groups_out,
                            groups_shift_out, act_out, reduction // 2,
                            norm_cfg, dsm_cfg, full_rank)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, out_channels, H / s, W / s)."""
        out = self.shuffle_mid(self.act_mid(self.depthwise(x)))
        return self._squeeze(out, x)


class MicroBlockC(_MicroBlockBase):
    """Regular combination: grouped 1x1 expansion, Micro-Factorized depthwise
    conv, grouped 1x1 squeeze.

    Args:
        in_channels (int): Input channels.
        hidden_channels (int): Width after the expansion.
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size.
        stride (int): Stride. Defaults to 1.
        dilation (int): Depthwise dilation. Defaults to 1.
        groups_in (int): Groups of the expanding 1x1 conv.
        groups_hidden (int): Shift-Max groups after the expansion; the
            Shift-Max after the depthwise conv uses
            ``hidden_channels // groups_hidden`` groups.
        groups_out (int): Groups of the squeezing 1x1 conv.
        groups_shift_out (int): Shift-Max groups and shuffle after it.
        act_in (int): Activation flag after the expansion.
        act_mid (int): Activation flag after the depthwise conv.
        act_out (int): Activation flag after the squeeze.
        reduction (int): Shift-Max hyper-function reduction.
        init (dict): ``init_a``/``init_b`` of the K-fusion Shift-Maxes.
        dsm_cfg (dict, optional): Shift-Max overrides.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        full_rank (bool): Build the full-rank twin. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 dilation: int = 1,
                 groups_in: int = 1,
                 groups_hidden: int = 1,
                 groups_out: int = 1,
                 groups_shift_out: int = 1,
                 act_in: int = 2,
                 act_mid: int = 2,
                 act_out: int = 1,
                 reduction: int = 8,
                 init: Optional[dict] = None,
                 dsm_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 full_rank: bool = False):
        super().__init__()
        hidden = hidden_channels
        init = init or dict(init_a=(1.0, 1.0), init_b=(0.0, 0.0))
        self.use_residual = stride == 1 and in_channels == out_channels
        self.conv_in = _pointwise(in_channels, hidden, groups_in, norm_cfg,
                                  full_rank)
        self.act_in = build_shift_max(act_in, hidden, groups_hidden,
                                      reduction, init, dsm_cfg)
        self.shuffle_in = ChannelPermutation(hidden, (groups_hidden, ))
        self.depthwise = _depthwise(hidden, kernel_size, stride, dilation,
                                    (1, 1), norm_cfg, full_rank)
        self.act_mid = build_shift_max(act_mid, hidden,
                                       hidden // groups_hidden, reduction,
                                       init, dsm_cfg)
        if act_in and act_mid:
            shuffles = [hidden // 4]
        elif act_in or act_mid:
            shuffles = [hidden // 2]
        else:
            shuffles = []
        self.shuffle_mid = ChannelPermutation(hidden, shuffles)
        squeeze_reduction = reduction // 2 \
            if out_channels < hidden else reduction
        self._build_squeeze(hidden, out_channels, groups_out,
                            groups_shift_out, act_out, squeeze_reduction,
                            norm_cfg, dsm_cfg, full_rank)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, out_channels, H / s, W / s)."""
        out = self.shuffle_in(self.act_in(self.conv_in(x)))
        out = self.shuffle_mid(self.act_mid(self.depthwise(out)))
        return self._squeeze(out, x)


class GroupedPointwiseExpansion(nn.Module):
    """Grouped 1x1 expansion + norm + optional K=1 Shift-Max.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        groups (int): Conv groups and Shift-Max groups.
        act (int): Activation flag (non-zero -> Shift-Max K=1).
        reduction (int): Shift-Max hyper-function reduction.
        dsm_cfg (dict, optional): Shift-Max overrides.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        full_rank (bool): Dense 1x1 conv instead of grouped.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 groups: int,
                 act: int = 1,
                 reduction: int = 16,
                 dsm_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 full_rank: bool = False):
        super().__init__()
        self.use_residual = False
        self.conv = _pointwise(in_channels, out_channels, groups, norm_cfg,
                               full_rank)
        self.act = build_shift_max(1, out_channels, groups, reduction,
                                   SQUEEZE_INIT, dsm_cfg) \
            if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


__all__ = ('MicroBlockA', 'MicroBlockC',
                          'GroupedPointwiseExpansion', 'build_shift_max')
