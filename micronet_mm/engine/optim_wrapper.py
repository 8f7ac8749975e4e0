"""Mixed-precision optimizer wrapper for CPU training.

MMEngine's ``AmpOptimWrapper`` refuses to run without a GPU/NPU/MLU. On CPU
the useful format is bfloat16: it has float32's exponent range, so no loss
scaling is needed, and Dynamic Shift-Max's coefficients (bounded by
construction) cannot overflow.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn


class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU autocast.

    Args:
        dtype (str | torch.dtype): Autocast dtype; only ``'bfloat16'`` is
            supported on CPU. Defaults to ``'bfloat16'``.
        **kwargs: :class:`mmengine.optim.OptimWrapper` arguments.
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        if dtype is not torch.bfloat16:
            raise ValueError('CPUAmpOptimWrapper supports dtype bfloat16 '
                             f'only, got {dtype!r}')
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
