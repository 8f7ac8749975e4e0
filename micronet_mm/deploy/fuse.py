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
"""
import copy
from typing import Callable, Dict, Optional

import torch
from mmcv.cnn import ConvModule
from torch import nn

from ..models.backbones.micronet import MicroNet
from ..models.layers import (
    ChannelPermutation,
    DynamicShiftMax,
    GroupedPointwiseExpansion,
    MicroBlockA,
    MicroBlockC,
    MicroFactorizedDepthwise,
    MicroFactorizedPointwise,
    MicroStem,
    SpatialSeparableConv,
    StaticShiftMax,
)
from .compiler import ChainCompiler, policy_for
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

# layer type -> lowering function; the most specific type of a module's MRO
# that is listed wins
_LOWERINGS: Dict[type, Callable] = {
    MicroStem: lower_stem,
    MicroBlockA: lower_block_a,
    MicroBlockC: lower_block_c,
    GroupedPointwiseExpansion: lower_expansion,
    MicroFactorizedPointwise: lower_pointwise,
    MicroFactorizedDepthwise: lower_separable_module,
    SpatialSeparableConv: lower_separable_module,
    DynamicShiftMax: lower_shift_max,
    StaticShiftMax: lower_shift_max,
    ChannelPermutation: lower_channel_permutation,
    ConvModule: lower_conv_module_chain,
}


def _lowering_for(module: nn.Module) -> Optional[Callable]:
    for cls in type(module).__mro__:
        if cls in _LOWERINGS:
            return _LOWERINGS[cls]
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
    if isinstance(module, MicroNet):
        _fuse_backbone(module, compiler, merge)
        return module
    # a module with its own local rewrite (e.g. the classification head
    # folding its norms) applies it before its children are rewritten
    if callable(getattr(module, 'switch_to_deploy', None)):
        module.switch_to_deploy()
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


def fuse(model: nn.Module, backend: str = 'torch', **overrides) -> nn.Module:
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
        backend (str): What the result will run on: ``'torch'`` (eager
            PyTorch), ``'onnxruntime'`` (portable ONNX export) or
            ``'openvino'`` (ONNX export whose Shift-Max layers are the
            compiled one-pass kernel); it selects the preset
            :class:`~.compiler.FusePolicy` of that backend and changes only
            speed choices. Defaults to ``'torch'``.
        **overrides: Fields of the preset to change (experiments).

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
    policy = policy_for(backend, **overrides)
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
    return fused.to(device).eval()

