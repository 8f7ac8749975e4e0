"""Lower training-form layers to the chain IR of :mod:`.graph`.

Each ``lower_*`` function returns a :class:`~.graph.Chain` of logical
operations that computes exactly what the layer computes in eval mode, with
every BatchNorm folded into the convolution before it. Layers that cannot be
lowered exactly raise :class:`NotLowerable`, and :func:`~.fuse.fuse` then
leaves them in training form.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_weights

from .graph import ActOp, Chain, ConvOp, PermOp, ShiftMaxOp


class NotLowerable(Exception):
    """The module uses a feature the inference rewrite does not handle."""


def _pair(value) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    return tuple(int(v) for v in value)


def fold_bn(conv: nn.Conv2d, norm: Optional[nn.Module]):
    """Weight and bias of ``norm(conv(x))`` as one convolution.

    Args:
        conv (nn.Conv2d): Convolution (bias optional).
        norm (nn.Module, optional): An eval-mode BatchNorm, or None.

    Returns:
        tuple: ``(weight, bias)``; bias is None when there is neither a conv
        bias nor a norm.
    """
    weight = conv.weight.detach().clone()
    bias = None if conv.bias is None else conv.bias.detach().clone()
    if norm is None:
        return weight, bias
    if not isinstance(norm, _BatchNorm):
        raise NotLowerable(f'cannot fold {type(norm).__name__} into a conv')
    if norm.running_mean is None or norm.running_var is None:
        raise NotLowerable('BatchNorm without running statistics '
                           '(track_running_stats=False) cannot be folded')
    # torch's own folding; affine-less norms get unit scale / zero shift
    mean = norm.running_mean.detach()
    gamma = norm.weight.detach() if norm.weight is not None \
        else torch.ones_like(mean)
    beta = norm.bias.detach() if norm.bias is not None \
        else torch.zeros_like(mean)
    weight, bias = fuse_conv_bn_weights(weight, bias, mean,
                                        norm.running_var.detach(), norm.eps,
                                        gamma, beta)
    weight, bias = weight.detach(), bias.detach()
    return weight, bias


def lower_plain_conv(conv: nn.Conv2d,
                     norm: Optional[nn.Module] = None) -> ConvOp:
    """A ``nn.Conv2d`` (zero padding) and an optional BatchNorm."""
    if not isinstance(conv, nn.Conv2d):
        raise NotLowerable(f'{type(conv).__name__} is not a Conv2d')
    if conv.padding_mode != 'zeros' or isinstance(conv.padding, str):
        raise NotLowerable('only explicit zero padding is supported, got '
                           f'padding={conv.padding!r}, '
                           f'padding_mode={conv.padding_mode!r}')
    # mmcv's Conv2d wrappers keep the nn.Conv2d forward; anything that
    # overrides forward (deformable, weight standardisation...) is refused
    if type(conv).forward is not nn.Conv2d.forward and \
            type(conv).__name__ != 'Conv2d':
        raise NotLowerable(f'{type(conv).__name__} overrides forward')
    weight, bias = fold_bn(conv, norm)
    return ConvOp(weight, bias, _pair(conv.stride), _pair(conv.padding),
                  _pair(conv.dilation), conv.groups)


def lower_conv_module(module) -> List[object]:
    """An mmcv ``ConvModule`` (conv, norm, act in this order).

    Returns:
        list: ``[ConvOp]`` or ``[ConvOp, ActOp]``.
    """
    order = tuple(getattr(module, 'order', ('conv', 'norm', 'act')))
    if order != ('conv', 'norm', 'act'):
        raise NotLowerable(f'ConvModule order {order} is not conv-norm-act')
    if getattr(module, 'with_explicit_padding', False):
        raise NotLowerable('ConvModule with an explicit padding layer')
    norm = module.norm if getattr(module, 'with_norm', False) else None
    ops = [lower_plain_conv(module.conv, norm)]
    if getattr(module, 'with_activation', False):
        ops.append(ActOp(module.activate))
    return ops


def dense_weight(op: ConvOp) -> torch.Tensor:
    """``(C_out, C_in, kh, kw)`` weight with the groups expanded."""
    if op.groups == 1:
        return op.weight
    cout, cin_g = op.weight.shape[:2]
    g = op.groups
    cout_g = cout // g
    dense = op.weight.new_zeros(cout, cin_g * g, *op.weight.shape[2:])
    for i in range(g):
        dense[i * cout_g:(i + 1) * cout_g, i * cin_g:(i + 1) * cin_g] = \
            op.weight[i * cout_g:(i + 1) * cout_g]
    return dense


def grouped_from_dense(dense: torch.Tensor, groups: int) -> torch.Tensor:
    """Inverse of the group expansion: the diagonal blocks of ``dense``."""
    cout, cin = dense.shape[:2]
    cout_g, cin_g = cout // groups, cin // groups
    return torch.cat([
        dense[i * cout_g:(i + 1) * cout_g, i * cin_g:(i + 1) * cin_g]
        for i in range(groups)
    ])


def _block_groups(mask: torch.Tensor) -> int:
    """Largest group count whose block-diagonal pattern covers the non-zero
    pattern ``mask`` (C_out, C_in)."""
    cout, cin = mask.shape
    for g in range(min(cout, cin), 1, -1):
        if cout % g or cin % g:
            continue
        blocks = mask.view(g, cout // g, g, cin // g).any(3).any(1)
        if not (blocks & ~torch.eye(g, dtype=torch.bool)).any():
            return g
    return 1


def merge_separable(v: ConvOp, h: ConvOp) -> ConvOp:
    """One ``k x k`` conv equal to ``h(v(x))`` for a ``k x 1`` conv ``v``
    (stride ``(s, 1)``) and a ``1 x k`` conv ``h`` (stride ``(1, s)``).

    ``v``'s bias ``b`` (BatchNorm shift) is added before ``h``'s horizontal
    zero padding, so ``h`` sees ``b`` in valid columns and 0 in padded ones.
    The merged conv computes ``K * x + h.bias + E`` with the rank-1 kernels
    ``K[o, c] = sum_m H[o, m] (outer) V[m, c]`` and
    ``E[o, w] = sum_b (sum_m H[o, m, b] b[m]) * valid(w, b)``, which the
    returned op carries as ``edge`` (and :class:`DeployConv2d` applies):
    constant inside, different in the border columns.

    Args:
        v (ConvOp): Vertical conv, kernel ``(k, 1)``, padding ``(p, 0)``.
        h (ConvOp): Horizontal conv, kernel ``(1, k)``, padding ``(0, p)``.

    Returns:
        ConvOp: The merged conv.
    """
    if v.kernel_size[1] != 1 or v.stride[1] != 1 or v.padding[1] != 0 or \
            v.dilation[1] != 1 or h.kernel_size[0] != 1 or \
            h.stride[0] != 1 or h.padding[0] != 0 or h.dilation[0] != 1:
        raise NotLowerable('not a (k x 1, 1 x k) pair')
    if v.groups == v.in_channels and h.groups == h.in_channels:
        return _merge_depthwise_pair(v, h)
    vd = dense_weight(v)[:, :, :, 0]  # (M, C_in, kv)
    hd = dense_weight(h)[:, :, 0, :]  # (C_out, M, kh)
    dense = torch.einsum('omb,mca->ocab', hd, vd)
    mask_v = dense_weight(
        ConvOp(torch.ones_like(v.weight[:, :, :1, :1]), None,
               groups=v.groups))[:, :, 0, 0].bool()
    mask_h = dense_weight(
        ConvOp(torch.ones_like(h.weight[:, :, :1, :1]), None,
               groups=h.groups))[:, :, 0, 0].bool()
    mask = (mask_h.float() @ mask_v.float()) > 0
    groups = _block_groups(mask)
    weight = grouped_from_dense(dense, groups)
    bias = h.bias.clone() if h.bias is not None else None
    edge = None
    if v.bias is not None and bool((v.bias != 0).any()):
        edge = torch.einsum('omb,m->ob', hd, v.bias).reshape(
            hd.shape[0], 1, 1, -1)
        interior = edge.sum((1, 2, 3))
        bias = interior if bias is None else bias + interior
    return ConvOp(weight, bias, (v.stride[0], h.stride[1]),
                  (v.padding[0], h.padding[1]),
                  (v.dilation[0], h.dilation[1]), groups, edge)


def _merge_depthwise_pair(v: ConvOp, h: ConvOp) -> ConvOp:
    """:func:`merge_separable` for two depthwise factors (any channel
    multipliers): output ``o`` reads middle channel ``o // m2``, which reads
    input ``o // (m1 * m2)``, so each merged kernel is one outer product."""
    m2 = h.out_channels // h.in_channels
    vw = v.weight.repeat_interleave(m2, 0)  # (C_out, 1, kv, 1)
    weight = vw * h.weight  # (C_out, 1, kv, kh)
    bias = h.bias.clone() if h.bias is not None else None
    edge = None
    if v.bias is not None and bool((v.bias != 0).any()):
        edge = h.weight * v.bias.repeat_interleave(m2).view(-1, 1, 1, 1)
        interior = edge.sum((1, 2, 3))
        bias = interior if bias is None else bias + interior
    return ConvOp(weight, bias, (v.stride[0], h.stride[1]),
                  (v.padding[0], h.padding[1]),
                  (v.dilation[0], h.dilation[1]), v.groups, edge)


