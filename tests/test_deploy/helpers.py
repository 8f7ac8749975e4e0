"""Shared helpers of the deploy tests."""
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from micronet_mm.utils.tensor_mode import TensorModeWrapper


def randomize_(model: nn.Module,
               seed: int = 0,
               shape=(48, 64),
               channels: int = 3,
               forward=None) -> nn.Module:
    """Non-trivial weights that keep the input signal alive to the end.

    Default initialisations hide folding mistakes: BatchNorm starts as the
    identity with zero bias and Shift-Max's hyper-function near zero. Here
    norms get random affine parameters and linear layers random weights;
    the norms' running statistics are then measured on random images of
    ``shape`` so that every layer's output still depends on the input (with
    random statistics the biases swamp the signal after a few layers, and a
    wrong channel order in a deep layer could go unnoticed).

    Args:
        model (nn.Module): Model, changed in place.
        seed (int): Random seed.
        shape (tuple[int, int]): Calibration input size.
        channels (int): Calibration input channels.
        forward (callable, optional): ``forward(model, x)``; defaults to
            tensor mode for OpenMMLab models, ``model(x)`` otherwise.
    """
    forward = forward or (lambda m, x: TensorModeWrapper(m)(x))
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, _BatchNorm) and module.weight is not None:
                n = module.num_features
                module.weight.copy_(torch.rand(n, generator=gen) + .5)
                module.bias.copy_(torch.rand(n, generator=gen) - .5)
            elif isinstance(module, nn.Linear):
                # O(1) pre-activations: Shift-Max coefficients vary by a few
                # tenths around their offsets, as in trained models (larger
                # weights make the random network chaotic: float32 rounding
                # then changes its outputs by more than 1e-4)
                std = 0.5 / module.in_features**0.5
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=gen) * std)
                if module.bias is not None:
                    module.bias.copy_(
                        torch.randn(module.bias.shape, generator=gen) * 0.2)
            elif type(module).__name__ == 'StaticShiftMax':
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=gen) * 0.5)
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches
        was_training = model.training
        model.train()
        for _ in range(2):
            forward(model, torch.randn(4, channels, *shape, generator=gen))
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
            # shift the statistics a little so the folded bias is not the
            # exact batch mean (which would make some terms cancel)
            m.running_mean.add_(
                0.1 * torch.randn(m.num_features, generator=gen))
            # channels that hardly vary over the calibration batches would
            # get huge scales and amplify rounding: floor the variance
            m.running_var.add_(0.1 * m.running_var.mean() + 1e-3)
        model.train(was_training)
    return model
