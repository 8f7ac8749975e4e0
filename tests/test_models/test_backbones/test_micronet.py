import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from micronet_mm.models.backbones import MicroNet
from micronet_mm.models.layers import DynamicShiftMax, StaticShiftMax
from tests.helpers.marks import sweep

# parameters of the released models (backbone + classifier), from the
# official README, and the classifier part (Linear+BN1d twice)
OFFICIAL_PARAMS = {'4m': 1019590, 'm0': 1777587, 'm1': 2393876,
                   'm2': 2622960}
HEAD = {'4m': (384, 640), 'm0': (576, 960), 'm1': (768, 1024),
        'm2': (864, 1024)}


def _classifier_params(cin, mid, classes=1000):
    return cin * mid + mid + 2 * mid + mid * classes + classes + 2 * classes


@pytest.mark.parametrize('arch', sorted(OFFICIAL_PARAMS))
def test_parameter_count_equals_official(arch):
    backbone = MicroNet(arch)
    n = sum(p.numel() for p in backbone.parameters())
    assert n + _classifier_params(*HEAD[arch]) == OFFICIAL_PARAMS[arch]


# channels and strides of every layer at output stride 32
EXPECTED_LAYERS = {
    '4m': ([4, 8, 12, 16, 32, 64, 96, 384], [2, 4, 8, 16, 16, 32, 32, 32]),
    'm0': ([6, 8, 16, 16, 32, 64, 96, 576], [2, 4, 8, 16, 16, 32, 32, 32]),
    'm1': ([8, 12, 16, 24, 32, 32, 64, 96, 128, 768],
           [2, 4, 8, 8, 16, 16, 16, 32, 32, 32]),
    'm2': ([12, 16, 24, 24, 32, 32, 64, 80, 80, 120, 120, 144, 864],
           [2, 4, 8, 8, 16, 16, 16, 16, 16, 32, 32, 32, 32]),
}


@pytest.mark.parametrize('arch', sweep(sorted(EXPECTED_LAYERS), fast=('m0', )))
@pytest.mark.parametrize('strides,dilations,max_stride', [
    ((2, 2, 2, 2), (1, 1, 1, 1), 32),
    ((2, 2, 2, 1), (1, 1, 1, 2), 16),
    ((2, 2, 1, 1), (1, 1, 2, 4), 8),
])
def test_shapes_at_every_index_and_output_stride(arch, strides, dilations,
                                                 max_stride):
    channels, layer_strides = EXPECTED_LAYERS[arch]
    model = MicroNet(arch, out_indices=range(len(channels)),
                     strides=strides, dilations=dilations).eval()
    h, w = 64, 96  # non-square
    with torch.no_grad():
        outs = model(torch.rand(1, 3, h, w))
    assert len(outs) == len(channels)
    for out, c, s in zip(outs, channels, layer_strides):
        s = min(s, max_stride)
        assert out.shape == (1, c, h // s, w // s)
    assert model.out_channels == channels


def test_m3_is_wider_than_m2_and_runs():
    model = MicroNet('m3', out_indices=(1, 3, -1)).eval()
    with torch.no_grad():
        outs = model(torch.rand(2, 3, 224, 224))
    assert [o.shape[-1] for o in outs] == [56, 28, 7]
    assert outs[-1].shape[1] == 1296
    params = sum(p.numel() for p in model.parameters())
    assert params > sum(p.numel() for p in MicroNet('m2').parameters())


def test_input_not_divisible_by_32():
    model = MicroNet('m0', out_indices=(2, 7)).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 100, 77))
    assert outs[0].shape[-2:] == (13, 10)
    assert outs[1].shape[-2:] == (4, 3)


def test_unknown_arch_lists_valid_ones():
    with pytest.raises(ValueError) as err:
        MicroNet('m9')
    for name in ('4m', 'm0', 'm1', 'm2', 'm3'):
        assert repr(name) in str(err.value)


@pytest.mark.parametrize('indices', [(8, ), (-9, ), (0, 100)])
def test_out_of_range_out_indices(indices):
    with pytest.raises(ValueError, match='layers 0..7'):
        MicroNet('m0', out_indices=indices)


@pytest.mark.parametrize('kwargs,match', [
    (dict(strides=(2, 2, 3, 2)), 'strides'),
    (dict(strides=(2, 2, 2)), 'strides'),
    (dict(dilations=(1, 1, 0, 1)), 'dilations'),
    (dict(frozen_stages=8), 'frozen_stages'),
])
def test_invalid_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MicroNet('m0', **kwargs)


