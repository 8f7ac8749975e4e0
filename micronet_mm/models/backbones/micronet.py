"""MicroNet backbone (Li et al., "MicroNet: Towards Image Recognition with
Extremely Low FLOPs", arXiv 2011.12289, and ICCV 2021).

Model names follow the paper the project targets (v1): M0/M1/M2/M3 are the
6M/12M/21M/44M MAdds networks. The official release names the first three
M1/M2/M3 and adds a 4M network (its M0), here called ``'4m'``. M3 (44M) has
no public specification; ``docs/en/m3_44m_design.md`` derives the one below.
"""
import copy
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers import (
    GroupedPointwiseExpansion,
    MicroBlockA,
    MicroBlockC,
    MicroStem,
)


class MicroRow(NamedTuple):
    """One row of the architecture table.

    ``block``: 'A'/'B' lite rows (:class:`MicroBlockA`), 'C' regular rows
    (:class:`MicroBlockC`), 'E' the closing grouped 1x1 expansion.
    ``mult1``/``mult2``: channel multipliers; hidden width is
    ``in * mult1 * mult2`` (in lite rows they are the depthwise factors'
    multipliers). ``groups_in``: groups of the expanding 1x1 conv (C, E rows).
    ``groups_hidden``: Shift-Max groups / shuffle on the hidden tensor.
    ``groups_out``/``groups_shift_out``: groups of the squeezing 1x1 conv and
    of the Shift-Max/shuffle after it. ``act_*``: activation flags after the
    expansion, the depthwise conv and the squeeze (0 ReLU6/none, 1 Shift-Max
    K=1, 2 Shift-Max K=2; ``act_in`` is unused by lite rows and ``act_out``
    is the only flag of E rows). ``reduction``: Shift-Max reduction is
    ``8 * reduction``.
    """
    block: str
    kernel: int
    stride: int
    out_channels: int
    mult1: int
    mult2: int
    groups_in: int
    groups_hidden: int
    groups_out: int
    groups_shift_out: int
    act_in: int
    act_mid: int
    act_out: int
    reduction: int


def _rows(table):
    return [MicroRow(*row) for row in table]


