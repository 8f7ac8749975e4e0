"""Compile a logical :class:`~.graph.Chain` into inference modules.

The compiler walks the chain keeping the *physical* channel order ``pi`` of
the running tensor (``u = x[:, pi]``, see :mod:`.graph`):

* a permutation ``x[:, p]`` only updates ``pi`` (no data moves);
* a channel-independent activation does not care about the order;
* a Shift-Max is rebuilt for the physical order: its shift becomes
  ``pi^-1 o shift o pi``, its hyper-function's input columns and output
  rows are permuted, so it reads and writes the tensor where it lies;
* a convolution reads its input channels in order ``pi`` (its weight's input
  axis is permuted) and writes its output channels in an order of our
  choice (its weight's output axis is permuted). A depthwise conv maps input
  channel ``i`` to its own outputs, so its output order follows ``pi``. A
  grouped conv can only absorb orders that keep each group contiguous;
  otherwise it either runs dense (block-diagonal weight) or the tensor is
  gathered into an order it can read, whichever the cost policy prefers.

At the end the tensor must be in the order the caller requires (the logical
order at every layer boundary that is visible outside, and the input order
when the chain has a residual connection).
"""
import copy
from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import torch
from torch import nn

from .graph import (
    ActOp,
    Chain,
    ConvOp,
    PermOp,
    ShiftMaxOp,
    inverse_permutation,
    is_channel_independent,
    is_identity,
)
from .lower import dense_weight, grouped_from_dense
from .modules import (
    BatchedPointwise,
    ConcatConv2d,
    DeployConv2d,
    DeployGather,
    DeploySequential,
    DeployShiftMax,
)


@dataclass(frozen=True)
class FusePolicy:
    """Speed choices of the rewrite (none changes the function); use the
    preset of a backend, :func:`policy_for`.

    Args:
        merge_depthwise (bool | str): Merge each ``k x 1`` + ``1 x k`` pair
            into one ``k x k`` conv: True always; ``'no-edge'`` only when no
            border correction is needed; ``'no-edge-grouped'`` like
            ``'no-edge'`` but always merging pairs that become a dense conv
            (the stem); False never.
        dense_max_macs (int): A grouped 1x1 conv runs dense when its dense
            weight has at most this many elements (``C_in * C_out``);
            ``-1`` never.
        dense_absorb_macs (int): A grouped 1x1 conv that cannot read the
            running channel order runs dense (absorbing the permutation)
            when its dense weight has at most this many elements; otherwise
            the tensor is gathered.
        batched_pointwise (bool): Run 1x1 convs as batched matrix products
            (:class:`BatchedPointwise`).
        split_expanding (bool): Run a depthwise conv with channel
            multiplier ``m > 1`` as ``m`` multiplier-1 depthwise convs plus a
            concatenation.
        dense_expanding_max_in (int): Run a depthwise conv with channel
            multiplier ``m > 1`` and at most this many input channels as a
            dense conv.
        shift_max_kernel (str, optional): Export every Shift-Max as one
            ``micronet_mm::ShiftMax`` node in this layout (``'nchw'`` or
            ``'nhwc'``); None keeps stock operators.
    """
    merge_depthwise: object = True
    dense_max_macs: int = -1
    dense_absorb_macs: int = 0
    batched_pointwise: bool = False
    split_expanding: bool = False
    dense_expanding_max_in: int = 0
    shift_max_kernel: Optional[str] = None

    def __post_init__(self):
        if self.merge_depthwise not in (True, False, 'no-edge',
                                        'no-edge-grouped'):
            raise ValueError("merge_depthwise must be True, False, 'no-edge' "
                             f"or 'no-edge-grouped', got "
                             f'{self.merge_depthwise!r}')
        if self.shift_max_kernel not in (None, 'nchw', 'nhwc'):
            raise ValueError("shift_max_kernel must be None, 'nchw' or "
                             f"'nhwc', got {self.shift_max_kernel!r}")


# Measured on x86 (docs/en/deployment.md). torch: batched GEMMs beat its
# per-group conv calls, the border correction of merged depthwise pairs
# touches only the border columns in place, and for the tiniest convs a
# dense conv beats a gather. onnxruntime: one small GEMM per group beats a
# dense conv, a row-broadcast Add of the border correction costs about as
# much as the second conv, and multiplier-1 depthwise convs hit its fast
# kernels. openvino: Shift-Max as the compiled one-pass kernel in the
# channels-last layout OpenVINO's CPU plugin keeps, and every channel
# permutation absorbed by a dense conv: its CPU plugin runs a gather in plain
# layout between two reorders, which made reorders half of seg M3's time
# (benchmarks/profile_deploy.py); absorbing them was 24 % faster for seg M3,
# 19 % for pose M2, 10 % slower for cls M2 (224x224, tiny maps).
PRESETS = dict(
    torch=FusePolicy(
        merge_depthwise=True, dense_absorb_macs=1024, batched_pointwise=True,
        dense_expanding_max_in=16),
    onnxruntime=FusePolicy(
        merge_depthwise='no-edge-grouped', split_expanding=True),
    openvino=FusePolicy(
        merge_depthwise='no-edge-grouped', split_expanding=True,
        dense_absorb_macs=1 << 30, shift_max_kernel='nhwc'),
)


