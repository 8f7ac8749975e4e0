"""The compiled one-pass Shift-Max and the session that runs exports."""
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

from micronet_mm.deploy import fuse
from micronet_mm.deploy.export import export_onnx
from micronet_mm.deploy.kernels import (
    DOMAIN,
    KernelsNotBuiltError,
    build_key,
    find_library,
)
from micronet_mm.deploy.session import InferenceSession, uses_kernels
from micronet_mm.models.backbones import MicroNet
from micronet_mm.models.layers import DynamicShiftMax
from micronet_mm.utils.numerics import max_relative_error

from .helpers import randomize_


def _shift_max_nodes(path):
    return [n for n in onnx.load(str(path)).graph.node if n.domain == DOMAIN]


@pytest.mark.parametrize('layout', ['nhwc', 'nchw'])
@pytest.mark.parametrize('strides,dilations',
                         [((2, 2, 2, 1), (1, 1, 1, 2)),
                          ((2, 2, 1, 1), (1, 1, 2, 4))],
                         ids=['os16', 'os8'])
def test_kernel_export_equals_training_form(layout, strides, dilations,
                                            tmp_path):
    model = randomize_(
        MicroNet('m1', out_indices=(2, -1), strides=strides,
                 dilations=dilations)).eval()
    path = tmp_path / 'k.onnx'
    export_onnx(model, str(path), (64, 96), dynamic=True,
                check_shapes=[(45, 83)],
                fused=fuse(model, backend='openvino',
                           shift_max_kernel=layout))
    dsm = sum(isinstance(m, DynamicShiftMax) for m in model.modules())
    nodes = _shift_max_nodes(path)
    assert len(nodes) == dsm > 0
    session = InferenceSession(str(path), threads=2)
    assert session.backend == 'openvino'
    for batch in (1, 2):
        x = torch.randn(batch, 3, 57, 70)
        got = session.run(x.numpy())
        with torch.no_grad():
            expected = model(x)
        assert max_relative_error(
            expected, tuple(torch.from_numpy(g) for g in got)) < 1e-4


def test_portable_export_uses_stock_operators_only(tmp_path):
    model = randomize_(MicroNet('4m')).eval()
    path = tmp_path / 'p.onnx'
    result = export_onnx(model, str(path), (64, 64), backend='onnxruntime')
    assert result['backend'] == 'onnxruntime'
    assert not uses_kernels(onnx.load(str(path)))
    assert _shift_max_nodes(path) == []
    assert InferenceSession(str(path)).backend == 'onnxruntime'


def test_session_refuses_kernel_file_without_kernels(tmp_path, monkeypatch):
    model = randomize_(MicroNet('4m')).eval()
    path = tmp_path / 'k.onnx'
    export_onnx(model, str(path), (32, 32))
    assert _shift_max_nodes(path)
    # a cache without the library: as on a machine where set-up never ran
    monkeypatch.setenv('MICRONET_MM_CACHE', str(tmp_path / 'empty'))
    with pytest.raises(KernelsNotBuiltError, match='tools/setup_env.sh'):
        InferenceSession(str(path))
    with pytest.raises(KernelsNotBuiltError, match='--portable'):
        find_library()


def test_session_input_errors(tmp_path):
    model = randomize_(MicroNet('4m')).eval()
    path = tmp_path / 'k.onnx'
    export_onnx(model, str(path), (32, 32), dynamic=True)
    session = InferenceSession(str(path))
    good = np.zeros((1, 3, 32, 32), np.float32)
    assert session.run(good)[0].ndim == 4
    with pytest.raises(TypeError, match='float32'):
        session.run(good.astype(np.float64))
    with pytest.raises(ValueError, match='rank-4'):
        session.run(good[0])
    with pytest.raises(ValueError, match='axis 1 is 1, expected 3'):
        session.run(good[:, :1])
    with pytest.raises(TypeError, match='numpy array'):
        session.run(torch.from_numpy(good))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        InferenceSession(str(tmp_path / 'missing.onnx'))
    with pytest.raises(ValueError, match='threads'):
        InferenceSession(str(path), threads=0)


def test_build_key_follows_sources_and_openvino_version():
    assert build_key('2026.4.1') != build_key('2026.5.0')
    assert build_key('2026.4.1') == build_key('2026.4.1')
    assert osp.basename(find_library()) == 'libmicronet_mm_ov.so'