def lower_separable(module, merge=True) -> List[ConvOp]:
    """A :class:`SpatialSeparableConv` (both ConvModules have no
    activation).

    Args:
        module (SpatialSeparableConv): The pair.
        merge (bool | str): True merges into one ConvOp, False keeps the two
            ConvOps, ``'no-edge'`` merges only when no border correction is
            needed (the inner bias is zero).

    Returns:
        list[ConvOp]: One merged op or the two ops.
    """
    v_ops = lower_conv_module(module.conv_v)
    h_ops = lower_conv_module(module.conv_h)
    if len(v_ops) != 1 or len(h_ops) != 1:
        raise NotLowerable('SpatialSeparableConv with activations')
    if not merge:
        return v_ops + h_ops
    merged = merge_separable(v_ops[0], h_ops[0])
    if merge == 'no-edge' and merged.edge is not None:
        return v_ops + h_ops
    if merge == 'no-edge-grouped' and merged.edge is not None and \
            merged.groups > 1:
        return v_ops + h_ops
    return [merged]


def _perm(module) -> List[PermOp]:
    """A ChannelPermutation; nothing for the identity."""
    if not module.groups:
        return []
    return [PermOp(module.index.detach().cpu().clone())]


def _act(module) -> List[object]:
    if isinstance(module, nn.Identity):
        return []
    if type(module).__name__ in ('DynamicShiftMax', 'StaticShiftMax'):
        return [ShiftMaxOp(module)]
    return [ActOp(module)]