def policy_for(backend: str, **overrides) -> FusePolicy:
    """The preset of ``backend`` (``'torch'``, ``'onnxruntime'`` or
    ``'openvino'``), with optional field overrides (for experiments)."""
    if backend not in PRESETS:
        raise ValueError(f'backend must be one of {sorted(PRESETS)}, got '
                         f'{backend!r}')
    unknown = set(overrides) - set(FusePolicy.__dataclass_fields__)
    if unknown:
        raise TypeError(f'unknown fuse options {sorted(unknown)}; valid: '
                        f'{sorted(FusePolicy.__dataclass_fields__)}')
    return replace(PRESETS[backend], **overrides)


def _is_pointwise(op: ConvOp) -> bool:
    return op.kernel_size == (1, 1) and op.stride == (1, 1) and \
        op.padding == (0, 0)


def _group_blocks(order: torch.Tensor, groups: int, channels: int):
    """Logical group of each physical block of ``order`` if every block of
    ``channels // groups`` consecutive physical channels belongs to one
    logical group, else None."""
    size = channels // groups
    logical_group = order.view(groups, size) // size
    if not bool((logical_group == logical_group[:, :1]).all()):
        return None
    mapping = logical_group[:, 0]
    if torch.unique(mapping).numel() != groups:
        return None
    return mapping


def _permute_conv(op: ConvOp, in_order: torch.Tensor,
                  out_order: torch.Tensor, dense: bool) -> ConvOp:
    """``op`` reading physical input order ``in_order`` and writing physical
    output order ``out_order`` (grouped unless ``dense``); the orders must
    be group-compatible when not dense."""
    weight = dense_weight(op)[out_order][:, in_order]
    bias = None if op.bias is None else op.bias[out_order]
    edge = None if op.edge is None else op.edge[out_order]
    groups = 1 if dense else op.groups
    if groups > 1:
        weight = grouped_from_dense(weight, groups)
    return ConvOp(weight, bias, op.stride, op.padding, op.dilation, groups,
                  edge)


def _depthwise_output_order(op: ConvOp, in_order: torch.Tensor):
    mult = op.out_channels // op.in_channels
    return (in_order.view(-1, 1) * mult + torch.arange(mult)).flatten()


def _natural_output_order(op: ConvOp, in_order: torch.Tensor):
    """Output order keeping a grouped conv grouped for a block-compatible
    input order: output block ``b`` holds the logical group read by input
    block ``b``."""
    mapping = _group_blocks(in_order, op.groups, op.in_channels)
    size = op.out_channels // op.groups
    return (mapping.view(-1, 1) * size + torch.arange(size)).flatten()


def _split_expanding_module(op: ConvOp, in_order: torch.Tensor,
                            act: Optional[nn.Module]):
    """A depthwise conv with multiplier ``m`` as ``m`` depthwise convs whose
    outputs are concatenated ``t``-major: physical output ``t * C + i`` is
    logical ``in_order[i] * m + t``."""
    mult = op.out_channels // op.in_channels
    order = (in_order.view(1, -1) * mult +
             torch.arange(mult).view(-1, 1)).flatten()
    convs = []
    for t in range(mult):
        rows = order[t * op.in_channels:(t + 1) * op.in_channels]
        part = ConvOp(op.weight[rows],
                      None if op.bias is None else op.bias[rows], op.stride,
                      op.padding, op.dilation, op.in_channels)
        convs.append(_plain_conv(part))
    edge = None if op.edge is None else op.edge[order]
    return DeployConv2d(ConcatConv2d(convs), edge, act), order


