"""ONNX export: parity, dynamic shapes, atomic writes and bad inputs."""
import os.path as osp

import pytest
import torch

from micronet_mm.deploy import fuse
from micronet_mm.deploy.export import (
    ExportError,
    export_onnx,
    load_checkpoint_strict,
)
from micronet_mm.deploy.session import InferenceSession
from micronet_mm.models.backbones import MicroNet
from micronet_mm.utils.numerics import max_relative_error
from tests.helpers.marks import sweep
from tests.helpers.tools import REPO, run_tool

from .helpers import randomize_

EXPORT = osp.join('tools', 'deploy', 'export_onnx.py')
CLS = osp.join(REPO, 'configs', 'cls', 'micronet_m0_in1k.py')


@pytest.mark.parametrize('arch', sweep(['4m', 'm2'], fast=('4m', )))
@pytest.mark.parametrize('backend', ['onnxruntime', 'torch', 'openvino'])
def test_backbone_onnx_parity_dynamic_shapes(arch, backend, tmp_path):
    # output stride 16 backbone with two outputs; the torch-backend fuse
    # exercises the in-graph border correction of merged depthwise convs
    model = randomize_(
        MicroNet(arch, out_indices=(2, -1), strides=(2, 2, 2, 1),
                 dilations=(1, 1, 1, 2))).eval()
    path = tmp_path / 'backbone.onnx'
    result = export_onnx(model, str(path), (64, 96), dynamic=True,
                         fused=fuse(model, backend=backend),
                         check_shapes=[(45, 83)],
                         backend='openvino' if backend == 'openvino' else
                         'onnxruntime')
    assert [c['shape'] for c in result['checks']] == [[1, 3, 64, 96],
                                                      [2, 3, 45, 83]]
    # exported at one size, run at another here too
    session = InferenceSession(str(path))
    assert session.backend == ('openvino' if backend == 'openvino' else
                               'onnxruntime')
    x = torch.randn(3, 3, 57, 70)
    got = session.run(x.numpy())
    with torch.no_grad():
        expected = model(x)
    assert len(got) == 2
    assert max_relative_error(expected,
                              tuple(torch.from_numpy(g) for g in got)) < 1e-4


def test_static_export_rejects_other_sizes(tmp_path):
    model = MicroNet('4m').eval()
    path = tmp_path / 'static.onnx'
    export_onnx(model, str(path), (64, 64))
    session = InferenceSession(str(path))
    with pytest.raises(ValueError, match='axis 2 is 96, expected 64'):
        session.run(torch.randn(1, 3, 96, 64).numpy())


def test_existing_file_is_kept_unless_forced(tmp_path):
    model = MicroNet('4m').eval()
    path = tmp_path / 'model.onnx'
    path.write_bytes(b'keep me')
    with pytest.raises(FileExistsError, match='force'):
        export_onnx(model, str(path), (32, 32))
    assert path.read_bytes() == b'keep me'
    export_onnx(model, str(path), (32, 32), force=True)
    assert path.read_bytes() != b'keep me'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['model.onnx']


def test_failed_parity_check_writes_nothing(tmp_path):
    model = randomize_(MicroNet('4m')).eval()
    broken = fuse(model, backend='onnxruntime')
    with torch.no_grad():  # a fused model that is no longer equal
        next(broken.parameters()).add_(1.0)
    path = tmp_path / 'broken.onnx'
    with pytest.raises(ExportError, match='relative error'):
        export_onnx(model, str(path), (32, 32), fused=broken)
    assert list(tmp_path.iterdir()) == []


def test_impossible_shape_is_refused(tmp_path):
    model = MicroNet('4m').eval()
    for shape in [(0, 32), (-4, 32)]:
        with pytest.raises(ValueError, match='positive'):
            export_onnx(model, str(tmp_path / 'x.onnx'), shape)
    assert list(tmp_path.iterdir()) == []


