"""MicroNet backbone (Li et al., "MicroNet: Towards Image Recognition with
Extremely Low FLOPs", arXiv 2011.12289, and ICCV 2021).

Model names follow the paper the project targets (v1): M0/M1/M2/M3 are the
6M/12M/21M/44M MAdds networks. The official release names the first three
M1/M2/M3 and adds a 4M network (its M0), here called ``'4m'``. M3 (44M) has
no public specification; ``docs/en/m3_44m_design.md`` derives it. The tables
themselves are in :mod:`micronet_mm.models.backbones.micronet_arch`.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers import (
    GroupedPointwiseExpansion,
    MicroBlockA,
    MicroBlockC,
    MicroStem,
)
from .micronet_arch import (
    ARCH_SETTINGS,
    NUM_STAGES,
    ExpansionRow,
    LiteRow,
    MicroNetArch,
    Row,
    build_arch,
)


class MicroNet(BaseModule):
    """MicroNet backbone.

    Layers are numbered as in the architecture table: ``layer0`` is the
    stem, ``layer1`` ... ``layerN`` are the rows. Rows are grouped into
    stages at each stride-2 row, so every arch has four stages at output
    strides 4, 8, 16 and 32; ``strides``/``dilations`` turn it into an output
    stride 16 or 8 network for dense prediction (all rows of a stage whose
    stride is removed use the stage's dilation, as in MobileNetV3/ResNet).

    With ``truncate=True`` only the layers up to the deepest
    ``out_indices`` entry are built: a dense-prediction head that taps an
    earlier row (the 44M M3 at output stride 16 cannot afford its last two
    rows within the paper's 2.52B MAdds, see ``docs/en/mraspp_head.md``)
    would otherwise pay for rows whose output is thrown away, and under
    DistributedDataParallel their parameters would never receive gradients.
    Layer and parameter names stay those of the full network, so ImageNet
    checkpoints of the same arch load; the dropped rows' weights are
    reported as unexpected keys and ignored.

    Args:
        arch (str | dict | MicroNetArch): One of ``'4m'``, ``'m0'``,
            ``'m1'``, ``'m2'``, ``'m3'``, a
            :class:`~.micronet_arch.MicroNetArch`, or a dict of its fields
            (rows as dicts with a ``block`` letter, see
            :func:`~.micronet_arch.row_from_dict`). Defaults to ``'m0'``.
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
        truncate (bool): Build only layers ``0..max(out_indices)``.
            ``frozen_stages`` must then not exceed that layer. Defaults to
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
        >>> trunk = MicroNet('m0', out_indices=(2, 5), truncate=True)
        >>> trunk.layer_names[-1], len(model.layer_names)
        ('layer5', 8)
    """
    arch_settings = ARCH_SETTINGS
    num_stages = NUM_STAGES

    def __init__(self,
                 arch: Union[str, dict, MicroNetArch] = 'm0',
                 in_channels: int = 3,
                 out_indices: Optional[Sequence[int]] = None,
                 strides: Optional[Sequence[int]] = None,
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN'),
                 dsm_cfg: Optional[dict] = None,
                 full_rank: bool = False,
                 truncate: bool = False,
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
                    f'{sorted(self.arch_settings)} (or a MicroNetArch, or a '
                    'dict with stem_groups and rows)')
            self.arch_name = arch
            arch = self.arch_settings[arch]
        else:
            self.arch_name = 'custom'
        self.arch: MicroNetArch = build_arch(arch)
        rows = self.arch.rows
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
        if truncate:
            self.num_layers = max(self.out_indices) + 1
        if not -1 <= frozen_stages < self.num_layers:
            raise ValueError(
                f'frozen_stages must be in -1..{self.num_layers - 1}'
                f'{" (truncate builds no later layer)" if truncate else ""}'
                f', got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.layer_names = ['layer0']
        self.add_module(
            'layer0',
            MicroStem(
                self.arch.stem_groups,
                in_channels=in_channels,
                norm_cfg=norm_cfg))
        channels = self.layer0.out_channels
        self.out_channels_per_layer = [channels]
        init = dict(init_a=self.arch.init_a, init_b=self.arch.init_b)
        stage = 0
        for i, row in enumerate(rows[:self.num_layers - 1], 1):
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
        self._freeze_stages()

    @staticmethod
    def _make_layer(row: Row, in_channels, stride, dilation, init, norm_cfg,
                    dsm_cfg, full_rank):
        common = dict(dsm_cfg=dsm_cfg, norm_cfg=norm_cfg, full_rank=full_rank)
        if isinstance(row, ExpansionRow):
            return GroupedPointwiseExpansion(
                in_channels,
                row.out_channels,
                row.groups,
                act=row.act,
                reduction=row.reduction,
                **common)
        spatial = dict(
            kernel_size=row.kernel_size,
            stride=stride,
            dilation=dilation,
            groups_hidden=row.groups_hidden,
            groups_out=row.groups_out,
            groups_shift_out=row.groups_shift_out,
            act_mid=row.act_mid,
            act_out=row.act_out,
            reduction=row.reduction,
            init=init,
            **common)
        if isinstance(row, LiteRow):
            return MicroBlockA(
                in_channels,
                row.out_channels,
                multipliers=row.multipliers,
                **spatial)
        return MicroBlockC(
            in_channels,
            row.hidden_channels(in_channels),
            row.out_channels,
            groups_in=row.groups_in,
            act_in=row.act_in,
            **spatial)

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
