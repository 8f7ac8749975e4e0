"""Comparing two forms of a model (training vs fused, PyTorch vs
onnxruntime) and giving BatchNorm layers non-trivial statistics so that
such comparisons can fail."""
from typing import Sequence, Union

import numpy as np
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

Outputs = Union[torch.Tensor, np.ndarray, Sequence]


def _as_arrays(out: Outputs):
    if isinstance(out, (torch.Tensor, np.ndarray)):
        out = (out, )
    return [np.asarray(o.detach().cpu() if torch.is_tensor(o) else o,
                       dtype=np.float64) for o in out]


def max_relative_error(reference: Outputs, actual: Outputs) -> float:
    """``max |a - b| / max |a|``, the largest over the outputs.

    Args:
        reference (Tensor | ndarray | sequence): Output(s) of the reference.
        actual (Tensor | ndarray | sequence): The same outputs of the form
            under test, in the same order.

    Returns:
        float: The largest relative error (0 for identical outputs).

    Raises:
        ValueError: If the number or shapes of the outputs differ.
    """
    reference, actual = _as_arrays(reference), _as_arrays(actual)
    if len(reference) != len(actual):
        raise ValueError(f'{len(actual)} outputs, expected '
                         f'{len(reference)}')
    worst = 0.0
    for a, b in zip(reference, actual):
        if a.shape != b.shape:
            raise ValueError(f'output shape {b.shape} differs from the '
                             f'reference {a.shape}')
        scale = max(float(np.abs(a).max()), 1e-12)
        worst = max(worst, float(np.abs(a - b).max()) / scale)
    return worst


def randomize_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random BatchNorm statistics and affine parameters, in place.

    Fresh norms are the identity with zero bias; folding them then hides
    mistakes. Here means and biases are drawn from U(-0.1, 0.1) and
    variances and weights from U(0.75, 1.25), as in trained networks.

    Args:
        model (nn.Module): Model whose ``_BatchNorm`` layers are changed.
        seed (int): Seed of the values. Defaults to 0.

    Returns:
        nn.Module: ``model`` in eval mode.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=gen) * .2 - .1)
                m.running_var.copy_(torch.rand(n, generator=gen) * .5 + .75)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(n, generator=gen) * .5 + .75)
                    m.bias.copy_(torch.rand(n, generator=gen) * .2 - .1)
    return model.eval()
