"""Converter round trip against an independent implementation of the
official network (tests/helpers/official_micronet.py)."""
import os.path as osp

import pytest
import torch

from tests.helpers.official_micronet import (
    build_official_micronet,
    random_official_state_dict,
)
from tests.helpers.tools import REPO, run_tool

pytestmark = pytest.mark.slow  # runs the tools

# official name -> (our arch, config)
CASES = {
    'official-m0': ('4m', 'configs/cls/micronet_4m_in1k.py'),
    'official-m1': ('m0', 'configs/cls/micronet_m0_in1k.py'),
    'official-m2': ('m1', 'configs/cls/micronet_m1_in1k.py'),
    'official-m3': ('m2', 'configs/cls/micronet_m2_in1k.py'),
}


def _wrap(state, style):
    if style == 'bare':
        return state
    prefixed = {f'module.{k}': v for k, v in state.items()}
    if style == 'state_dict':
        return dict(state_dict=prefixed, epoch=600)
    return dict(model=state, optimizer_steps=3)


@pytest.mark.parametrize('name,style', [('official-m0', 'bare'),
                                        ('official-m1', 'state_dict'),
                                        ('official-m2', 'model'),
                                        ('official-m3', 'state_dict')])
def test_round_trip_logits_equal(tmp_path, name, style):
    from mmpretrain.apis import get_model
    arch, config = CASES[name]
    state = random_official_state_dict(name, seed=3)
    official = build_official_micronet(name).eval()
    official.load_state_dict(state)
    src, dst = tmp_path / 'official.pth', tmp_path / 'converted.pth'
    torch.save(_wrap(state, style), src)

    out = run_tool('tools/model_converters/official2mm.py', str(src),
                   str(dst)).stdout
    assert f'config: {config}' in out and f"arch '{arch}'" in out

    model = get_model(osp.join(REPO, config), pretrained=str(dst)).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = official(x)
        got = model(x, mode='tensor')
    rel = (got - expected).norm() / expected.norm()
    assert rel < 1e-4, float(rel)
    # the same weights evaluated at a non-square size
    x = torch.randn(1, 3, 160, 224)
    with torch.no_grad():
        rel = (model(x, mode='tensor') - official(x)).norm() / \
            official(x).norm()
    assert rel < 1e-4


def test_wrong_arch_load_names_the_right_config(tmp_path):
    from mmpretrain.apis import get_model
    src, dst = tmp_path / 'official.pth', tmp_path / 'converted.pth'
    torch.save(random_official_state_dict('official-m1', seed=0), src)
    run_tool('tools/model_converters/official2mm.py', str(src), str(dst))
    with pytest.raises(ValueError) as err:
        get_model(osp.join(REPO, CASES['official-m2'][1]),
                  pretrained=str(dst))
    assert "arch 'm0'" in str(err.value)
    assert "this model is arch 'm1'" in str(err.value)
    assert 'micronet_m0_*' in str(err.value)
    # an unconverted official file given to the backbone is recognised
    from micronet_mm.models.backbones import MicroNet
    backbone = MicroNet('m0', init_cfg=dict(type='Pretrained',
                                            checkpoint=str(src)))
    with pytest.raises(ValueError, match='official2mm'):
        backbone.init_weights()


def test_bad_inputs_write_nothing(tmp_path):
    good = tmp_path / 'official.pth'
    torch.save(random_official_state_dict('official-m0', seed=1), good)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:5000])
    dst = tmp_path / 'out.pth'

    proc = run_tool('tools/model_converters/official2mm.py', str(truncated),
                    str(dst), check=False)
    assert proc.returncode != 0 and 'truncated' in proc.stderr
    assert not dst.exists()

    other = tmp_path / 'other.pth'
    torch.save({'conv.weight': torch.zeros(3, 3)}, other)
    proc = run_tool('tools/model_converters/official2mm.py', str(other),
                    str(dst), check=False)
    assert 'not an official MicroNet checkpoint' in proc.stderr
    assert not dst.exists()

    # a checkpoint missing one row does not match any released model
    partial = random_official_state_dict('official-m1', seed=1)
    partial = {k: v for k, v in partial.items()
               if not k.startswith('features.6.')}
    torch.save(partial, other)
    proc = run_tool('tools/model_converters/official2mm.py', str(other),
                    str(dst), check=False)
    assert 'matches none of the released' in proc.stderr
    assert not dst.exists()

    dst.write_bytes(b'precious')
    proc = run_tool('tools/model_converters/official2mm.py', str(good),
                    str(dst), check=False)
    assert proc.returncode != 0 and '--force' in proc.stderr
    assert dst.read_bytes() == b'precious'
    run_tool('tools/model_converters/official2mm.py', str(good), str(dst),
             '--force')
    assert torch.load(dst)['meta']['arch'] == '4m'
