"""``fuse(model)``: the inference form of any model built from MicroNet
layers.

The rewrite is module-generic: it walks the model and replaces every module
it knows (by type, wherever it sits: backbone, neck, head) with an
equivalent inference module, leaving everything else untouched:

* :class:`MicroNet` backbones: every layer compiled by
  :class:`~.compiler.ChainCompiler`, with channel orders carried from one
  layer to the next (the logical order is restored at every returned
  feature);
* Micro-Blocks, the stem, Micro-Factorized pointwise / depthwise convs,
  Shift-Max layers and channel permutations outside a backbone;
* mmcv ``ConvModule`` s with a BatchNorm (folded);
* :class:`MicroNetClsHead` (its BatchNorm1d layers folded into the linear
  layers).

A module (typically a head written later) can take part by defining a
method ``switch_to_deploy(self)`` that rewrites itself in place; it is
called before the generic rewrites reach the module's children.
"""
import copy
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import nn

from .compiler import ChainCompiler, FusePolicy
from .graph import inverse_permutation, is_identity
from .lower import (
    NotLowerable,
    lower_block_a,
    lower_block_c,
    lower_channel_permutation,
    lower_conv_module_chain,
    lower_expansion,
    lower_pointwise,
    lower_separable_module,
    lower_shift_max,
    lower_stem,
)
from .modules import DeployGather, DeploySequential

# class name -> lowering function; names, so that this module does not
# import mmpretrain/mmseg/mmpose-dependent code
_LOWERINGS: Dict[str, Callable] = {
    'MicroStem': lower_stem,
    'MicroBlockA': lower_block_a,
    'MicroBlockC': lower_block_c,
    'GroupedPointwiseExpansion': lower_expansion,
    'MicroFactorizedPointwise': lower_pointwise,
    'MicroFactorizedDepthwise': lower_separable_module,
    'SpatialSeparableConv': lower_separable_module,
    'DynamicShiftMax': lower_shift_max,
    'StaticShiftMax': lower_shift_max,
    'ChannelPermutation': lower_channel_permutation,
    'ConvModule': lower_conv_module_chain,
}


def _class_names(module: nn.Module):
    return {cls.__name__ for cls in type(module).__mro__}


def _lowering_for(module: nn.Module) -> Optional[Callable]:
    for name in (cls.__name__ for cls in type(module).__mro__):
        if name in _LOWERINGS:
            return _LOWERINGS[name]
    return None


def _fuse_backbone(backbone: nn.Module, compiler: ChainCompiler,
                   merge) -> None:
    """Compile every layer of a MicroNet, passing channel orders on.

    A layer that cannot be lowered exactly (e.g. built with GroupNorm) is
    kept in training form, with only its children rewritten generically;
    the channel order is restored to the logical one before it.
    """
    names = list(backbone.layer_names)
    layers = [getattr(backbone, name) for name in names]
    chains = []
    for layer in layers:
        lowering = _lowering_for(layer)
        chain = None
        if lowering is not None:
            try:
                chain = lowering(layer, merge)
            except NotLowerable:
                chain = None
        chains.append(chain)
    # required output order of each layer: the logical one where a feature
    # is returned; a residual layer's input must be in its output's order,
    # so the requirement moves back to the layer before it
    exposed = set(backbone.out_indices) | {len(names) - 1}
    required = [
        torch.arange(backbone.out_channels_per_layer[i])
        if i in exposed else None for i in range(len(names))
    ]
    for i in range(len(names) - 1, 0, -1):
        if chains[i] is not None and chains[i].residual and \
                required[i] is not None and required[i - 1] is None:
            required[i - 1] = required[i]
    order = None
    for i, (name, layer, chain) in enumerate(zip(names, layers, chains)):
        if chain is None:
            _fuse_children(layer, compiler, merge)
            if order is not None and not is_identity(order):
                layer = DeploySequential(
                    [DeployGather(inverse_permutation(order)), layer])
            setattr(backbone, name, layer)
            order = None
            continue
        module, order = compiler.compile(chain, order, required[i])
        setattr(backbone, name, module)
    backbone.deploy = True


def _fuse_cls_head(head: nn.Module) -> None:
    """Fold MicroNetClsHead's BatchNorm1d layers into its linear layers."""
    for fc_name, bn_name in (('fc1', 'bn1'), ('fc2', 'bn2')):
        fc, bn = getattr(head, fc_name), getattr(head, bn_name)
        if not isinstance(bn, nn.BatchNorm1d) or bn.running_var is None:
            continue
        gamma = bn.weight.detach() if bn.weight is not None else \
            torch.ones_like(bn.running_var)
        beta = bn.bias.detach() if bn.bias is not None else \
            torch.zeros_like(bn.running_var)
        scale = gamma / torch.sqrt(bn.running_var + bn.eps)
        fused = nn.Linear(fc.in_features, fc.out_features,
                          dtype=fc.weight.dtype)
        with torch.no_grad():
            fused.weight.copy_(fc.weight * scale[:, None])
            bias = fc.bias if fc.bias is not None else torch.zeros_like(
                scale)
            fused.bias.copy_((bias - bn.running_mean) * scale + beta)
        setattr(head, fc_name, fused)
        setattr(head, bn_name, nn.Identity())


