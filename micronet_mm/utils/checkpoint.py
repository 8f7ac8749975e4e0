"""Checkpoint loading under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and mmengine
0.10.7 never passes ``weights_only``. Its checkpoints hold more than tensors
(the message hub's ``HistoryBuffer`` objects, numpy scalars and dtypes in
logs and dataset meta), so ``load_from`` and ``resume`` fail with
"Weights only load failed ... Unsupported global". Instead of turning the
safety check off, the handful of types mmengine writes are allow-listed.
"""
import numpy as np
import torch


def _numpy_globals():
    types = [np.ndarray, np.dtype]
    core = getattr(np, '_core', None) or np.core
    multiarray = core.multiarray
    types += [multiarray._reconstruct, multiarray.scalar]
    # numpy >= 1.25 pickles dtypes as instances of np.dtypes.*DType classes
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return types


def allow_mmengine_checkpoint_globals():
    """Allow-list the non-tensor types found in mmengine checkpoints."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads them anyway
        return
    from mmengine.logging.history_buffer import HistoryBuffer
    add_safe_globals([HistoryBuffer] + _numpy_globals())
