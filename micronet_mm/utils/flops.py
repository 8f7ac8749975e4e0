"""Multiply-add counting in the MicroNet paper's convention.

Stock counters (mmengine/fvcore, mmcv, thop) disagree with the paper for
MicroNet in two ways: they count BatchNorm and pooling, which the paper does
not, and they score Dynamic Shift-Max's elementwise multiplications as zero,
although they are 10-20 % of the paper's totals. The convention here counts

* convolutions and linear layers (one multiply-add per weight use), and
* elementwise multiplications (the Shift-Max coefficients, attention
  gates), one per output element,

and nothing else: norms, activations, pooling, resizing, additions, maxima
and channel permutations are free. Over the released configurations this
gives 4.05/6.12/12.74/20.81M at 224x224, against 4/6/12/21M published.
"""
from typing import Dict, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import elementwise_flop_counter
from torch import nn

# ops mmengine counts by default that the paper's convention leaves out
_FREE_OPS = ('aten::batch_norm', 'aten::group_norm', 'aten::layer_norm',
             'aten::instance_norm', 'aten::upsample_nearest2d',
             'aten::upsample_bilinear2d', 'aten::adaptive_avg_pool2d',
             'aten::grid_sampler')
_ELEMENTWISE_MUL_OPS = ('aten::mul', 'aten::mul_')


def _free(inputs, outputs) -> int:
    return 0


def paper_madds(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> int:
    """MAdds of ``model(*inputs)`` in the paper's convention."""
    analyzer = FlopAnalyzer(model, inputs)
    for op in _FREE_OPS:
        # set_op_handle(op, None) does not remove a default handle in
        # mmengine 0.10.7; a handle that counts zero does
        analyzer.set_op_handle(op, _free)
    mul = elementwise_flop_counter(0, 1)
    for op in _ELEMENTWISE_MUL_OPS:
        analyzer.set_op_handle(op, mul)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


def stock_flops(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> int:
    """What mmengine's ``get_model_complexity_info`` reports (for
    comparison): its default handles, BN and pooling included."""
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


def complexity(model: nn.Module,
               shape: Tuple[int, int],
               in_channels: int = 3) -> Dict[str, float]:
    """Paper-convention MAdds, stock mmengine FLOPs and parameters.

    Args:
        model (nn.Module): Module called as ``model(x)`` with one image
            batch ``x`` of shape (1, in_channels, H, W); wrap OpenMMLab
            models in ``micronet_mm.utils.tensor_mode.TensorModeWrapper``.
        shape (tuple[int, int]): ``(H, W)``.
        in_channels (int): Image channels. Defaults to 3.

    Returns:
        dict: ``madds`` (float), ``stock_flops`` (float), ``params`` (int).
    """
    was_training = model.training
    model.eval()
    inputs = (torch.zeros(1, in_channels, *shape), )
    try:
        with torch.no_grad():
            result = dict(
                madds=float(paper_madds(model, inputs)),
                stock_flops=float(stock_flops(model, inputs)),
                params=sum(p.numel() for p in model.parameters()))
    finally:
        model.train(was_training)
    return result