def _fuse_children(module: nn.Module, compiler: ChainCompiler,
                   merge: bool) -> None:
    for name, child in list(module.named_children()):
        replacement = _fuse_module(child, compiler, merge)
        if replacement is not child:
            setattr(module, name, replacement)


def _fuse_module(module: nn.Module, compiler: ChainCompiler,
                 merge: bool) -> nn.Module:
    """Inference replacement of ``module`` (may be ``module`` itself,
    rewritten in place)."""
    hook = getattr(type(module), 'switch_to_deploy', None)
    if callable(hook) and not isinstance(hook, nn.Module):
        module.switch_to_deploy()
    names = _class_names(module)
    if 'MicroNet' in names and hasattr(module, 'layer_names'):
        _fuse_backbone(module, compiler, merge)
        return module
    if 'MicroNetClsHead' in names:
        _fuse_cls_head(module)
    lowering = _lowering_for(module)
    if lowering is not None:
        try:
            chain = lowering(module, merge)
        except NotLowerable:
            chain = None
        if chain is not None:
            if not chain.ops:
                return nn.Identity()
            compiled, _ = compiler.compile(
                chain, None, _logical_output_order(chain))
            return compiled
    _fuse_children(module, compiler, merge)
    return module


def _logical_output_order(chain) -> Optional[torch.Tensor]:
    """Identity order of the chain output (a module replaced on its own
    must return its logical output)."""
    from .graph import ConvOp, PermOp, ShiftMaxOp
    channels = None
    for op in chain.ops:
        if isinstance(op, ConvOp):
            channels = op.out_channels
        elif isinstance(op, PermOp):
            channels = op.index.numel()
        elif isinstance(op, ShiftMaxOp):
            channels = op.module.channels
    return None if channels is None else torch.arange(channels)


def fuse(model: nn.Module, backend: str = 'torch', **policy) -> nn.Module:
    """Inference-only equivalent of ``model``, which is left untouched.

    Works on a deep copy in eval mode: BatchNorms are folded, each
    Micro-Factorized depthwise pair becomes one ``k x k`` conv (with the
    exact border correction of the inner bias), channel shuffles are folded
    into the neighbouring convolutions' weights and Shift-Max layers'
    indices, and grouped 1x1 convs run dense where the backend is faster
    that way. Outputs equal the eval-mode training form up to float
    rounding.

    Args:
        model (nn.Module): A backbone, classifier, segmentor or pose model
            (or any module) containing MicroNet layers.
        backend (str): What the result will run on, ``'torch'`` (eager
            PyTorch) or ``'onnxruntime'`` (export); it only changes speed
            choices. Defaults to ``'torch'``.
        **policy: Overrides of :class:`~.compiler.FusePolicy` fields
            (``merge_depthwise``, ``dense_max_macs``, ...).

    Returns:
        nn.Module: The fused copy, in eval mode, without gradients.

    Example:
        >>> from micronet_mm.models import MicroNet
        >>> from micronet_mm.deploy import fuse
        >>> model = MicroNet('m0').eval()
        >>> deployed = fuse(model)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f'fuse expects an nn.Module, got {type(model)}')
    unknown = set(policy) - set(FusePolicy.__dataclass_fields__)
    if unknown:
        raise TypeError(f'unknown fuse options {sorted(unknown)}; valid: '
                        f'{sorted(FusePolicy.__dataclass_fields__)}')
    policy = FusePolicy(backend=backend, **policy)
    # the rewrite builds index tensors on the CPU; the result goes back to
    # the model's device (dtypes are kept as they are)
    tensors = list(model.parameters()) + list(model.buffers())
    device = tensors[0].device if tensors else torch.device('cpu')
    fused = copy.deepcopy(model).cpu().eval()
    compiler = ChainCompiler(policy)
    with torch.no_grad():
        fused = _fuse_module(fused, compiler, policy.merge_depthwise)
    for param in fused.parameters():
        param.requires_grad_(False)
    fused.to(device).eval()
    fused.deploy_policy = policy
    return fused


def check_equivalence(reference: nn.Module,
                      fused: nn.Module,
                      inputs: torch.Tensor,
                      forward: Optional[Callable] = None
                      ) -> Tuple[float, float]:
    """Largest relative and absolute error between two models' outputs.

    Args:
        reference (nn.Module): Training-form model (evaluated in eval mode).
        fused (nn.Module): Its :func:`fuse` result.
        inputs (Tensor): Input batch.
        forward (callable, optional): ``forward(model, inputs)`` returning a
            tensor or a tuple of tensors. Defaults to ``model(inputs)``.

    Returns:
        tuple: ``(max relative error, max absolute error)`` where the
        relative error is ``|a - b|.max() / |a|.max()`` per output.
    """
    forward = forward or (lambda m, x: m(x))
    was_training = reference.training
    reference.eval()
    try:
        with torch.no_grad():
            ref = forward(reference, inputs)
            out = forward(fused, inputs)
    finally:
        reference.train(was_training)
    if isinstance(ref, torch.Tensor):
        ref, out = (ref, ), (out, )
    rel = ab = 0.0
    for a, b in zip(ref, out):
        if a.shape != b.shape:
            raise AssertionError(f'output shapes differ: {tuple(a.shape)} vs'
                                 f' {tuple(b.shape)}')
        err = (a - b).abs().max().item()
        ab = max(ab, err)
        rel = max(rel, err / max(a.abs().max().item(), 1e-12))
    return rel, ab