def test_wrong_arch_checkpoint_message(tmp_path):
    ckpt = tmp_path / 'm1.pth'
    torch.save({'state_dict': MicroNet('m1').state_dict()}, ckpt)
    with pytest.raises(ValueError) as err:
        load_checkpoint_strict(MicroNet('m0'), str(ckpt), 'cfg.py')
    message = str(err.value)
    assert 'another arch' in message and 'differ in shape' in message
    with pytest.raises(FileNotFoundError):
        load_checkpoint_strict(MicroNet('m0'), str(tmp_path / 'none.pth'))


@pytest.mark.slow  # runs tools/deploy/export_onnx.py
def test_cli_exports_a_config(tmp_path):
    out = tmp_path / 'm0.onnx'
    proc = run_tool(EXPORT, CLS, '--out', str(out), '--shape', '64', '80')
    assert out.is_file()
    assert 'relative error' in proc.stdout
    # refuses to overwrite, keeps the file
    before = out.read_bytes()
    proc = run_tool(EXPORT, CLS, '--out', str(out), check=False)
    assert proc.returncode != 0 and 'exists' in proc.stderr
    assert out.read_bytes() == before


def _tool_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'export_onnx_tool', osp.join(REPO, EXPORT))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _cli(*args):
    """Run the tool in-process; returns the SystemExit message or None."""
    tool = _tool_module()
    try:
        tool.main(list(args))
    except SystemExit as exit:
        return str(exit.code)
    return None


def test_cli_bad_inputs_leave_no_file(tmp_path):
    out = tmp_path / 'x.onnx'
    message = _cli('configs/cls/nope.py', '--out', str(out))
    assert 'does not exist' in message and 'nope.py' in message
    # a checkpoint of another arch
    from micronet_mm.utils.config import build_model_from_config
    model, _ = build_model_from_config(
        osp.join(REPO, 'configs', 'cls', 'micronet_m1_in1k.py'))
    ckpt = tmp_path / 'm1.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    message = _cli(CLS, str(ckpt), '--out', str(out))
    assert 'another arch' in message and 'm1.pth' in message
    # a shape the model cannot take
    message = _cli(CLS, '--out', str(out), '--shape', '0', '64')
    assert 'positive' in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ['m1.pth']


def test_cli_without_checkpoint_warns_and_creates_folders(tmp_path, capsys):
    """Random weights: a warning says so; the randomly initialised
    classifier gives the same logits for every input, so the tool says that
    the parity check is structural only. A missing output folder is
    created."""
    out = tmp_path / 'new' / 'folder' / 'x.onnx'
    assert _cli(CLS, '--out', str(out), '--shape', '64', '64') is None
    err = capsys.readouterr().err
    assert "no CHECKPOINT given; the file will hold the config's random " \
        'initial weights' in err
    assert 'the parity check is structural only' in err
    assert out.is_file()


def test_input_dependence_is_reported(tmp_path):
    class Constant(torch.nn.Module):

        def forward(self, x):
            return x.mean((2, 3)) * 0 + 1

    flat = export_onnx(Constant(), str(tmp_path / 'c.onnx'), (32, 32))
    assert flat['input_dependent'] is False and flat['input_sensitivity'] == 0
    conv = export_onnx(torch.nn.Conv2d(3, 2, 3), str(tmp_path / 'v.onnx'),
                       (32, 32))
    assert conv['input_dependent'] is True


@pytest.mark.parametrize('config', [
    CLS, osp.join(REPO, 'configs', 'seg', 'micronet_m0_mraspp_cityscapes.py'),
    osp.join(REPO, 'configs', 'pose', 'micronet_m0_heatmap_coco-256x192.py')
])
def test_min_opset_exports(tmp_path, config):
    """The lowest opset export_onnx.py accepts works for every task."""
    tool_min = _tool_module().MIN_OPSET
    assert _cli(config, '--out', str(tmp_path / 'x.onnx'), '--shape', '64',
                '64', '--opset', str(tool_min)) is None
    with pytest.raises(ExportError, match='opset 9: .*') as err:
        from micronet_mm.utils.config import build_model_from_config
        model, _ = build_model_from_config(config)
        export_onnx(model, str(tmp_path / 'y.onnx'), (64, 64), opset=9)
    assert len(str(err.value)) < 700  # no TorchScript graph dump
