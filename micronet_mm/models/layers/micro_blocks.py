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

Activations are named as in the architecture tables
(:mod:`micronet_mm.models.backbones.micronet_arch`): ``'relu6'``,
``'shift_max_k1'`` and ``'shift_max_k2'`` (Shift-Max with ``K`` fusions,
dynamic unless ``dsm_cfg`` says otherwise) after an expansion or a depthwise
conv, ``'identity'`` or ``'shift_max_k1'`` after a squeezing conv.
"""
import copy
from typing import Optional, Sequence, Tuple

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


# Shift-Max activations by name -> number of fusions K
_SHIFT_MAX_FUSIONS = {'shift_max_k1': 1, 'shift_max_k2': 2}
#: Activations after an expansion or a depthwise conv.
ACTIVATIONS = ('relu6', ) + tuple(_SHIFT_MAX_FUSIONS)
#: Activations after a squeezing 1x1 conv.
SQUEEZE_ACTIVATIONS = ('identity', 'shift_max_k1')
# where spatial attention can sit in a micro-block: the Shift-Max after the
# expansion ('in'), the depthwise conv ('mid') or the squeeze ('out')
ATTENTION_SITES = ('in', 'mid', 'out')


def build_activation(name: str, channels: int, groups: int, reduction: int,
                     init: dict, dsm_cfg: Optional[dict],
                     spatial_attention: bool = False) -> nn.Module:
    """Activation of a micro-block by name (see the module docstring).

    Args:
        name (str): ``'relu6'``, ``'identity'``, ``'shift_max_k1'`` or
            ``'shift_max_k2'``.
        channels (int): Channels of the activated tensor.
        groups (int): Channel groups the shift moves across.
        reduction (int): Hyper-function squeeze ratio.
        init (dict): ``init_a`` / ``init_b`` offsets.
        dsm_cfg (dict, optional): Overrides for every Shift-Max, e.g.
            ``dict(type='StaticShiftMax')`` or ``dict(num_shifts=1)``.
        spatial_attention (bool): Multiply a Dynamic Shift-Max's output by
            Dynamic ReLU's spatial attention. Defaults to False.
    """
    if name == 'relu6':
        layer = nn.ReLU6(inplace=True)
    elif name == 'identity':
        layer = nn.Identity()
    elif name in _SHIFT_MAX_FUSIONS:
        cfg = dict(type='DynamicShiftMax')
        cfg.update(copy.deepcopy(dsm_cfg or {}))
        layer_type = cfg.pop('type')
        if layer_type not in SHIFT_MAX_TYPES:
            raise ValueError(f'unknown Shift-Max type {layer_type!r} in '
                             f'dsm_cfg; expected one of '
                             f'{sorted(SHIFT_MAX_TYPES)}')
        if spatial_attention and layer_type != 'DynamicShiftMax':
            raise ValueError(f'spatial attention needs DynamicShiftMax, but '
                             f'dsm_cfg={dsm_cfg} builds {layer_type}')
        kwargs = dict(num_fusions=_SHIFT_MAX_FUSIONS[name],
                      reduction=reduction, **init)
        if spatial_attention:
            kwargs['spatial_attention'] = True
        kwargs.update(cfg)
        return SHIFT_MAX_TYPES[layer_type](channels, groups, **kwargs)
    else:
        raise ValueError(f'unknown activation {name!r}; expected one of '
                         f'{ACTIVATIONS + SQUEEZE_ACTIVATIONS[:1]}')
    if spatial_attention:
        raise ValueError(f'spatial attention needs a Shift-Max, not {name!r}')
    return layer


def _check_sites(sites: Sequence[str]) -> frozenset:
    unknown = set(sites) - set(ATTENTION_SITES)
    if unknown:
        raise ValueError(f'spatial_attention entries must be in '
                         f'{ATTENTION_SITES}, got {tuple(sites)}')
    return frozenset(sites)


def _check_act(name: str, allowed: Tuple[str, ...], where: str):
    if name not in allowed:
        raise ValueError(f'{where} must be one of {allowed}, got {name!r}')


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
                       dsm_cfg, full_rank, spatial_attention=False):
        _check_act(act_out, SQUEEZE_ACTIVATIONS, 'act_out')
        self.conv_out = _pointwise(hidden, out_channels, groups_out, norm_cfg,
                                   full_rank)
        self.act_out = build_activation(act_out, out_channels,
                                        groups_shift_out, reduction,
                                        SQUEEZE_INIT, dsm_cfg,
                                        spatial_attention)
        shuffles = [groups_shift_out]
        if act_out != 'identity' and out_channels % 2 == 0:
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
        act_mid (str): Activation after the depthwise conv.
        act_out (str): Activation after the squeezing conv.
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
                 act_mid: str = 'shift_max_k2',
                 act_out: str = 'shift_max_k1',
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
        _check_act(act_mid, ACTIVATIONS, 'act_mid')
        self.act_mid = build_activation(act_mid, hidden, groups_hidden,
                                        reduction, init, dsm_cfg)
        shuffles = [groups_hidden] + ([hidden // 2]
                                      if act_mid != 'relu6' else [])
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
        act_in (str): Activation after the expansion.
        act_mid (str): Activation after the depthwise conv.
        act_out (str): Activation after the squeeze.
        reduction (int): Shift-Max hyper-function reduction.
        init (dict): ``init_a``/``init_b`` of the K-fusion Shift-Maxes.
        dsm_cfg (dict, optional): Shift-Max overrides.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        full_rank (bool): Build the full-rank twin. Defaults to False.
        spatial_attention (Sequence[str]): Shift-Max activations that also
            apply Dynamic ReLU's spatial attention, any of ``'in'``,
            ``'mid'``, ``'out'`` (each must be a Dynamic Shift-Max).
            Defaults to ``()``.
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
                 act_in: str = 'shift_max_k2',
                 act_mid: str = 'shift_max_k2',
                 act_out: str = 'shift_max_k1',
                 reduction: int = 8,
                 init: Optional[dict] = None,
                 dsm_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 full_rank: bool = False,
                 spatial_attention: Sequence[str] = ()):
        super().__init__()
        sites = _check_sites(spatial_attention)
        _check_act(act_in, ACTIVATIONS, 'act_in')
        _check_act(act_mid, ACTIVATIONS, 'act_mid')
        hidden = hidden_channels
        init = init or dict(init_a=(1.0, 1.0), init_b=(0.0, 0.0))
        self.use_residual = stride == 1 and in_channels == out_channels
        self.conv_in = _pointwise(in_channels, hidden, groups_in, norm_cfg,
                                  full_rank)
        self.act_in = build_activation(act_in, hidden, groups_hidden,
                                       reduction, init, dsm_cfg,
                                       'in' in sites)
        self.shuffle_in = ChannelPermutation(hidden, (groups_hidden, ))
        self.depthwise = _depthwise(hidden, kernel_size, stride, dilation,
                                    (1, 1), norm_cfg, full_rank)
        self.act_mid = build_activation(act_mid, hidden,
                                        hidden // groups_hidden, reduction,
                                        init, dsm_cfg, 'mid' in sites)
        shift_in, shift_mid = act_in != 'relu6', act_mid != 'relu6'
        if shift_in and shift_mid:
            shuffles = [hidden // 4]
        elif shift_in or shift_mid:
            shuffles = [hidden // 2]
        else:
            shuffles = []
        self.shuffle_mid = ChannelPermutation(hidden, shuffles)
        squeeze_reduction = reduction // 2 \
            if out_channels < hidden else reduction
        self._build_squeeze(hidden, out_channels, groups_out,
                            groups_shift_out, act_out, squeeze_reduction,
                            norm_cfg, dsm_cfg, full_rank, 'out' in sites)

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
        act (str): ``'shift_max_k1'`` or ``'identity'``.
        reduction (int): Shift-Max hyper-function reduction.
        dsm_cfg (dict, optional): Shift-Max overrides.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        full_rank (bool): Dense 1x1 conv instead of grouped.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 groups: int,
                 act: str = 'shift_max_k1',
                 reduction: int = 16,
                 dsm_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 full_rank: bool = False):
        super().__init__()
        self.use_residual = False
        self.conv = _pointwise(in_channels, out_channels, groups, norm_cfg,
                               full_rank)
        _check_act(act, SQUEEZE_ACTIVATIONS, 'act')
        self.act = build_activation(act, out_channels, groups, reduction,
                                    SQUEEZE_INIT, dsm_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


__all__ = ('MicroBlockA', 'MicroBlockC', 'GroupedPointwiseExpansion',
           'build_activation', 'ACTIVATIONS', 'SQUEEZE_ACTIVATIONS',
           'ATTENTION_SITES')
