"""Checkpoint loading under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and mmengine
0.10.7 never passes ``weights_only``. Its checkpoints hold more than tensors
(the message hub's ``HistoryBuffer`` objects, numpy arrays, scalars and
dtypes), so ``load_from`` and ``resume`` fail with "Weights only load
failed ... Unsupported global". Instead of switching the safety check off:

* the numpy types and ``HistoryBuffer`` are allow-listed;
* ``HistoryBuffer`` is pickled from its data alone. mmengine's default
  pickles its dict of bound statistics methods, which the loader would see
  as calls to ``builtins.getattr``, a global that must not be allow-listed
  (it would let a crafted file reach arbitrary attributes).
"""
import copyreg

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


def _reduce_history_buffer(buffer):
    # HistoryBuffer(log_history, count_history, max_length) rebuilds it
    return type(buffer), (list(buffer._log_history),
                          list(buffer._count_history), buffer.max_length)


def allow_mmengine_checkpoint_globals():
    """Make mmengine checkpoints load with ``weights_only=True``."""
    from mmengine.logging.history_buffer import HistoryBuffer
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 loads them anyway
        add_safe_globals([HistoryBuffer] + _numpy_globals())
