"""ONNX export of fused models, with an onnxruntime parity check and an
atomic write.

The exported graph is the model's tensor-mode forward, ``model(inputs,
mode='tensor')``: class logits for mmpretrain classifiers, the decode
head's logits (stride 8 for MR-ASPP) for mmseg segmentors, keypoint
heatmaps for mmpose estimators. The input is the *normalised* image batch
(N, 3, H, W); the mean/std of ``model.data_preprocessor`` are not part of
the graph.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from ..utils.checkpoint import check_state_dict_fits, read_checkpoint
from ..utils.fileio import atomic_write
from ..utils.numerics import max_relative_error
from ..utils.tensor_mode import TensorModeWrapper
from .fuse import fuse
from .session import InferenceSession


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
    state = read_checkpoint(checkpoint)['state_dict']
    check_state_dict_fits(model.state_dict(), state, checkpoint, config)
    model.load_state_dict(state, strict=True)




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
        # the TorchScript exporter: it honours the symbolic of the fused
        # Shift-Max kernel and folds the border corrections to constants
        torch.onnx.export(
            module, (inputs, ), path, dynamo=False, **export_kwargs)


def export_onnx(model: nn.Module,
                path: str,
                shape: Tuple[int, int],
                dynamic: bool = False,
                opset: int = 17,
                force: bool = False,
                check_shapes: Optional[List[Tuple[int, int]]] = None,
                tolerance: float = 1e-4,
                fused: Optional[nn.Module] = None,
                seed: int = 0,
                backend: str = 'openvino') -> Dict[str, object]:
    """Fuse ``model``, export it to ONNX and check the runtime against
    PyTorch.

    The file is written to a temporary name in the same directory and
    renamed into place only after the parity check passed, so ``path``
    either holds a verified export or is left as it was. Missing folders
    are created.

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
            backend=backend)``.
        seed (int): Seed of the random check inputs. Defaults to 0.
        backend (str): ``'openvino'``: Shift-Max as the compiled one-pass
            kernel (``micronet_mm::ShiftMax``; runs in OpenVINO with the
            kernels ``tools/setup_env.sh`` builds); ``'onnxruntime'``:
            stock operators only (portable to any ONNX runtime). The check
            runs the file through :class:`~.session.InferenceSession`.
            Defaults to ``'openvino'``.

    Returns:
        dict: ``path``, ``shape``, ``dynamic``, ``opset``, ``backend``,
        ``checks`` (a list of ``{'shape', 'rel_err'}``),
        ``input_sensitivity`` (the relative difference of the outputs for
        two random inputs) and ``input_dependent`` (it exceeds
        ``tolerance``; when False the outputs do not depend on the input
        and the parity check only proves that the graph runs and has the
        right output shapes).

    Raises:
        FileExistsError: ``path`` exists and ``force`` is False.
        ValueError: The model cannot take ``shape``.
        ExportError: Export failed or the runtime differs from PyTorch.
        KernelsNotBuiltError: ``backend='openvino'`` and the kernels are
            not built.
    """
    path = osp.abspath(path)
    if osp.exists(path) and not force:
        raise FileExistsError(f'{path} exists; pass --force (force=True) to '
                              'overwrite it')
    h, w = (int(v) for v in shape)
    if h <= 0 or w <= 0:
        raise ValueError(f'input shape must be positive, got {h}x{w}')
    model = model.eval()
    reference = TensorModeWrapper(model).eval()
    deployed = TensorModeWrapper(
        fused if fused is not None else fuse(model, backend=backend))
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
    # A randomly initialised model may give the same output for every
    # input; the parity check then compares constants (structure only).
    with torch.no_grad():
        other = _as_tuple(reference(
            torch.randn(1, 3, h, w, generator=generator)))
    sensitivity = max_relative_error(ref_out, other)

    with atomic_write(path) as tmp:
        try:
            _export(deployed, inputs, tmp, dynamic, opset, len(ref_out))
        except Exception as err:
            # torch prepends the whole TorchScript graph to some errors
            last = (str(err).strip().splitlines() or [''])[-1][:500]
            raise ExportError(f'ONNX export failed at opset {opset}: '
                              f'{type(err).__name__}: {last}') from err
        session = InferenceSession(tmp)
        results = []
        for batch, expected in checks:
            got = session.run(batch.numpy())
            try:
                err = max_relative_error(expected, got)
            except ValueError as mismatch:
                raise ExportError(
                    f'{session.backend} {mismatch}') from mismatch
            results.append(
                dict(shape=list(batch.shape), rel_err=float(err)))
            if not err < tolerance:
                raise ExportError(
                    f'{session.backend} output differs from PyTorch for input '
                    f'{tuple(batch.shape)}: relative error {err:.2e} >= '
                    f'{tolerance:g}')
        if osp.exists(path) and not force:  # appeared meanwhile
            raise FileExistsError(f'{path} exists; pass --force to '
                                  'overwrite it')
    return dict(
        path=path, shape=[h, w], dynamic=dynamic, opset=opset,
        checks=results, backend=session.backend,
        input_sensitivity=float(sensitivity),
        input_dependent=bool(sensitivity > tolerance))
