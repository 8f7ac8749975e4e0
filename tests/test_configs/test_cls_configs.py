import glob
import json
import os.path as osp

import pytest
import torch

from micronet_mm.utils.config import (
    build_model_from_config,
    natural_input_shape,
)
from tests.helpers.tools import REPO, run_tool

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/cls/*.py')))

# paper-convention MAdds targets at 224x224 and the released models' exact
# parameter counts
TARGETS = {
    'micronet_4m_in1k.py': (4e6, 0.07, 1019590),
    'micronet_m0_in1k.py': (6e6, 0.07, 1777587),
    'micronet_m1_in1k.py': (12e6, 0.07, 2393876),
    'micronet_m2_in1k.py': (21e6, 0.07, 2622960),
    'micronet_m3_in1k.py': (44e6, 0.05, None),
}


def test_all_archs_have_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert set(TARGETS) <= names
    for arch in ('m0', 'm1', 'm2', 'm3'):
        assert f'micronet_{arch}_in1k_mutual.py' in names


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_config_builds_and_classifies(config):
    model, cfg = build_model_from_config(config)
    assert natural_input_shape(cfg) == (224, 224)
    with torch.no_grad():
        logits = model(torch.rand(2, 3, 224, 224), mode='tensor')
    assert logits.shape == (2, 1000)


@pytest.mark.slow  # runs tools/analysis/get_flops.py
@pytest.mark.parametrize('name', sorted(TARGETS))
def test_get_flops_targets(name):
    target, tolerance, params = TARGETS[name]
    out = run_tool('tools/analysis/get_flops.py',
                   osp.join('configs/cls', name), '--json').stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert abs(result['madds'] / target - 1) <= tolerance, result
    if params is not None:
        assert result['params'] == params


@pytest.mark.slow  # runs tools/analysis/get_flops.py
def test_get_flops_shape_and_text_output():
    out = run_tool('tools/analysis/get_flops.py',
                   'configs/cls/micronet_m0_in1k.py', '--shape', '112',
                   '160').stdout
    assert 'input:   112x160' in out and 'stock:' in out


@pytest.mark.slow  # runs tools/analysis/get_flops.py
def test_get_flops_missing_config_message():
    proc = run_tool('tools/analysis/get_flops.py', 'configs/cls/nope.py',
                    check=False)
    assert proc.returncode != 0
    assert "config file 'configs/cls/nope.py' does not exist" in proc.stderr
