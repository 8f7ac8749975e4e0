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
import ast
import copyreg
import re
from typing import Optional

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


#: Task of each OpenMMLab scope, for messages.
TASKS = {
    'mmpretrain': 'classification',
    'mmseg': 'segmentation',
    'mmpose': 'pose estimation'
}
#: The demo or tool that runs models of each scope on images.
RUNNERS_BY_SCOPE = {
    'mmpretrain':
    "tools/test.py (or mmpretrain's ImageClassificationInferencer)",
    'mmseg': 'demo/seg_demo.py',
    'mmpose': 'demo/pose_demo.py',
}


class IncompatibleCheckpointError(ValueError):
    """A checkpoint or config that does not fit the model, task or data it
    is used with."""


def task_name(scope: Optional[str]) -> str:
    """``'segmentation (mmseg)'`` for ``'mmseg'``, and so on."""
    return f'{TASKS.get(scope, scope)} ({scope})'


def task_mismatch(path: str, theirs: str, ours: str) -> str:
    """The sentence saying that checkpoint ``path`` (scope ``theirs``)
    does not belong to a config of scope ``ours``."""
    return (f'checkpoint {path} is a {task_name(theirs)} checkpoint, but '
            f'the config is a {task_name(ours)} config; its head does not '
            'fit this model')


def checkpoint_scope(checkpoint: dict) -> Optional[str]:
    """The OpenMMLab scope (task) a checkpoint was trained in, or None.

    Read from the config MMEngine stores in ``meta['cfg']``; without it
    (converted checkpoints) from unambiguous signs: mmseg's
    ``decode_head.*`` weights, mmpose's keypoint dataset meta.

    Args:
        checkpoint (dict): A loaded checkpoint.
    """
    meta = checkpoint.get('meta') or {}
    text = meta.get('cfg')
    if isinstance(text, str):
        match = re.search(r'''^default_scope\s*=\s*['"](\w+)['"]''', text,
                          re.M)
        if match:
            return match.group(1)
    state = checkpoint.get('state_dict', checkpoint)
    if isinstance(state, dict) and any(
            str(k).startswith(('decode_head.', 'auxiliary_head.'))
            for k in state):
        return 'mmseg'
    dataset_meta = meta.get('dataset_meta') or {}
    if 'num_keypoints' in dataset_meta or 'keypoint_id2name' in dataset_meta:
        return 'mmpose'
    return None


def read_checkpoint(path: str) -> dict:
    """Load a checkpoint file on the CPU with ``weights_only=True``.

    Args:
        path (str): Checkpoint file.

    Returns:
        dict: The checkpoint; a bare state dict is returned as
        ``{'state_dict': ...}``.

    Raises:
        FileNotFoundError: The file does not exist.
        IncompatibleCheckpointError: It is not a readable checkpoint.
    """
    import os.path as osp
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist')
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises many types for a bad file
        raise IncompatibleCheckpointError(
            f'checkpoint {path!r} cannot be read as a PyTorch checkpoint '
            f'({type(err).__name__}: {str(err).splitlines()[0]})') from err
    if not isinstance(checkpoint, dict):
        raise IncompatibleCheckpointError(
            f'checkpoint {path!r} holds a {type(checkpoint).__name__}, not '
            'a state dict')
    if not isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = dict(state_dict=checkpoint)
    return checkpoint


def check_state_dict_fits(own: dict, state: dict, path: str,
                          config: str = '<config>', hint: str = '') -> None:
    """Refuse checkpoint tensors ``state`` that do not match a model's
    ``own`` state dict exactly (keys and shapes).

    Args:
        own (dict): ``model.state_dict()``.
        state (dict): The checkpoint's state dict.
        path (str): Checkpoint path, for the message.
        config (str): Config path, for the message.
        hint (str): Appended to the question in the message, e.g. the
            config the checkpoint was trained with.

    Raises:
        IncompatibleCheckpointError: Listing the first differences.
    """
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [(k, tuple(state[k].shape), tuple(own[k].shape))
                  for k in own if k in state and hasattr(state[k], 'shape')
                  and tuple(state[k].shape) != tuple(own[k].shape)]
    if not (missing or unexpected or mismatched):
        return
    lines = [f'checkpoint {path!r} does not fit the model of {config} (was '
             f'it trained with another arch or config?{hint}):']
    if mismatched:
        lines.append(f'  {len(mismatched)} tensors differ in shape, e.g. ' +
                     '; '.join(f'{k}: checkpoint {a} vs model {b}'
                               for k, a, b in mismatched[:3]))
    if missing:
        lines.append(f'  {len(missing)} model keys missing from the '
                     f'checkpoint, e.g. {missing[:3]}')
    if unexpected:
        lines.append(f'  {len(unexpected)} checkpoint keys not in the model, '
                     f'e.g. {unexpected[:3]}')
    raise IncompatibleCheckpointError('\n'.join(lines))


def _literal(node):
    """Value of a literal expression of a config text (``dict(...)`` calls
    included); raises ValueError for anything else."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == 'dict' and not node.args:
        return {k.arg: _literal(k.value) for k in node.keywords if k.arg}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(item) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v)
                for k, v in zip(node.keys, node.values)}
    return ast.literal_eval(node)


def training_config(checkpoint: dict) -> dict:
    """The top-level settings of the config a checkpoint was trained with
    (MMEngine stores its text in ``meta['cfg']``), read without executing
    it; settings that are not plain literals are left out.

    Args:
        checkpoint (dict): A loaded checkpoint.

    Returns:
        dict: Setting name -> value; empty without ``meta['cfg']``.
    """
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not isinstance(text, str):
        return {}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = _literal(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
    return found