# yapf: disable
# Columns: block, kernel, stride, out, mult1, mult2, groups_in,
#          groups_hidden, groups_out, groups_shift_out, act_in, act_mid,
#          act_out, reduction  (official column names: -, ks, s, c, c1, c2,
#          g1, g2, g3, g4, y1, y2, y3, r)
ARCH_SETTINGS: Dict[str, dict] = {
    # official "M0" (msnx_dy6_exp4_4M_221), 4M MAdds
    '4m': dict(
        stem_groups=(2, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M0 (msnx_dy6_exp4_4M_221)',
        rows=_rows([
            ('A', 3, 2, 8, 2, 2, 0, 4, 2, 2, 2, 0, 1, 1),
            ('A', 3, 2, 12, 2, 2, 0, 8, 4, 4, 2, 2, 1, 1),
            ('B', 5, 2, 16, 2, 2, 0, 12, 4, 4, 2, 2, 1, 1),
            ('C', 5, 1, 32, 1, 4, 4, 4, 4, 4, 2, 2, 1, 1),
            ('C', 5, 2, 64, 1, 4, 8, 8, 8, 8, 2, 2, 1, 1),
            ('C', 3, 1, 96, 1, 4, 8, 8, 8, 8, 2, 2, 1, 2),
            ('E', 1, 1, 384, 1, 4, 12, 12, 0, 0, 2, 2, 1, 2),
        ])),
    # paper M0 = official "M1" (msnx_dy6_exp6_6M_221), 6M MAdds
    'm0': dict(
        stem_groups=(3, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M1 (msnx_dy6_exp6_6M_221)',
        rows=_rows([
            ('A', 3, 2, 8, 2, 2, 0, 6, 2, 2, 2, 0, 1, 1),
            ('A', 3, 2, 16, 2, 2, 0, 8, 4, 4, 2, 2, 1, 1),
            ('B', 5, 2, 16, 2, 2, 0, 16, 4, 4, 2, 2, 1, 1),
            ('C', 5, 1, 32, 1, 6, 4, 4, 4, 4, 2, 2, 1, 1),
            ('C', 5, 2, 64, 1, 6, 8, 8, 8, 8, 2, 2, 1, 1),
            ('C', 3, 1, 96, 1, 6, 8, 8, 8, 8, 2, 2, 1, 2),
            ('E', 1, 1, 576, 1, 6, 12, 12, 0, 0, 2, 2, 1, 2),
        ])),
    # paper M1 = official "M2" (msnx_dy9_exp6_12M_221), 12M MAdds
    'm1': dict(
        stem_groups=(4, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M2 (msnx_dy9_exp6_12M_221)',
        rows=_rows([
            ('A', 3, 2, 12, 2, 2, 0, 8, 4, 4, 2, 0, 1, 1),
            ('A', 3, 2, 16, 2, 2, 0, 12, 4, 4, 2, 2, 1, 1),
            ('B', 3, 1, 24, 2, 2, 0, 16, 4, 4, 2, 2, 1, 1),
            ('C', 5, 2, 32, 1, 6, 6, 6, 4, 4, 2, 2, 1, 1),
            ('C', 5, 1, 32, 1, 6, 8, 8, 4, 4, 2, 2, 1, 2),
            ('C', 5, 1, 64, 1, 6, 8, 8, 8, 8, 2, 2, 1, 2),
            ('C', 5, 2, 96, 1, 6, 8, 8, 8, 8, 2, 2, 1, 2),
            ('C', 3, 1, 128, 1, 6, 12, 12, 8, 8, 2, 2, 1, 2),
            ('E', 1, 1, 768, 1, 6, 16, 16, 0, 0, 2, 2, 1, 2),
        ])),
    # paper M2 = official "M3" (msnx_dy12_exp6_20M_020), 21M MAdds
    'm2': dict(
        stem_groups=(4, 3), init_a=(1.0, 0.5), init_b=(0.0, 0.5),
        official='M3 (msnx_dy12_exp6_20M_020)',
        rows=_rows([
            ('A', 3, 2, 16, 2, 2, 0, 12, 4, 4, 0, 2, 0, 1),
            ('A', 3, 2, 24, 2, 2, 0, 16, 4, 4, 0, 2, 0, 1),
            ('B', 3, 1, 24, 2, 2, 0, 24, 4, 4, 0, 2, 0, 1),
            ('C', 5, 2, 32, 1, 6, 6, 6, 4, 4, 0, 2, 0, 1),
            ('C', 5, 1, 32, 1, 6, 8, 8, 4, 4, 0, 2, 0, 2),
            ('C', 5, 1, 64, 1, 6, 8, 8, 8, 8, 0, 2, 0, 2),
            ('C', 5, 1, 80, 1, 6, 8, 8, 8, 8, 0, 2, 0, 2),
            ('C', 5, 1, 80, 1, 6, 10, 10, 8, 8, 0, 2, 0, 2),
            ('C', 5, 2, 120, 1, 6, 10, 10, 10, 10, 0, 2, 0, 2),
            ('C', 5, 1, 120, 1, 6, 12, 12, 10, 10, 0, 2, 0, 2),
            ('C', 3, 1, 144, 1, 6, 12, 12, 12, 12, 0, 2, 0, 2),
            ('E', 1, 1, 864, 1, 6, 12, 12, 0, 0, 0, 2, 0, 2),
        ])),
    # paper M3, 44M MAdds: no public spec. Derived from 'm2': widths x1.5
    # (channels rounded to their group counts), a 16-channel stem and one
    # more regular block at strides 16 and 32 (docs/en/m3_44m_design.md)
    'm3': dict(
        stem_groups=(4, 4), init_a=(1.0, 0.5), init_b=(0.0, 0.5),
        official=None,
        rows=_rows([
            ('A', 3, 2, 24, 2, 2, 0, 16, 4, 4, 0, 2, 0, 1),
            ('A', 3, 2, 36, 2, 2, 0, 24, 4, 4, 0, 2, 0, 1),
            ('B', 3, 1, 36, 2, 2, 0, 36, 4, 4, 0, 2, 0, 1),
            ('C', 5, 2, 48, 1, 6, 6, 6, 4, 4, 0, 2, 0, 1),
            ('C', 5, 1, 48, 1, 6, 8, 8, 4, 4, 0, 2, 0, 2),
            ('C', 5, 1, 96, 1, 6, 8, 8, 8, 8, 0, 2, 0, 2),
            ('C', 5, 1, 120, 1, 6, 12, 12, 8, 8, 0, 2, 0, 2),
            ('C', 5, 1, 120, 1, 6, 12, 12, 8, 8, 0, 2, 0, 2),
            ('C', 5, 1, 120, 1, 6, 12, 12, 8, 8, 0, 2, 0, 2),
            ('C', 5, 2, 180, 1, 6, 12, 12, 12, 12, 0, 2, 0, 2),
            ('C', 5, 1, 180, 1, 6, 12, 12, 12, 12, 0, 2, 0, 2),
            ('C', 5, 1, 180, 1, 6, 12, 12, 12, 12, 0, 2, 0, 2),
            ('C', 3, 1, 216, 1, 6, 12, 12, 12, 12, 0, 2, 0, 2),
            ('E', 1, 1, 1296, 1, 6, 12, 12, 0, 0, 0, 2, 0, 2),
        ])),
}
# yapf: enable


def _validate_arch(arch: dict) -> dict:
    missing = {'stem_groups', 'rows'} - set(arch)
    if missing:
        raise ValueError(f'custom MicroNet arch is missing keys '
                         f'{sorted(missing)}; expected a dict with stem_groups'
                         ', rows, and optional init_a / init_b')
    arch = copy.deepcopy(arch)
    arch['rows'] = [MicroRow(*r) for r in arch['rows']]
    arch.setdefault('init_a', (1.0, 1.0))
    arch.setdefault('init_b', (0.0, 0.0))
    for i, row in enumerate(arch['rows'], 1):
        if row.block not in 'ABCE' or len(row.block) != 1:
            raise ValueError(f'row {i}: block must be one of A, B, C, E; '
                             f'got {row.block!r}')
    return arch


class MicroNet(BaseModule):
    """MicroNet backbone.

    Layers are numbered as in the architecture table: ``layer0`` is the
    stem, ``layer1`` ... ``layerN`` are the rows. Rows are grouped into
    stages at each stride-2 row, so every arch has four stages at output
    strides 4, 8, 16 and 32; ``strides``/``dilations`` turn it into an output
    stride 16 or 8 network for dense prediction (all rows of a stage whose
    stride is removed use the stage's dilation, as in MobileNetV3/ResNet).

    Args:
        arch (str | dict): One of ``'4m'``, ``'m0'``, ``'m1'``, ``'m2'``,
            ``'m3'``, or a dict like the values of :attr:`arch_settings`.
            Defaults to ``'m0'``.
        in_channels (int): Input image channels. Defaults to 3.
        out_indices (Sequence[int], optional): Layers whose outputs are
            returned (0 = stem; negative counts from the end). Defaults to
            the last layer.
        strides (Sequence[int], optional): Stride (1 or 2) of the first row
            of each of the four stages. Defaults to ``(2, 2, 2, 2)``.
        dilations (Sequence[int]): Depthwise dilation of each stage.
            Defaults to ``(1, 1, 1, 1)``.
        frozen_stages (int): Freeze (no gradient, eval-mode norm) layers
            ``0..frozen_stages``. Defaults to -1 (none).
        norm_eval (bool): Keep all norm layers in eval mode while training.
            Defaults to False.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')`` with
            PyTorch's eps/momentum, as the released weights use.
        dsm_cfg (dict, optional): Overrides for every Dynamic Shift-Max,
            e.g. ``dict(type='StaticShiftMax')`` or ``dict(num_shifts=1)``
            (Dynamic ReLU). Defaults to None.
        full_rank (bool): Build the full-rank twin used by mutual learning
            (dense 1x1 convs, plain ``k x k`` depthwise convs). Defaults to
            False.
        init_cfg (dict | list[dict], optional): Initialization config; the
            default mirrors the official code (Kaiming fan-out on convs,
            N(0, 0.01) on linear layers, ones on norms). Use
            ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')``
            to load ImageNet weights.

    Example:
        >>> import torch
        >>> model = MicroNet('m0', out_indices=(1, 2, 4, 7)).eval()
        >>> [o.shape[1] for o in model(torch.rand(1, 3, 224, 224))]
        [8, 16, 32, 576]
    """
    arch_settings = ARCH_SETTINGS
    num_stages = 4

    def __init__(self,
                 arch: Union[str, dict] = 'm0',
                 in_channels: int = 3,
                 out_indices: Optional[Sequence[int]] = None,
                 strides: Optional[Sequence[int]] = None,
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN'),
                 dsm_cfg: Optional[dict] = None,
                 full_rank: bool = False,
                 init_cfg=[
                     dict(
                         type='Kaiming',
                         layer='Conv2d',
                         mode='fan_out',
                         nonlinearity='relu',
                         distribution='normal'),
                     dict(type='Normal', layer='Linear', std=0.01),
                     dict(
                         type='Constant',
                         layer=['_BatchNorm', 'GroupNorm'],
                         val=1)
                 ]):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(
                    f'unknown MicroNet arch {arch!r}; valid archs: '
                    f'{sorted(self.arch_settings)} (or a dict with '
                    'stem_groups and rows)')
            self.arch_name = arch
            arch = self.arch_settings[arch]
        elif isinstance(arch, dict):
            self.arch_name = 'custom'
        else:
            raise TypeError(f'arch must be a str or dict, got {type(arch)}')
        self.arch = _validate_arch(arch)
        rows: List[MicroRow] = self.arch['rows']
        self.num_layers = len(rows) + 1

        strides = tuple(strides) if strides is not None else (2, ) * 4
        dilations = tuple(dilations)
        for name, values, allowed in (('strides', strides, (1, 2)),
                                      ('dilations', dilations, None)):
            if len(values) != self.num_stages or any(
                    int(v) != v or v < 1 or (allowed and v not in allowed)
                    for v in values):
                raise ValueError(
                    f'{name} must be {self.num_stages} positive integers'
                    f'{" in (1, 2)" if allowed else ""}, got {values}')
        self.strides, self.dilations = strides, dilations

        if out_indices is None:
            out_indices = (self.num_layers - 1, )
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        normalized = []
        for index in out_indices:
            if not -self.num_layers <= index < self.num_layers:
                raise ValueError(
                    f'out_indices entry {index} is out of range for MicroNet'
                    f' {self.arch_name!r}, which has layers 0..'
                    f'{self.num_layers - 1} (0 is the stem)')
            normalized.append(index % self.num_layers)
        self.out_indices = tuple(normalized)
        if not -1 <= frozen_stages < self.num_layers:
            raise ValueError(f'frozen_stages must be in -1..'
                             f'{self.num_layers - 1}, got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.layer_names = ['layer0']
        self.add_module(
            'layer0',
            MicroStem(
                self.arch['stem_groups'],
                in_channels=in_channels,
                norm_cfg=norm_cfg))
        channels = self.layer0.out_channels
        self.out_channels_per_layer = [channels]
        init = dict(init_a=self.arch['init_a'], init_b=self.arch['init_b'])
        stage = 0
        for i, row in enumerate(rows, 1):
            stride = 1
            if row.stride == 2:
                stride = strides[stage]
                stage += 1
            dilation = dilations[max(stage - 1, 0)]
            layer = self._make_layer(row, channels, stride, dilation, init,
                                     norm_cfg, dsm_cfg, full_rank)
            self.add_module(f'layer{i}', layer)
            self.layer_names.append(f'layer{i}')
            channels = row.out_channels
            self.out_channels_per_layer.append(channels)
        if stage != self.num_stages:
            raise ValueError(f'arch must have {self.num_stages} stride-2 rows'
                             f' (one per stage), found {stage}')
        self._freeze_stages()

    @staticmethod
    def _make_layer(row: MicroRow, in_channels, stride, dilation, init,
                    norm_cfg, dsm_cfg, full_rank):
        hidden = in_channels * row.mult1 * row.mult2
        reduction = 8 * row.reduction
        common = dict(dsm_cfg=dsm_cfg, norm_cfg=norm_cfg, full_rank=full_rank)
        if row.block in 'AB':
            return MicroBlockA(
                in_channels,
                row.out_channels,
                row.kernel,
                stride=stride,
                dilation=dilation,
                multipliers=(row.mult1, row.mult2),
                groups_hidden=row.groups_hidden,
                groups_out=row.groups_out,
                groups_shift_out=row.groups_shift_out,
                act_mid=row.act_mid,
                act_out=row.act_out,
                reduction=reduction,
                init=init,
                **common)
        if row.block == 'C':
            return MicroBlockC(
                in_channels,
                hidden,
                row.out_channels,
                row.kernel,
                stride=stride,
                dilation=dilation,
                groups_in=row.groups_in,
                groups_hidden=row.groups_hidden,
                groups_out=row.groups_out,
                groups_shift_out=row.groups_shift_out,
                act_in=row.act_in,
                act_mid=row.act_mid,
                act_out=row.act_out,
                reduction=reduction,
                init=init,
                **common)
        if hidden != row.out_channels:
            raise ValueError(f'E row: out_channels ({row.out_channels}) must '
                             f'equal in * mult1 * mult2 ({hidden})')
        return GroupedPointwiseExpansion(
            in_channels,
            hidden,
            row.groups_in,
            act=row.act_out,
            reduction=reduction,
            **common)

    @property
    def out_channels(self) -> List[int]:
        """Channels of each returned feature map."""
        return [self.out_channels_per_layer[i] for i in self.out_indices]

    def forward(self, x: torch.Tensor):
        """Return the feature maps of ``out_indices`` as a tuple."""
        outs = []
        for i, name in enumerate(self.layer_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self):
        for i in range(self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Refuse weights of another arch with a message naming the arch
        (and a config) they belong to, instead of loading what fits."""
        own = {k: v.shape for k, v in self.state_dict().items()}
        theirs = {k[len(prefix):]: v for k, v in state_dict.items()
                  if k.startswith(prefix) and torch.is_tensor(v)}
        if any(k.startswith(('features.', 'module.features.'))
               for k in theirs):
            raise ValueError(
                'these are official MicroNet weights (keys "features.*"); '
                'convert them first: python tools/model_converters/'
                'official2mm.py SRC DST')
        if any(k in own and v.shape != own[k] for k, v in theirs.items()):
            arch = identify_arch(theirs)
            found = (f"arch {arch!r} (the micronet_{arch}_* configs, or "
                     f"backbone.arch={arch!r})") if arch else \
                'an unknown or partial arch'
            raise ValueError(
                f'checkpoint weights under {prefix or "the root"!r} are '
                f'MicroNet {found}, but this model is arch '
                f'{self.arch_name!r}')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


_SHAPES_CACHE: Dict[str, Dict[str, tuple]] = {}


def backbone_shapes(arch: str) -> Dict[str, tuple]:
    """State-dict key -> tensor shape of ``MicroNet(arch)`` (cached).

    Args:
        arch (str): A key of :data:`ARCH_SETTINGS`.

    Returns:
        dict[str, tuple]: Shapes of the backbone's own keys (no prefix).
    """
    if arch not in _SHAPES_CACHE:
        _SHAPES_CACHE[arch] = {
            k: tuple(v.shape)
            for k, v in MicroNet(arch, init_cfg=None).state_dict().items()
        }
    return _SHAPES_CACHE[arch]


def identify_arch(state: Dict[str, torch.Tensor],
                  prefix: str = '') -> Optional[str]:
    """Which arch of :data:`ARCH_SETTINGS` a state dict holds.

    Args:
        state (dict[str, Tensor]): A micronet_mm state dict.
        prefix (str): Prefix of the backbone keys in ``state``, e.g.
            ``'backbone.'``. Defaults to ''.

    Returns:
        str | None: The arch whose keys and shapes match exactly, or None.
    """
    sub = {k[len(prefix):]: tuple(v.shape) for k, v in state.items()
           if k.startswith(prefix) and torch.is_tensor(v)}
    for arch in ARCH_SETTINGS:
        if sub == backbone_shapes(arch):
            return arch
    return None
