"""fuse(model): inference form equal to the training form."""
import copy

import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from micronet_mm.deploy import (
    DeployConv2d,
    DeployGather,
    DeploySequential,
    DeployShiftMax,
    FusePolicy,
    fuse,
    policy_for,
)
from micronet_mm.deploy.compiler import shift_max_in_order
from micronet_mm.deploy.graph import ConvOp, inverse_permutation
from micronet_mm.deploy.lower import (
    conv_forward,
    lower_separable,
    merge_separable,
)
from micronet_mm.models.backbones import MicroNet
from micronet_mm.models.layers import (
    ChannelPermutation,
    DynamicShiftMax,
    MicroBlockC,
    MicroFactorizedDepthwise,
    MicroFactorizedPointwise,
    MicroStem,
    SpatialSeparableConv,
    StaticShiftMax,
)
from micronet_mm.utils.numerics import max_relative_error
from tests.helpers.marks import sweep

from .helpers import randomize_

ARCHS = ('4m', 'm0', 'm1', 'm2', 'm3')
BACKENDS = ('torch', 'onnxruntime')
OUTPUT_STRIDES = {
    32: ((2, 2, 2, 2), (1, 1, 1, 1)),
    16: ((2, 2, 2, 1), (1, 1, 1, 2)),
    8: ((2, 2, 1, 1), (1, 1, 2, 4)),
}
TOL = 1e-4


def _backbone(arch, output_stride=32, **kwargs):
    strides, dilations = OUTPUT_STRIDES[output_stride]
    model = MicroNet(arch, strides=strides, dilations=dilations, **kwargs)
    return randomize_(model).eval()


@pytest.mark.parametrize('output_stride', sorted(OUTPUT_STRIDES))
@pytest.mark.parametrize('arch', sweep(ARCHS, fast=('m0', )))
def test_backbone_equal_every_arch_and_output_stride(arch, output_stride):
    # every layer returned: the logical channel order must be restored at
    # each of them, not only at the end; non-square, odd-sized input
    model = _backbone(arch, output_stride, out_indices=range(
        len(MicroNet.arch_settings[arch].rows) + 1))
    x = torch.randn(2, 3, 45, 62)
    with torch.no_grad():
        expected = model(x)
        for backend in BACKENDS:
            actual = fuse(model, backend=backend)(x)
            assert max_relative_error(expected, actual) < TOL, backend


@pytest.mark.parametrize('arch,out_indices', [('m2', (1, 3, -1)),
                                              ('m3', (3, -1)),
                                              ('m1', (2, 5, -1)),
                                              ('m0', (-1, ))])
def test_channel_orders_between_returned_layers(arch, out_indices):
    # between returned features the rows pass permuted channel orders on;
    # a residual row that is returned must get its input in logical order
    # (layer 3 of m2/m3 is a residual 'B' row)
    model = _backbone(arch, 16, out_indices=out_indices)
    x = torch.randn(2, 3, 40, 56)
    with torch.no_grad():
        expected = model(x)
        for backend in BACKENDS:
            actual = fuse(model, backend=backend)(x)
            assert max_relative_error(expected, actual) < TOL, backend


def test_residual_chain_with_conflicting_orders():
    # compiler safety net: a residual chain whose input arrives in one
    # order but whose output is required in another
    from micronet_mm.deploy.compiler import ChainCompiler
    from micronet_mm.deploy.lower import lower_block_c
    block = randomize_(
        MicroBlockC(16, 64, 16, 3, groups_in=4, groups_hidden=4,
                    groups_out=4, groups_shift_out=4),
        channels=16).eval()
    assert block.use_residual
    order = torch.randperm(16, generator=torch.Generator().manual_seed(0))
    for backend in BACKENDS:
        module, out = ChainCompiler(policy_for(backend)).compile(
            lower_block_c(block), order, torch.arange(16))
        assert torch.equal(out, torch.arange(16))
        x = torch.randn(2, 16, 9, 11)
        with torch.no_grad():
            assert max_relative_error(block(x), module(x[:, order])) < TOL


def test_fused_form_is_inference_only():
    model = _backbone('m1')
    fused = fuse(model)
    kinds = {type(m) for m in fused.modules()}
    assert not any(issubclass(k, _BatchNorm) for k in kinds)
    assert ChannelPermutation not in kinds
    assert DynamicShiftMax not in kinds
    assert DeployShiftMax in kinds
    assert not any(p.requires_grad for p in fused.parameters())
    assert not fused.training
    # factorised pairs merged: every spatial conv is square
    for module in fused.modules():
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            assert kh == kw


