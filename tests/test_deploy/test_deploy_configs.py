"""Every config under configs/{cls,seg,pose}: the model builds, its fused
form equals it, and its ONNX export matches PyTorch.

Segmentation and pose configs are picked up automatically as they land.
"""
import glob
import os.path as osp

import pytest
import torch

from micronet_mm.apis import build_model_from_config
from micronet_mm.deploy import fuse
from micronet_mm.deploy.export import TensorForward, export_onnx
from tests.helpers.tools import REPO

from .helpers import max_relative_error, randomize_

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


@pytest.mark.parametrize('config', CONFIGS, ids=_id)
def test_fused_config_model_equals_training_form(config):
    model, _ = build_model_from_config(config)
    randomize_(model).eval()
    for backend in ('torch', 'onnxruntime'):
        fused = TensorForward(fuse(model, backend=backend))
        reference = TensorForward(model)
        x = torch.randn(2, 3, *SMALL[_task(config)])
        with torch.no_grad():
            assert max_relative_error(reference(x), fused(x)) < 1e-4


@pytest.mark.parametrize('config', CONFIGS, ids=_id)
def test_onnx_export_matches_pytorch(config, tmp_path):
    model, _ = build_model_from_config(config)
    randomize_(model).eval()
    out = tmp_path / 'model.onnx'
    h, w = SMALL[_task(config)]
    result = export_onnx(model, str(out), (h, w), dynamic=True,
                         check_shapes=[(h + 24, w - 8)])
    assert out.is_file()
    assert len(result['checks']) == 2
    assert all(c['rel_err'] < 1e-4 for c in result['checks'])
    # nothing but the export is left behind
    assert [p.name for p in tmp_path.iterdir()] == ['model.onnx']