def _plain_conv(op: ConvOp) -> nn.Conv2d:
    conv = nn.Conv2d(
        op.in_channels,
        op.out_channels,
        op.kernel_size,
        stride=op.stride,
        padding=op.padding,
        dilation=op.dilation,
        groups=op.groups,
        bias=op.bias is not None,
        dtype=op.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(op.weight)
        if op.bias is not None:
            conv.bias.copy_(op.bias)
    return conv


def _conv_module(op: ConvOp, act: Optional[nn.Module],
                 policy: 'FusePolicy') -> DeployConv2d:
    if policy.batched_pointwise and _is_pointwise(op) and op.edge is None:
        return DeployConv2d(
            BatchedPointwise(op.weight, op.bias, op.groups), None, act)
    return DeployConv2d(_plain_conv(op), op.edge, act)


def shift_max_in_order(module: nn.Module,
                       order: torch.Tensor,
                       kernel: Optional[str] = None) -> DeployShiftMax:
    """Deploy form of a (training-form) Shift-Max whose input is stored in
    physical order ``order``; the output is stored in the same order.
    ``kernel`` is :attr:`FusePolicy.shift_max_kernel`.

    Physical channel ``i`` holds logical channel ``order[i]``; its shift
    partner ``shift_j(order[i])`` lies at physical ``order^-1[...]``, its
    coefficients are the logical ones of channel ``order[i]``.
    """
    inv = inverse_permutation(order)
    c = module.channels
    k, j = module.num_fusions, module.num_shifts
    indices = [
        inv[getattr(module, f'shift_index{s}').cpu()[order]]
        for s in range(1, j)
    ]
    # rows of the (K, J, C) coefficient layout, channel axis permuted
    rows = (torch.arange(k * j).view(-1, 1) * c + order.view(1, -1)).flatten()
    spatial = None
    if getattr(module, 'spatial', None) is not None:
        spatial = _spatial_in_order(module.spatial, order)
    offset = module.coef_offset.detach().cpu().view(k * j, 1).expand(
        k * j, c).reshape(-1)
    if type(module).__name__ == 'StaticShiftMax':
        coefs = (module.weight.detach().cpu().view(k * j, c) +
                 module.coef_offset.detach().cpu().view(k * j, 1))
        coefs = coefs.reshape(-1)[rows]
        return DeployShiftMax(k, indices, coefficients=coefs, kernel=kernel)
    fc1, fc2 = module.fc[0], module.fc[2]
    scale = module.coef_range / 3.0
    return DeployShiftMax(
        k,
        indices,
        fc1_weight=fc1.weight.detach()[:, order],
        fc1_bias=fc1.bias.detach(),
        fc2_weight=fc2.weight.detach()[rows] * scale,
        fc2_bias=fc2.bias.detach()[rows] * scale,
        coef_range=module.coef_range,
        offset=offset[rows],
        spatial=spatial,
        kernel=kernel)


class _PhysicalSpatialAttention(nn.Module):
    """Dynamic ReLU's spatial attention on a permuted input (the map is
    shared by all channels, so only the conv's input columns move)."""

    def __init__(self, source: nn.Module, order: torch.Tensor):
        super().__init__()
        self.source = source
        with torch.no_grad():
            source.conv.weight.copy_(source.conv.weight[:, order])

    def forward(self, x):
        return self.source(x)


def _spatial_in_order(spatial: nn.Module, order: torch.Tensor):
    return _PhysicalSpatialAttention(copy.deepcopy(spatial), order)


def _cost_dense(op: ConvOp) -> int:
    return op.in_channels * op.out_channels


class ChainCompiler:
    """Turns one :class:`Chain` into a :class:`DeploySequential`.

    Args:
        policy (FusePolicy): Speed choices.
    """

    def __init__(self, policy: FusePolicy):
        self.policy = policy

    def _prefer_dense(self, op: ConvOp) -> bool:
        return (op.groups > 1 and not op.is_depthwise and _is_pointwise(op)
                and _cost_dense(op) <= self.policy.dense_max_macs)

    def compile(self,
                chain: Chain,
                in_order: Optional[torch.Tensor] = None,
                out_order: Optional[torch.Tensor] = None
                ) -> Tuple[DeploySequential, torch.Tensor]:
        """Compile ``chain``.

        Args:
            chain (Chain): Logical operations.
            in_order (Tensor, optional): Physical order of the input.
                Defaults to the logical order.
            out_order (Tensor, optional): Required physical order of the
                output; None leaves it free (the returned order says what it
                is). A residual chain's output is in its input's order, so
                when both are given and differ the input is gathered first.

        Returns:
            tuple: ``(module, output order)``.
        """
        ops = list(chain.ops)
        convs = [i for i, op in enumerate(ops) if isinstance(op, ConvOp)]
        first_channels = None
        for op in ops:
            if isinstance(op, ConvOp):
                first_channels = op.in_channels
                break
            if isinstance(op, PermOp):
                first_channels = op.index.numel()
                break
            if isinstance(op, ShiftMaxOp):
                first_channels = op.module.channels
                break
        if in_order is None and first_channels is not None:
            in_order = torch.arange(first_channels)
        if chain.residual:
            if out_order is not None and in_order is not None and \
                    not torch.equal(out_order, in_order):
                # the shortcut adds the input as stored: bring it to the
                # required order first, then compile in that order
                inner, order = self.compile(chain, out_order, out_order)
                gather = DeployGather(inverse_permutation(in_order)[out_order])
                return DeploySequential([gather, inner]), order
            out_order = in_order
        order = in_order
        modules: List[nn.Module] = []
        last_conv = convs[-1] if convs else None
        i = 0
        while i < len(ops):
            op = ops[i]
            if isinstance(op, PermOp):
                if order is None:
                    order = torch.arange(op.index.numel())
                order = inverse_permutation(op.index)[order]
            elif isinstance(op, ActOp):
                if not is_channel_independent(op.module) and order is not \
                        None and not is_identity(order):
                    modules.append(DeployGather(inverse_permutation(order)))
                    order = torch.arange(order.numel())
                modules.append(op.module)
            elif isinstance(op, ShiftMaxOp):
                if order is None:
                    order = torch.arange(op.module.channels)
                modules.append(
                    shift_max_in_order(op.module, order,
                                       self.policy.shift_max_kernel))
            elif isinstance(op, ConvOp):
                act = None
                if i + 1 < len(ops) and isinstance(ops[i + 1], ActOp) and \
                        is_channel_independent(ops[i + 1].module):
                    act = ops[i + 1].module
                target = None
                if i == last_conv and out_order is not None:
                    # the order the conv must write so that the permutations
                    # after it leave the tensor in out_order
                    target = out_order
                    for later in reversed(ops[i + 1:]):
                        if isinstance(later, PermOp):
                            target = later.index[target]
                module, order = self._conv(op, order, target, act)
                modules.extend(module)
                if act is not None:
                    i += 1
            else:
                raise TypeError(f'unknown chain op {type(op).__name__}')
            i += 1
        if out_order is not None and order is not None and \
                not torch.equal(order, out_order):
            # physical u = x[:, order]; wanted x[:, out_order]
            modules.append(
                DeployGather(inverse_permutation(order)[out_order]))
            order = out_order
        return DeploySequential(modules, chain.residual), order

    def _conv(self, op: ConvOp, order: Optional[torch.Tensor],
              target: Optional[torch.Tensor],
              act) -> Tuple[list, torch.Tensor]:
        cin = op.in_channels
        if order is None:
            order = torch.arange(cin)
        modules = []
        if op.groups == 1:
            out = target if target is not None else \
                torch.arange(op.out_channels)
            conv = _permute_conv(op, order, out, dense=True)
            return [_conv_module(conv, act, self.policy)], out
        if op.is_depthwise and op.out_channels > cin and \
                cin <= self.policy.dense_expanding_max_in:
            out = target if target is not None else \
                torch.arange(op.out_channels)
            conv = _permute_conv(op, order, out, dense=True)
            return [_conv_module(conv, act, self.policy)], out
        if op.is_depthwise and op.out_channels > cin and \
                self.policy.split_expanding:
            module, out = _split_expanding_module(op, order, act)
            return [module], out
        if op.is_depthwise:
            # physical output j is logical out[j], which reads logical input
            # out[j] // mult, i.e. physical input j // mult: only the output
            # axis of the weight moves
            out = _depthwise_output_order(op, order)
            conv = ConvOp(op.weight[out],
                          None if op.bias is None else op.bias[out],
                          op.stride, op.padding, op.dilation, op.groups,
                          None if op.edge is None else op.edge[out])
            return [_conv_module(conv, act, self.policy)], out
        # grouped, not depthwise
        dense = self._prefer_dense(op)
        compatible = _group_blocks(order, op.groups, cin) is not None
        if not dense and not compatible:
            if _is_pointwise(op) and \
                    _cost_dense(op) <= self.policy.dense_absorb_macs:
                dense = True
            else:
                modules.append(DeployGather(inverse_permutation(order)))
                order = torch.arange(cin)
        if dense:
            out = target if target is not None else \
                torch.arange(op.out_channels)
            conv = _permute_conv(op, order, out, dense=True)
            return modules + [_conv_module(conv, act, self.policy)], out
        out = _natural_output_order(op, order)
        if target is not None and _group_blocks(
                target, op.groups, op.out_channels) is not None:
            # any order whose blocks are whole groups works if the input
            # blocks are arranged to match; re-gathering the input is not
            # worth it, so only take the target when the groups line up
            mapping_in = _group_blocks(order, op.groups, cin)
            mapping_out = _group_blocks(target, op.groups, op.out_channels)
            if torch.equal(mapping_in, mapping_out):
                out = target
        conv = _permute_conv(op, order, out, dense=False)
        return modules + [_conv_module(conv, act, self.policy)], out

