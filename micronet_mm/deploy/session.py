"""One way to run what ``tools/deploy/export_onnx.py`` writes.

:class:`InferenceSession` opens any exported file: a file that uses
micronet_mm's fused kernels (operations of the ``micronet_mm`` ONNX domain)
runs in OpenVINO with the compiled extension registered; a portable file
(stock operators only) runs in onnxruntime.
"""
from typing import List

import numpy as np

from .kernels import DOMAIN, find_library


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


def openvino_model(path_or_bytes, threads: int = 1, kernels: bool = False):
    """An OpenVINO CPU compiled model (float32, latency mode).

    Args:
        path_or_bytes (str | bytes): ONNX file or serialised model.
        threads (int): ``INFERENCE_NUM_THREADS``. Defaults to 1.
        kernels (bool): Register micronet_mm's extension first. Defaults to
            False.
    """
    import openvino as ov
    core = ov.Core()
    if kernels:
        core.add_extension(find_library())
    if isinstance(path_or_bytes, str):
        # by content: OpenVINO picks its frontend by file extension, and
        # the export checks a temporary file whose name ends in .partial
        with open(path_or_bytes, 'rb') as f:
            path_or_bytes = f.read()
    model = core.read_model(bytes(path_or_bytes))
    # float32 everywhere, like onnxruntime: a CPU with bf16 units would
    # otherwise run OpenVINO in bf16 and the comparison would not be fair
    return core.compile_model(
        model, 'CPU', {
            'INFERENCE_NUM_THREADS': int(threads),
            'PERFORMANCE_HINT': 'LATENCY',
            'INFERENCE_PRECISION_HINT': 'f32'
        })


def uses_kernels(model_proto) -> bool:
    """Whether an ONNX model needs micronet_mm's compiled kernels."""
    if any(op.domain == DOMAIN for op in model_proto.opset_import):
        return True
    return any(node.domain == DOMAIN for node in model_proto.graph.node)


class InferenceSession:
    """Run a file written by ``tools/deploy/export_onnx.py``.

    Args:
        path (str): The ``.onnx`` file.
        threads (int): CPU threads. Defaults to 1.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        KernelsNotBuiltError: The file needs micronet_mm's kernels and they
            are not built here; the message names ``tools/setup_env.sh``.

    Example:
        >>> session = InferenceSession('m0.onnx', threads=2)
        >>> logits, = session.run(images)  # (N, 3, H, W) float32
    """

    def __init__(self, path: str, threads: int = 1):
        import os.path as osp

        import onnx
        if not osp.isfile(path):
            raise FileNotFoundError(f'ONNX file {path!r} does not exist')
        if int(threads) < 1:
            raise ValueError(f'threads must be >= 1, got {threads}')
        proto = onnx.load(path, load_external_data=False)
        graph_inputs = [
            i for i in proto.graph.input
            if i.name not in {t.name for t in proto.graph.initializer}
        ]
        if len(graph_inputs) != 1:
            raise ValueError(f'{path} has {len(graph_inputs)} inputs; '
                             'micronet_mm exports have exactly one')
        self.path = path
        self.input_name = graph_inputs[0].name
        dims = graph_inputs[0].type.tensor_type.shape.dim
        # None where the export made the axis dynamic
        self.input_shape = tuple(d.dim_value if d.HasField('dim_value') else
                                 None for d in dims)
        self.output_names = [o.name for o in proto.graph.output]
        self.kernels = uses_kernels(proto)
        self.backend = 'openvino' if self.kernels else 'onnxruntime'
        if self.kernels:
            self._model = openvino_model(path, threads, kernels=True)
            self._request = self._model.create_infer_request()
        else:
            self._model = ort_session(path, threads)

    def _check(self, array) -> np.ndarray:
        if not isinstance(array, np.ndarray):
            raise TypeError('run() takes a numpy array (N, 3, H, W) of '
                            f'float32, got {type(array).__name__}')
        if array.dtype != np.float32:
            raise TypeError(f'{self.path} takes float32 input, got '
                            f'{array.dtype}; convert with '
                            '`array.astype(np.float32)`')
        if array.ndim != len(self.input_shape):
            raise ValueError(
                f'{self.path} takes a rank-{len(self.input_shape)} input '
                f'{self._shape_text()}, got shape {array.shape}')
        for axis, (want, got) in enumerate(zip(self.input_shape,
                                               array.shape)):
            if want is not None and want != got:
                raise ValueError(
                    f'{self.path} takes input {self._shape_text()}, got '
                    f'shape {array.shape} (axis {axis} is {got}, expected '
                    f'{want})')
        return np.ascontiguousarray(array)

    def _shape_text(self) -> str:
        names = ('N', 'C', 'H', 'W')
        return '(' + ', '.join(
            str(d) if d is not None else names[i] if i < 4 else '?'
            for i, d in enumerate(self.input_shape)) + ')'

    def run(self, array: np.ndarray) -> List[np.ndarray]:
        """Outputs for one normalised image batch.

        Args:
            array (np.ndarray): (N, 3, H, W) float32, normalised as the
                model's data preprocessor would.

        Returns:
            list[np.ndarray]: The outputs, in the file's order.
        """
        array = self._check(array)
        if self.kernels:
            results = self._request.infer({0: array})
            return [np.asarray(results[i]) for i in range(len(results))]
        return self._model.run(None, {self.input_name: array})

    def __repr__(self) -> str:
        return (f'InferenceSession({self.path!r}, backend={self.backend}, '
                f'input={self._shape_text()})')

