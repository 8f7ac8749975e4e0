"""ONNX export of fused models, with an onnxruntime parity check and an
atomic write.

The exported graph is the model's tensor-mode forward, ``model(inputs,
mode='tensor')``: class logits for mmpretrain classifiers, the decode
head's logits (stride 8 for MR-ASPP) for mmseg segmentors, keypoint
heatmaps for mmpose estimators. The input is the *normalised* image batch
(N, 3, H, W); the mean/std of ``model.data_preprocessor`` are not part of
the graph.
"""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from ..utils.numerics import max_relative_error
from ..utils.tensor_mode import TensorModeWrapper
from .fuse import fuse


class ExportError(RuntimeError):
    """Export or its parity check failed; nothing was written."""


def _as_tuple(out) -> Tuple[torch.Tensor, ...]:
    return out if isinstance(out, tuple) else (out, )


def load_checkpoint_strict(model: nn.Module, checkpoint: str,
                           config: str = '<config>') -> None:
    """Load ``checkpoint`` into ``model``, refusing any mismatch.

    Args:
        model (nn.Module): Model built from ``config``.
        checkpoint (str): Path of an mmengine / PyTorch checkpoint.
        config (str): Config path, for the messages.

    Raises:
        FileNotFoundError: The checkpoint does not exist.
        ValueError: Keys or shapes differ (for instance a checkpoint of
            another arch); the message lists the first differences.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    if not isinstance(state, dict):
        raise ValueError(f'checkpoint {checkpoint!r} holds no state dict')
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [(k, tuple(state[k].shape), tuple(own[k].shape))
                  for k in own
                  if k in state and tuple(state[k].shape) != tuple(
                      own[k].shape)]
    if missing or unexpected or mismatched:
        lines = [
            f'checkpoint {checkpoint!r} does not fit the model of {config}'
            ' (was it trained with another arch or config?):'
        ]
        if mismatched:
            lines.append(f'  {len(mismatched)} tensors differ in shape, e.g. '
                         + '; '.join(f'{k}: checkpoint {a} vs model {b}'
                                     for k, a, b in mismatched[:3]))
        if missing:
            lines.append(f'  {len(missing)} model keys missing from the '
                         f'checkpoint, e.g. {missing[:3]}')
        if unexpected:
            lines.append(f'  {len(unexpected)} checkpoint keys not in the '
                         f'model, e.g. {unexpected[:3]}')
        raise ValueError('\n'.join(lines))
    model.load_state_dict(state, strict=True)


def ort_session(path_or_bytes, threads: int = 1, level: str = 'all'):
    """An onnxruntime CPU session.

    Args:
        path_or_bytes (str | bytes): Model file or serialised model.
        threads (int): ``intra_op_num_threads``. Defaults to 1.
        level (str): Graph optimisation level, ``'all'`` (includes the
            NCHWc layout transforms), ``'extended'``, ``'basic'`` or
            ``'disable'``. Defaults to ``'all'``.
    """
    import onnxruntime as ort
    levels = dict(
        all=ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        extended=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        basic=ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        disable=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    if level not in levels:
        raise ValueError(f'level must be one of {sorted(levels)}, got '
                         f'{level!r}')
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = levels[level]
    return ort.InferenceSession(
        path_or_bytes, options, providers=['CPUExecutionProvider'])


def _export(module: nn.Module, inputs: torch.Tensor, path: str,
            dynamic: bool, opset: int, num_outputs: int) -> None:
    output_names = ['output'] if num_outputs == 1 else [
        f'output{i}' for i in range(num_outputs)
    ]
    dynamic_axes = None
    if dynamic:
        axes = {0: 'batch', 2: 'height', 3: 'width'}
        dynamic_axes = {'input': axes}
        dynamic_axes.update({name: axes for name in output_names})
    export_kwargs = dict(
        input_names=['input'],
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        opset_version=opset,
        do_constant_folding=True)
    with torch.no_grad():
        try:
            torch.onnx.export(
                module, (inputs, ), path, dynamo=False, **export_kwargs)
        except TypeError:  # torch without the ``dynamo`` switch
            torch.onnx.export(module, (inputs, ), path, **export_kwargs)


def export_onnx(model: nn.Module,
                path: str,
                shape: Tuple[int, int],
                dynamic: bool = False,
                opset: int = 17,
                force: bool = False,
                check_shapes: Optional[List[Tuple[int, int]]] = None,
                tolerance: float = 1e-4,
                fused: Optional[nn.Module] = None,
                seed: int = 0) -> Dict[str, object]:
    """Fuse ``model``, export it to ONNX and check onnxruntime against
    PyTorch.

    The file is written to a temporary name in the same directory and
    renamed into place only after the parity check passed, so ``path``
    either holds a verified export or is left as it was.

    Args:
        model (nn.Module): Training-form model (not modified).
        path (str): Output ``.onnx`` file.
        shape (tuple[int, int]): ``(H, W)`` of the traced input.
        dynamic (bool): Dynamic batch, height and width. Defaults to False.
        opset (int): ONNX opset. Defaults to 17.
        force (bool): Overwrite an existing ``path``. Defaults to False.
        check_shapes (list[tuple[int, int]], optional): Extra ``(H, W)``
            sizes to check (dynamic exports only). Defaults to one other
            size when ``dynamic``.
        tolerance (float): Largest accepted relative error. Defaults to
            1e-4.
        fused (nn.Module, optional): Precomputed ``fuse(model,
            backend='onnxruntime')``.
        seed (int): Seed of the random check inputs. Defaults to 0.

    Returns:
        dict: ``path``, ``shape``, ``dynamic``, ``opset`` and ``checks``,
        a list of ``{'shape', 'rel_err'}``.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is False.
        ValueError: The model cannot take ``shape``.
        ExportError: Export failed or onnxruntime differs from PyTorch.
    """
    path = osp.abspath(path)
    if osp.exists(path) and not force:
        raise FileExistsError(f'{path} exists; pass --force (force=True) to '
                              'overwrite it')
    out_dir = osp.dirname(path)
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'output directory {out_dir} does not exist')
    h, w = (int(v) for v in shape)
    if h <= 0 or w <= 0:
        raise ValueError(f'input shape must be positive, got {h}x{w}')
    model = model.eval()
    reference = TensorModeWrapper(model).eval()
    deployed = TensorModeWrapper(
        fused if fused is not None else fuse(model, backend='onnxruntime'))
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(1, 3, h, w, generator=generator)
    try:
        with torch.no_grad():
            ref_out = _as_tuple(reference(inputs))
    except Exception as err:  # the model's own message says why
        raise ValueError(f'the model cannot take a {h}x{w} input: '
                         f'{type(err).__name__}: {err}') from err
    if dynamic and check_shapes is None:
        # another size with the same divisibility by 32
        check_shapes = [(h + 32, w - 32 if w > 64 else w + 64)]
    checks = [(inputs, ref_out)]
    for ch, cw in (check_shapes or []) if dynamic else []:
        extra = torch.randn(2, 3, ch, cw, generator=generator)
        with torch.no_grad():
            checks.append((extra, _as_tuple(reference(extra))))

    fd, tmp = tempfile.mkstemp(
        prefix=osp.basename(path) + '.', suffix='.tmp', dir=out_dir)
    os.close(fd)
    try:
        try:
            _export(deployed, inputs, tmp, dynamic, opset, len(ref_out))
        except Exception as err:
            raise ExportError(f'ONNX export failed: {type(err).__name__}: '
                              f'{err}') from err
        session = ort_session(tmp)
        results = []
        for batch, expected in checks:
            got = session.run(None, {'input': batch.numpy()})
            try:
                err = max_relative_error(expected, got)
            except ValueError as mismatch:
                raise ExportError(f'onnxruntime {mismatch}') from mismatch
            results.append(
                dict(shape=list(batch.shape), rel_err=float(err)))
            if not err < tolerance:
                raise ExportError(
                    f'onnxruntime output differs from PyTorch for input '
                    f'{tuple(batch.shape)}: relative error {err:.2e} >= '
                    f'{tolerance:g}')
        if osp.exists(path) and not force:  # appeared meanwhile
            raise FileExistsError(f'{path} exists; pass --force to '
                                  'overwrite it')
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return dict(
        path=path, shape=[h, w], dynamic=dynamic, opset=opset,
        checks=results)