def test_permutations_are_folded_not_gathered_at_boundaries():
    # 12 rows, 34 shuffles (31 copies in the training form), folded into
    # conv weights and Shift-Max indices. A grouped 1x1 conv cannot absorb
    # a group-mixing shuffle, so while the convs stay grouped one gather is
    # left per mixing point: at most two per row (into the squeeze, into
    # the next row's expansion)
    model = _backbone('m2')
    copies = sum(1 for m in model.modules()
                 if isinstance(m, ChannelPermutation) and m.groups)
    for backend in BACKENDS:
        fused = fuse(model, backend=backend)
        gathers = [m for m in fused.modules() if isinstance(m, DeployGather)]
        assert len(gathers) <= 2 * (len(model.layer_names) - 1) < copies
        if backend == 'torch':
            dense = fuse(model, backend='torch', dense_absorb_macs=10**9)
            assert not any(
                isinstance(m, DeployGather) for m in dense.modules())
            x = torch.randn(1, 3, 64, 64)
            with torch.no_grad():
                assert max_relative_error(model(x), dense(x)) < TOL


def test_training_form_untouched():
    model = _backbone('m0').train()
    state = copy.deepcopy(model.state_dict())
    kinds = [type(m) for m in model.modules()]
    flags = [p.requires_grad for p in model.parameters()]
    fuse(model)
    assert model.training
    assert [type(m) for m in model.modules()] == kinds
    assert [p.requires_grad for p in model.parameters()] == flags
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    # still trains: BN uses batch statistics and gradients flow
    out = model(torch.randn(2, 3, 32, 32))[-1]
    out.mean().backward()
    assert all(p.grad is not None for p in model.parameters()
               if p.requires_grad)