def _depthwise(module, merge: bool) -> List[object]:
    if type(module).__name__ in ('MicroFactorizedDepthwise',
                                 'SpatialSeparableConv'):
        return lower_separable(module, merge)
    return lower_conv_module(module)


def lower_stem(stem, merge: bool = True) -> Chain:
    """:class:`MicroStem`: separable conv, shuffle, ReLU6."""
    ops = lower_separable(stem.conv, merge) + _perm(stem.shuffle)
    return Chain(ops + _act(stem.act))


def _squeeze_ops(block) -> List[object]:
    return lower_conv_module(block.conv_out) + _act(block.act_out) + \
        _perm(block.shuffle_out)


def lower_block_a(block, merge: bool = True) -> Chain:
    """:class:`MicroBlockA`: depthwise, act, shuffle, squeeze."""
    ops = _depthwise(block.depthwise, merge) + _act(block.act_mid) + \
        _perm(block.shuffle_mid) + _squeeze_ops(block)
    return Chain(ops, residual=block.use_residual)


def lower_block_c(block, merge: bool = True) -> Chain:
    """:class:`MicroBlockC`: 1x1, act, shuffle, depthwise, act, shuffle,
    squeeze."""
    ops = lower_conv_module(block.conv_in) + _act(block.act_in) + \
        _perm(block.shuffle_in) + _depthwise(block.depthwise, merge) + \
        _act(block.act_mid) + _perm(block.shuffle_mid) + _squeeze_ops(block)
    return Chain(ops, residual=block.use_residual)


def lower_expansion(block, merge: bool = True) -> Chain:
    """:class:`GroupedPointwiseExpansion`: grouped 1x1 + act."""
    return Chain(lower_conv_module(block.conv) + _act(block.act))


def lower_pointwise(layer, merge: bool = True) -> Chain:
    """:class:`MicroFactorizedPointwise`: squeeze, act, shuffle, expand."""
    ops = lower_conv_module(layer.squeeze) + _act(layer.mid_act) + \
        _perm(layer.shuffle) + lower_conv_module(layer.expand)
    return Chain(ops)


def lower_channel_permutation(layer, merge: bool = True) -> Chain:
    return Chain(_perm(layer))


def lower_shift_max(layer, merge: bool = True) -> Chain:
    return Chain([ShiftMaxOp(layer)])


def lower_separable_module(layer, merge: bool = True) -> Chain:
    return Chain(lower_separable(layer, merge))


def lower_conv_module_chain(layer, merge: bool = True) -> Chain:
    return Chain(lower_conv_module(layer))


def conv_forward(op: ConvOp, x: torch.Tensor) -> torch.Tensor:
    """Reference evaluation of a ConvOp (used by tests and checks)."""
    out = F.conv2d(x, op.weight, op.bias, op.stride, op.padding,
                   op.dilation, op.groups)
    if op.edge is not None:
        ones = torch.ones(1, 1, 1, x.shape[-1], dtype=x.dtype)
        full = F.conv2d(ones, op.edge, None, (1, op.stride[1]),
                        (0, op.padding[1]), (1, op.dilation[1]))
        out = out + full - op.edge.sum((1, 2, 3)).view(1, -1, 1, 1)
    return out
