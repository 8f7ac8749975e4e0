"""Every config under configs/{cls,seg,pose}: the model builds, its fused
form equals it, and its ONNX export matches PyTorch.

Segmentation and pose configs are picked up automatically as they land.
"""
import glob
import os.path as osp

import pytest
import torch

from micronet_mm.deploy import fuse
from micronet_mm.deploy.export import export_onnx
from micronet_mm.utils.config import build_in_scope, build_model_from_config
from micronet_mm.utils.numerics import max_relative_error
from micronet_mm.utils.tensor_mode import TensorModeWrapper
from tests.helpers.tools import REPO

from .helpers import randomize_

CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'cls', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'seg', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'pose', '*.py')))
# small inputs per task (CI budget): not square, not multiples of 32
SMALL = {'cls': (72, 56), 'seg': (72, 104), 'pose': (80, 56)}


def _task(config):
    return osp.basename(osp.dirname(config))


def _id(config):
    return f'{_task(config)}/{osp.basename(config)}'


def test_classification_configs_are_found():
    assert any(_task(c) == 'cls' for c in CONFIGS)


@pytest.mark.slow  # every config
@pytest.mark.parametrize('config', CONFIGS, ids=_id)
def test_fused_config_model_equals_training_form(config):
    # the initial weights and inputs come from the global generator: fix it,
    # so the result does not depend on which tests ran before (an
    # ill-conditioned draw amplifies float32 rounding past the tolerance,
    # while float64 agrees to 1e-15)
    torch.manual_seed(0)
    model, _ = build_model_from_config(config)
    randomize_(model).eval()
    for backend in ('torch', 'onnxruntime'):
        fused = TensorModeWrapper(fuse(model, backend=backend))
        reference = TensorModeWrapper(model)
        x = torch.randn(2, 3, *SMALL[_task(config)])
        with torch.no_grad():
            assert max_relative_error(reference(x), fused(x)) < 1e-4


@pytest.mark.slow  # every config
@pytest.mark.parametrize('backend', ['openvino', 'onnxruntime'])
@pytest.mark.parametrize('config', CONFIGS, ids=_id)
def test_onnx_export_matches_pytorch(config, backend, tmp_path):
    # openvino: the fused Shift-Max kernel; onnxruntime: the portable file
    torch.manual_seed(0)
    model, _ = build_model_from_config(config)
    randomize_(model).eval()
    out = tmp_path / 'model.onnx'
    h, w = SMALL[_task(config)]
    result = export_onnx(model, str(out), (h, w), dynamic=True,
                         check_shapes=[(h + 24, w - 8)], backend=backend)
    assert result['backend'] == backend
    assert out.is_file()
    assert len(result['checks']) == 2
    assert all(c['rel_err'] < 1e-4 for c in result['checks'])
    # nothing but the export is left behind
    assert [p.name for p in tmp_path.iterdir()] == ['model.onnx']


# Until configs/seg and configs/pose land: the same checks on models built
# from inline dicts with the heads that exist (the rewrite is generic).
SEG_MODEL = dict(
    type='EncoderDecoder',
    backbone=dict(type='MicroNet', arch='m1', out_indices=(3, 8),
                  strides=(2, 2, 2, 1), dilations=(1, 1, 1, 2)),
    decode_head=dict(type='MRASPPHead', in_channels=(24, 128),
                     in_index=(0, 1), channels=64, num_classes=19,
                     norm_cfg=dict(type='BN'), align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss')),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
POSE_MODEL = dict(
    type='TopdownPoseEstimator',
    backbone=dict(type='MicroNet', arch='m0'),
    head=dict(type='HeatmapHead', in_channels=576, out_channels=17,
              deconv_out_channels=(32, ), deconv_kernel_sizes=(4, ),
              loss=dict(type='KeypointMSELoss'),
              decoder=dict(type='MSRAHeatmap', input_size=(48, 64),
                           heatmap_size=(12, 16), sigma=2)),
    test_cfg=dict(flip_test=False))


@pytest.mark.parametrize('scope,model_cfg,shape',
                         [('mmseg', SEG_MODEL, (72, 104)),
                          ('mmpose', POSE_MODEL, (80, 56))],
                         ids=['seg', 'pose'])
def test_task_models_from_our_layers(scope, model_cfg, shape, tmp_path):
    model = build_in_scope(model_cfg, scope)
    randomize_(model, shape=shape).eval()
    x = torch.randn(2, 3, *shape)
    for backend in ('torch', 'onnxruntime'):
        fused = fuse(model, backend=backend)
        with torch.no_grad():
            assert max_relative_error(TensorModeWrapper(model)(x),
                                      TensorModeWrapper(fused)(x)) < 1e-4
    result = export_onnx(model, str(tmp_path / 'm.onnx'), shape,
                         dynamic=True, check_shapes=[(shape[0] + 16, 64)])
    assert all(c['rel_err'] < 1e-4 for c in result['checks'])