@pytest.mark.parametrize('k,stride,dilation,mult,width', [
    (3, 1, 1, (1, 1), 9),
    (5, 1, 1, (1, 1), 11),
    (5, 2, 1, (1, 1), 12),
    (5, 2, 1, (1, 1), 13),
    (3, 2, 1, (2, 2), 15),
    (5, 1, 2, (1, 1), 14),
    (3, 1, 4, (2, 1), 17),
])
def test_merged_depthwise_border_correction(k, stride, dilation, mult,
                                            width):
    layer = randomize_(
        MicroFactorizedDepthwise(
            6, k, stride=stride, dilation=dilation, multipliers=mult),
        channels=6).eval()
    x = torch.randn(2, 6, 10, width)
    merged = lower_separable(layer, merge=True)
    assert len(merged) == 1 and merged[0].edge is not None
    with torch.no_grad():
        expected = layer(x)
        actual = conv_forward(merged[0], x)
        assert max_relative_error(expected, actual) < TOL
        # without the correction the border columns are wrong and only
        # they are: the inner bias meets the zero padding there
        plain = copy.copy(merged[0])
        plain.edge = None
        wrong = conv_forward(plain, x)
    diff = (wrong - expected).abs().amax((0, 1, 2))
    pad = (k // 2) * dilation
    assert diff.max() > 1e-2
    border = torch.zeros_like(diff, dtype=torch.bool)
    n_left = -(-pad // stride)
    border[:n_left] = True
    # right border: output columns whose last tap passes the input width
    last_tap = torch.arange(diff.numel()) * stride - pad + (k - 1) * dilation
    border |= last_tap > width - 1
    assert torch.all(diff[~border] < 1e-5)
    assert torch.all(diff[border] > 0)


def test_merged_stem_groups_and_deploy_module_match():
    stem = randomize_(MicroStem((4, 3))).eval()
    x = torch.randn(1, 3, 31, 46)
    for backend in BACKENDS:
        fused = fuse(stem, backend=backend)
        assert isinstance(fused, DeploySequential)
        with torch.no_grad():
            assert max_relative_error(stem(x), fused(x)) < TOL


def test_merge_separable_rejects_non_pairs():
    op = ConvOp(torch.randn(4, 1, 3, 3), None, groups=4)
    with pytest.raises(Exception, match='pair'):
        merge_separable(op, op)


@pytest.mark.parametrize('num_fusions,num_shifts,spatial',
                         [(2, 2, False), (1, 2, False), (2, 1, False),
                          (2, 3, False), (2, 2, True)])
def test_shift_max_in_any_physical_order(num_fusions, num_shifts, spatial):
    # the rebuilt Shift-Max reads x stored as x[:, order] and writes its
    # output in the same order: no data moves to undo a permutation
    dsm = randomize_(
        DynamicShiftMax(
            24, 4, num_fusions=num_fusions, num_shifts=num_shifts,
            init_a=(1.0, 0.5), init_b=(0.0, 0.5),
            spatial_attention=spatial),
        channels=24).eval()
    order = torch.randperm(24, generator=torch.Generator().manual_seed(3))
    deployed = shift_max_in_order(dsm, order)
    x = torch.randn(2, 24, 5, 7)
    with torch.no_grad():
        expected = dsm(x)[:, order]
        actual = deployed(x[:, order])
    assert max_relative_error(expected, actual) < TOL
    # a wrong conjugation (shift index not moved) is caught
    if num_shifts > 1:
        deployed.shift_index1.copy_(
            dsm.shift_index1[order].clone())
        with torch.no_grad():
            assert max_relative_error(expected,
                                      deployed(x[:, order])) > 1e-3


def test_static_shift_max_and_dsm_variants_in_backbone():
    for dsm_cfg in (dict(type='StaticShiftMax'), dict(num_shifts=1),
                    dict(spatial_attention=True)):
        model = _backbone('4m', dsm_cfg=dsm_cfg)
        for backend in BACKENDS:
            fused = fuse(model, backend=backend)
            x = torch.randn(1, 3, 40, 24)
            with torch.no_grad():
                assert max_relative_error(model(x), fused(x)) < TOL, dsm_cfg


def test_full_rank_twin_and_float64_exactness():
    # dense 1x1 and k x k depthwise convs (mutual learning's partner). With
    # these random weights float32 rounding of the training form itself
    # reaches ~4e-5, so exactness is shown in float64, where the rewrite
    # must agree to rounding level
    model = _backbone('m0', full_rank=True).double()
    fused = fuse(model)
    assert next(fused.parameters()).dtype == torch.float64
    x = torch.randn(1, 3, 48, 40, dtype=torch.float64)
    with torch.no_grad():
        assert max_relative_error(model(x), fused(x)) < 1e-10


def test_generic_modules_anywhere_in_a_model():
    # layers outside a MicroNet (as a head would use them) are rewritten
    # by type, wherever they sit
    model = nn.Sequential(
        ConvModule(3, 24, 3, padding=1, norm_cfg=dict(type='BN'),
                   act_cfg=dict(type='ReLU')),
        MicroBlockC(24, 96, 24, 5, groups_in=4, groups_hidden=4,
                    groups_out=4, groups_shift_out=4),
        ChannelPermutation(24, (4, 2)),
        StaticShiftMax(24, 6),
        nn.ModuleList([MicroFactorizedPointwise(24, 32)]),
        SpatialSeparableConv(32, 32, 32, 3, groups=(32, 32)),
    )

    def run(m, x):
        for i in range(4):
            x = m[i](x)
        x = m[4][0](x)
        return m[5](x)

    randomize_(model, forward=run).eval()
    fused = fuse(model)
    assert not any(isinstance(m, _BatchNorm) for m in fused.modules())

    x = torch.randn(2, 3, 17, 22)
    with torch.no_grad():
        assert max_relative_error(run(model, x), run(fused, x)) < TOL


def test_layers_that_cannot_be_folded_stay_exact():
    # GroupNorm cannot be folded into a conv: those layers keep their
    # training form (Shift-Max and shuffles inside still rewritten)
    model = randomize_(MicroNet('4m', norm_cfg=dict(type='GN',
                                                     num_groups=1))).eval()
    fused = fuse(model)
    assert any(isinstance(m, nn.GroupNorm) for m in fused.modules())
    x = torch.randn(1, 3, 40, 56)
    with torch.no_grad():
        assert max_relative_error(model(x), fused(x)) < TOL


def test_switch_to_deploy_hook_is_called():

    class Head(nn.Module):

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 1)
            self.deployed = False

        def switch_to_deploy(self):
            self.deployed = True

        def forward(self, x):
            return self.conv(x)

    model = nn.Sequential(_backbone('4m'), Head())
    fused = fuse(model)
    assert fused[1].deployed and not model[1].deployed


def test_unknown_options_and_backend_are_refused():
    model = MicroNet('4m')
    with pytest.raises(TypeError, match='unknown fuse options'):
        fuse(model, merge=True)
    with pytest.raises(ValueError, match='backend'):
        fuse(model, backend='tensorrt')
    with pytest.raises(TypeError, match='nn.Module'):
        fuse('model')
    assert policy_for('onnxruntime').merge_depthwise == 'no-edge-grouped'
    with pytest.raises(ValueError, match='merge_depthwise'):
        FusePolicy(merge_depthwise='sometimes')


def test_deploy_conv_cache_follows_width_and_export_path():
    layer = randomize_(MicroFactorizedDepthwise(8, 5), channels=8).eval()
    fused = fuse(layer)
    conv = [m for m in fused.modules() if isinstance(m, DeployConv2d)][0]
    assert conv.edge is not None
    with torch.no_grad():
        for width in (9, 12, 9, 30):
            x = torch.randn(1, 8, 6, width)
            assert max_relative_error(layer(x), fused(x)) < TOL
        # the graph path (used while tracing) computes the same correction
        traced = torch.jit.trace(fused, torch.randn(1, 8, 6, 11))
        x = torch.randn(1, 8, 6, 11)
        assert max_relative_error(layer(x), traced(x)) < TOL


def test_inverse_permutation():
    p = torch.randperm(17)
    assert torch.equal(p[inverse_permutation(p)], torch.arange(17))
