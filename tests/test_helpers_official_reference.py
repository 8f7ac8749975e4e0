"""Guards the independent official-MicroNet reference used by parity tests.

The reference (``tests/helpers/official_micronet.py``) stands in for the
official code, so its parameter counts, key layout and a few operator details
are pinned here against the numbers of the official release.
"""
import re

import pytest
import torch

from tests.helpers.official_micronet import (
    BUDGET_TO_NAME,
    OFFICIAL_CONFIGS,
    OFFICIAL_PARAM_COUNTS,
    DynamicShiftMax,
    build_official_micronet,
    get_official_config,
    random_official_state_dict,
    shift_index,
    squeeze_width,
)

# README / facts §6.1 totals, written out literally so a typo in the config
# table cannot also change the expectation.
EXPECTED_PARAMS = {
    'official-m0': 1_019_590,
    'official-m1': 1_777_587,
    'official-m2': 2_393_876,
    'official-m3': 2_622_960,
}
# (number of K=2 DSMs, number of K=1 DSMs), facts §5.
EXPECTED_DSMS = {
    'official-m0': (8, 7),
    'official-m1': (8, 7),
    'official-m2': (12, 9),
    'official-m3': (11, 0),
}
KEY_PATTERN = re.compile(
    r'^(features\.0\.stem\.0\.conv\.[0-3]\.'
    r'|features\.[1-9]\d*\.layers\.\d+\.(conv\.\d+|fc\.[02])\.'
    r'|classifier\.[02]\.linear\.[01]\.)'
    r'(weight|bias|running_mean|running_var|num_batches_tracked)$')


@pytest.fixture(scope='module')
def models():
    torch.manual_seed(0)
    return {name: build_official_micronet(name) for name in OFFICIAL_CONFIGS}


@pytest.mark.parametrize('name', sorted(EXPECTED_PARAMS))
def test_param_count_matches_official(models, name):
    n = sum(p.numel() for p in models[name].parameters())
    assert n == EXPECTED_PARAMS[name]
    assert OFFICIAL_PARAM_COUNTS[name] == EXPECTED_PARAMS[name]


@pytest.mark.parametrize('name', sorted(EXPECTED_PARAMS))
def test_every_key_follows_official_layout(models, name):
    keys = list(models[name].state_dict())
    bad = [k for k in keys if not KEY_PATTERN.match(k)]
    assert not bad, f'keys outside the official layout: {bad[:5]}'
    # Shift indices are rebuilt, never stored (as in the official code).
    assert not any('partner' in k or 'index' in k for k in keys)


@pytest.mark.parametrize('name', sorted(EXPECTED_DSMS))
def test_dsm_counts_per_model(models, name):
    dsms = [
        m for m in models[name].modules() if isinstance(m, DynamicShiftMax)
    ]
    k2 = sum(m.branches == 2 for m in dsms)
    k1 = sum(m.branches == 1 for m in dsms)
    assert (k2, k1) == EXPECTED_DSMS[name]


def test_m0_key_shapes_spot_checks(models):
    sd = models['official-m0'].state_dict()
    expected = {
        # stem: 3x1 conv 3->2, 1x3 grouped conv 2->4
        'features.0.stem.0.conv.0.weight': (2, 3, 3, 1),
        'features.0.stem.0.conv.2.weight': (4, 1, 1, 3),
        'features.0.stem.0.conv.3.running_var': (4,),
        # row 1 (A-type): dw 4->8 (3x1), 8->16 (1x3); grouped 1x1 16->8 (g=2)
        'features.1.layers.0.conv.0.weight': (8, 1, 3, 1),
        'features.1.layers.0.conv.2.weight': (16, 1, 1, 3),
        'features.1.layers.4.conv.0.weight': (8, 8, 1, 1),
        # row 1 after conv2: K=1 DSM on 8 channels, squeeze 4, 2*8 outputs
        'features.1.layers.5.fc.0.weight': (4, 8),
        'features.1.layers.5.fc.2.weight': (16, 4),
        # row 2 after depthwise: K=2 DSM on 32 channels (a1, b1, a2, b2)
        'features.2.layers.1.fc.2.weight': (128, 4),
        'features.2.layers.1.fc.2.bias': (128,),
        # row 6 (full): conv1 64->256 g=8, DSM K2 S=16, conv2 256->96 g=8,
        # DSM K1 with halved reduction: 96 // 8 = 12
        'features.6.layers.0.conv.0.weight': (256, 8, 1, 1),
        'features.6.layers.1.fc.0.weight': (16, 256),
        'features.6.layers.3.conv.0.weight': (256, 1, 3, 1),
        'features.6.layers.7.conv.0.weight': (96, 32, 1, 1),
        'features.6.layers.8.fc.0.weight': (12, 96),
        'features.6.layers.8.fc.2.weight': (192, 12),
        # final row: grouped 1x1 96->384 (g=12), K=1 DSM squeeze 24
        'features.7.layers.0.conv.0.weight': (384, 8, 1, 1),
        'features.7.layers.1.fc.0.weight': (24, 384),
        # classifier
        'classifier.0.linear.0.weight': (640, 384),
        'classifier.0.linear.1.running_var': (640,),
        'classifier.2.linear.0.weight': (1000, 640),
        'classifier.2.linear.1.weight': (1000,),
    }
    for key, shape in expected.items():
        assert key in sd, key
        assert tuple(sd[key].shape) == shape, key
    assert 'classifier.1.weight' not in sd  # dropout has no state