def test_frozen_stages_and_norm_eval():
    model = MicroNet('m0', frozen_stages=2, norm_eval=True)
    model.train()
    for i in range(3):
        layer = getattr(model, f'layer{i}')
        assert not layer.training
        assert all(not p.requires_grad for p in layer.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
    # frozen layers keep their running statistics
    before = model.layer1.depthwise.conv_v.bn.running_mean.clone()
    model(torch.rand(2, 3, 64, 64))
    assert torch.equal(before, model.layer1.depthwise.conv_v.bn.running_mean)


def test_dsm_overrides_for_ablations():
    static = MicroNet('m0', dsm_cfg=dict(type='StaticShiftMax'))
    assert any(isinstance(m, StaticShiftMax) for m in static.modules())
    assert not any(isinstance(m, DynamicShiftMax) for m in static.modules())
    dyrelu = MicroNet('m0', dsm_cfg=dict(num_shifts=1))
    assert all(m.num_shifts == 1 for m in dyrelu.modules()
               if isinstance(m, DynamicShiftMax))
    with pytest.raises(ValueError, match='Shift-Max type'):
        MicroNet('m0', dsm_cfg=dict(type='Swish'))


def test_dynamic_shift_max_count_per_arch():
    # K=2 / K=1 Shift-Max counts of the released models
    expected = {'4m': (8, 7), 'm0': (8, 7), 'm1': (12, 9), 'm2': (11, 0)}
    for arch, (k2, k1) in expected.items():
        dsms = [m for m in MicroNet(arch).modules()
                if isinstance(m, DynamicShiftMax)]
        assert sum(m.num_fusions == 2 for m in dsms) == k2
        assert sum(m.num_fusions == 1 for m in dsms) == k1


def test_full_rank_twin_has_dense_convs():
    twin = MicroNet('m0', full_rank=True)
    convs = [m for m in twin.modules() if isinstance(m, torch.nn.Conv2d)]
    assert not any(m.kernel_size in ((5, 1), (1, 5)) for m in convs)
    assert all(m.groups in (1, m.in_channels) for m in convs)
    assert any(m.kernel_size == (5, 5) for m in convs)
    with torch.no_grad():
        out = twin.eval()(torch.rand(1, 3, 64, 64))
    assert out[0].shape == (1, 576, 2, 2)


def test_pretrained_init_cfg_with_prefix(tmp_path):
    source = MicroNet('4m')
    ckpt = {'state_dict': {f'backbone.{k}': v
                           for k, v in source.state_dict().items()}}
    ckpt['state_dict']['head.fc1.weight'] = torch.zeros(1)
    path = tmp_path / 'cls.pth'
    torch.save(ckpt, path)
    target = MicroNet('4m', init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    target.init_weights()
    for k, v in source.state_dict().items():
        assert torch.equal(v, target.state_dict()[k]), k


# ------------------------------------------------------------- truncate
OS16 = dict(strides=(2, 2, 2, 1), dilations=(1, 1, 1, 2))


def test_truncate_equals_full_network_and_drops_later_rows():
    full = MicroNet('m3', out_indices=(3, 12), **OS16).eval()
    trunk = MicroNet('m3', out_indices=(3, 12), truncate=True, **OS16).eval()
    missing, unexpected = trunk.load_state_dict(full.state_dict(),
                                                strict=False)
    assert not missing
    assert {k.split('.')[0] for k in unexpected} == {'layer13', 'layer14'}
    assert trunk.layer_names[-1] == 'layer12'
    assert not hasattr(trunk, 'layer13')
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        for a, b in zip(full(x), trunk(x)):
            torch.testing.assert_close(a, b)
    assert trunk.out_channels == [36, 180]
    assert sum(p.numel() for p in trunk.parameters()) < sum(
        p.numel() for p in full.parameters())


def test_truncate_keeps_all_rows_when_the_last_is_tapped():
    trunk = MicroNet('m0', out_indices=(2, 7), truncate=True, **OS16)
    assert trunk.layer_names == MicroNet('m0').layer_names


def test_truncate_rejects_freezing_dropped_rows():
    with pytest.raises(ValueError, match='frozen_stages.*truncate'):
        MicroNet('m0', out_indices=(2, 4), frozen_stages=5, truncate=True)


def test_registered_trunk_name_is_truncate():
    # configs written before ``truncate`` name the backbone MicroNetTrunk
    from micronet_mm.models.backbones.micronet_trunk import MicroNetTrunk
    trunk = MicroNetTrunk('m0', out_indices=(2, 4))
    assert trunk.layer_names[-1] == 'layer4'
    assert trunk.state_dict().keys() == MicroNet(
        'm0', out_indices=(2, 4), truncate=True).state_dict().keys()


# ---------------------------------------------------------- arch tables
def test_arch_module_imports_nothing_from_the_package():
    import ast
    import inspect

    from micronet_mm.models.backbones import micronet_arch
    tree = ast.parse(inspect.getsource(micronet_arch))
    imported = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or '.' for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported == {'dataclasses', 'typing'}


def test_arch_activation_names_are_the_layers_names():
    from micronet_mm.models import layers
    from micronet_mm.models.backbones import micronet_arch
    assert micronet_arch.ACTIVATIONS == layers.ACTIVATIONS
    assert micronet_arch.SQUEEZE_ACTIVATIONS == layers.SQUEEZE_ACTIVATIONS


def _regular(**overrides):
    from micronet_mm.models.backbones import RegularRow
    cfg = dict(kernel_size=3, stride=1, out_channels=16, expand_ratio=4,
               groups_in=4, groups_hidden=4, groups_out=4,
               groups_shift_out=4, act_in='relu6', act_mid='shift_max_k2',
               act_out='identity', reduction=16)
    cfg.update(overrides)
    return RegularRow(**cfg)


@pytest.mark.parametrize('overrides,match', [
    (dict(kernel_size=4), 'RegularRow.kernel_size must be odd'),
    (dict(stride=3), r'RegularRow.stride must be one of \(1, 2\)'),
    (dict(out_channels=0), 'RegularRow.out_channels must be an integer'),
    (dict(groups_in=2.0), 'RegularRow.groups_in must be an integer'),
    (dict(act_mid=2), 'RegularRow.act_mid must be one of'),
    (dict(act_out='relu6'), 'RegularRow.act_out must be one of'),
])
def test_row_fields_are_validated(overrides, match):
    with pytest.raises(ValueError, match=match):
        _regular(**overrides)


def test_custom_arch_from_dicts_builds_and_names_bad_rows():
    from micronet_mm.models.backbones import MicroNetArch
    lite = dict(block='A', kernel_size=3, multipliers=(2, 2),
                groups_hidden=2, groups_out=2, groups_shift_out=2,
                act_mid='shift_max_k2', act_out='shift_max_k1', reduction=8)
    regular = dict(block='C', kernel_size=3, expand_ratio=4, groups_in=4,
                   groups_hidden=4, groups_out=4, groups_shift_out=4,
                   act_in='relu6', act_mid='shift_max_k2',
                   act_out='identity', reduction=8)
    rows = [dict(lite, stride=2, out_channels=8),
            dict(regular, stride=2, out_channels=16),
            dict(regular, stride=2, out_channels=16),
            dict(regular, stride=2, out_channels=32),
            dict(block='E', out_channels=64, groups=4, act='shift_max_k1',
                 reduction=16)]
    arch = dict(stem_groups=(2, 2), rows=rows)
    model = MicroNet(arch, out_indices=(1, 2, 3, 4, 5)).eval()
    assert model.arch_name == 'custom'
    assert isinstance(model.arch, MicroNetArch)
    outs = model(torch.rand(1, 3, 64, 64))
    assert [o.shape[1:] for o in outs] == [(8, 16, 16), (16, 8, 8),
                                          (16, 4, 4), (32, 2, 2), (64, 2, 2)]
    # a hidden width the groups do not divide: the message names the row
    bad = [*rows[:3], dict(rows[3], groups_out=5), rows[4]]
    with pytest.raises(ValueError, match='row layer4: RegularRow.groups_out'):
        MicroNet(dict(arch, rows=bad))
    with pytest.raises(ValueError, match=r"unknown fields \['kernel'\]"):
        MicroNet(dict(arch, rows=[dict(rows[0], kernel=3), *rows[1:]]))
    with pytest.raises(ValueError, match='4 stride-2 rows'):
        MicroNet(dict(arch, rows=[*rows[:3], dict(rows[3], stride=1),
                                  rows[4]]))
    with pytest.raises(ValueError, match=r"unknown keys \['row'\]"):
        MicroNet(dict(stem_groups=(2, 2), row=rows))
