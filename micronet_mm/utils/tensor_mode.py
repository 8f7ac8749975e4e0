"""One-input view of an OpenMMLab model, for tracing, export, MAdds
counting and timing."""
import torch
from mmengine.model import BaseModel
from torch import nn


class TensorModeWrapper(nn.Module):
    """``model(inputs, data_samples=None, mode='tensor')`` (OpenMMLab
    models) or ``model(inputs)`` (plain modules) as ``forward(inputs)``.

    Args:
        model (nn.Module): An mmengine ``BaseModel`` (classifier, segmentor,
            pose estimator) or any module taking one tensor.

    Returns of ``forward``:
        Tensor | tuple[Tensor]: The raw network output (class logits,
        decode-head logits, heatmaps); lists become tuples and dicts tuples
        in key order, so that the output can be traced.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.tensor_mode = isinstance(model, BaseModel)

    def forward(self, inputs: torch.Tensor):
        """Args: inputs (Tensor): (N, 3, H, W) normalised images."""
        if self.tensor_mode:
            # keyword data_samples: mmpose's forward takes it positionally
            out = self.model(inputs, data_samples=None, mode='tensor')
        else:
            out = self.model(inputs)
        if isinstance(out, (list, tuple)):
            return tuple(out)
        if isinstance(out, dict):
            return tuple(out[k] for k in sorted(out))
        return out