def test_m3_key_shapes_spot_checks(models):
    sd = models['official-m3'].state_dict()
    assert tuple(sd['features.0.stem.0.conv.2.weight'].shape) == (12, 1, 1, 3)
    # Full rows start with ReLU6 (no keys at layers.1), DSM only at layers.5.
    assert not any(k.startswith('features.4.layers.1.') for k in sd)
    assert tuple(sd['features.4.layers.5.fc.0.weight'].shape) == (20, 144)
    assert tuple(sd['features.4.layers.5.fc.2.weight'].shape) == (576, 20)
    assert not any(k.startswith('features.4.layers.8.') for k in sd)
    # Final 1x1 row has no activation.
    assert tuple(sd['features.12.layers.0.conv.0.weight'].shape) == (864, 12,
                                                                      1, 1)
    assert not any(k.startswith('features.12.layers.1.') for k in sd)
    assert tuple(sd['classifier.0.linear.0.weight'].shape) == (1024, 864)


@pytest.mark.parametrize('name, rows', [('official-m0', []),
                                        ('official-m1', []),
                                        ('official-m2', [5]),
                                        ('official-m3', [3, 5, 8, 10])])
def test_residual_rows(models, name, rows):
    feats = models[name].features
    assert [i for i in range(1, len(feats)) if feats[i].residual] == rows


def test_shift_index_rotates_group_and_position():
    assert shift_index(8, 2).tolist() == [5, 6, 7, 4, 1, 2, 3, 0]
    assert shift_index(4, 1).tolist() == [1, 2, 3, 0]
    assert shift_index(4, 4).tolist() == [1, 2, 3, 0]
    assert sorted(shift_index(96, 12).tolist()) == list(range(96))


def test_squeeze_width_rounding():
    # make_divisible(C // reduction, 4) with a floor of 4 (facts §4.2, §5).
    assert squeeze_width(144, 8) == 20  # M2 row 4: 18 rounds up to 20
    assert squeeze_width(480, 16) == 32  # M3 row 8: 30 -> 32
    assert squeeze_width(720, 16) == 44  # M3 row 10: 45 -> 44
    assert squeeze_width(8, 4) == 4  # floor


def test_config_lookup():
    assert BUDGET_TO_NAME == {
        '4M': 'official-m0', '6M': 'official-m1', '12M': 'official-m2',
        '21M': 'official-m3'
    }
    assert get_official_config('21M') is OFFICIAL_CONFIGS['official-m3']
    assert (get_official_config('msnx_dy6_exp4_4M_221') is
            OFFICIAL_CONFIGS['official-m0'])
    with pytest.raises(KeyError, match='official-m9'):
        get_official_config('official-m9')


@pytest.mark.slow  # builds the large reference models
@pytest.mark.parametrize('name', ['official-m0', 'official-m3'])
def test_random_state_dict_is_deterministic_and_usable(models, name):
    sd = random_official_state_dict(name, seed=3)
    again = random_official_state_dict(name, seed=3)
    other = random_official_state_dict(name, seed=4)
    assert list(sd) == list(models[name].state_dict())
    assert all(torch.equal(sd[k], again[k]) for k in sd)
    assert not torch.equal(sd['classifier.2.linear.0.weight'],
                           other['classifier.2.linear.0.weight'])
    assert all((v > 0).all() for k, v in sd.items()
               if k.endswith('running_var'))

    model = build_official_micronet(name)
    model.load_state_dict(sd, strict=True)
    model.eval()
    x = torch.randn(2, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, 1000)
    assert torch.isfinite(y).all()
    # Logits pass through BN1d + h-swish, whose minimum is -3/8.
    assert y.min() >= -0.375 - 1e-6
    # Well conditioned: O(1) logits that differ between the two samples.
    assert 0.05 < y.std() < 20
    assert (y[0] - y[1]).abs().max() > 1e-2
