import pytest
import torch
import torch.nn.functional as F

from micronet_mm.models.layers import (
    DynamicShiftMax,
    MicroBlockC,
    StaticShiftMax,
    group_shift_index,
    make_divisible,
)


def test_shift_index_rotates_group_and_channel():
    # channel c = j * gc + k reads ((j + 1) % g) * gc + (k + 1) % gc
    assert group_shift_index(8, 2).tolist() == [5, 6, 7, 4, 1, 2, 3, 0]
    idx = group_shift_index(24, 4)
    for c in range(24):
        j, k = divmod(c, 6)
        assert idx[c] == ((j + 1) % 4) * 6 + (k + 1) % 6
    # the J-th shift applies the first one J times
    once = group_shift_index(24, 4)
    assert torch.equal(group_shift_index(24, 4, 2), once[once])


@pytest.mark.parametrize('channels,reduction,expected', [(8, 4, 4),
                                                         (48, 8, 8),
                                                         (96, 8, 12),
                                                         (384, 16, 24),
                                                         (144, 8, 20)])
def test_squeeze_width_follows_official_rounding(channels, reduction,
                                                 expected):
    layer = DynamicShiftMax(channels, 4, reduction=reduction)
    assert layer.fc[0].out_features == expected
    assert make_divisible(channels // reduction, 4) == expected


def _randomize(layer, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)


def test_formula_k2_j2_against_explicit_loops():
    torch.manual_seed(0)
    layer = DynamicShiftMax(8, 2, num_fusions=2, num_shifts=2, reduction=2,
                            init_a=(1.0, 0.5), init_b=(0.0, 0.5))
    _randomize(layer)
    x = torch.randn(3, 8, 5, 4)
    out = layer(x)
    # independent computation from the definition
    z = layer.fc(x.mean((2, 3)))
    coef = (F.relu6(z + 3) / 6 - 0.5) * 4  # h_sigmoid scaled to [-2, 2]
    assert coef.abs().max() <= 2.0 + 1e-6
    a1, b1, a2, b2 = coef.split(8, dim=1)
    a1, b1, a2, b2 = a1 + 1.0, b1 + 0.0, a2 + 0.5, b2 + 0.5
    idx = [5, 6, 7, 4, 1, 2, 3, 0]
    expected = torch.empty_like(x)
    for n in range(3):
        for c in range(8):
            y1 = a1[n, c] * x[n, c] + b1[n, c] * x[n, idx[c]]
            y2 = a2[n, c] * x[n, c] + b2[n, c] * x[n, idx[c]]
            expected[n, c] = torch.maximum(y1, y2)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def test_j1_k2_is_dynamic_relu():
    """DY-ReLU-B: y = max_k(alpha_k(x) * x + beta_k(x)); DSM with J=1 is it
    with zero intercepts, and with init (1, 0) it starts as ReLU."""
    layer = DynamicShiftMax(16, 4, num_fusions=2, num_shifts=1,
                            reduction=4, init_a=(1.0, 0.0))
    _randomize(layer, seed=1)
    x = torch.randn(2, 16, 6, 6)
    theta = layer.fc(x.mean((2, 3)))
    alpha = (F.hardsigmoid(theta) - 0.5) * 4
    alpha1 = alpha[:, :16, None, None] + 1.0
    alpha2 = alpha[:, 16:, None, None] + 0.0
    dyrelu = torch.maximum(alpha1 * x, alpha2 * x)
    torch.testing.assert_close(layer(x), dyrelu, rtol=1e-5, atol=1e-6)
    assert not hasattr(layer, 'shift_index1')

    fresh = DynamicShiftMax(16, 4, num_fusions=2, num_shifts=1,
                            init_a=(1.0, 0.0))
    with torch.no_grad():  # hyper-function output 0 -> coefficients (1, 0)
        fresh.fc[2].weight.zero_()
        fresh.fc[2].bias.zero_()
    torch.testing.assert_close(fresh(x), F.relu(x))


def test_k1_is_linear_fusion_and_output_shape():
    layer = DynamicShiftMax(12, 3, num_fusions=1, num_shifts=2,
                            init_a=(1.0, ), init_b=(0.0, ))
    with torch.no_grad():
        layer.fc[2].weight.zero_()
        layer.fc[2].bias.zero_()
    x = torch.randn(2, 12, 7, 3)
    torch.testing.assert_close(layer(x), x)  # starts as identity


def test_static_variant_matches_fresh_dynamic_and_learns():
    dynamic = DynamicShiftMax(8, 2, init_a=(1.0, 0.5), init_b=(0.0, 0.5))
    with torch.no_grad():
        dynamic.fc[2].weight.zero_()
        dynamic.fc[2].bias.zero_()
    static = StaticShiftMax(8, 2, init_a=(1.0, 0.5), init_b=(0.0, 0.5))
    x = torch.randn(2, 8, 4, 4)
    torch.testing.assert_close(static(x), dynamic(x))
    static(x).sum().backward()
    assert static.weight.grad is not None and static.weight.grad.abs().sum()


def test_spatial_attention_scales_output_into_unit_range():
    layer = DynamicShiftMax(8, 2, spatial_attention=True)
    layer.eval()
    x = torch.randn(2, 8, 5, 7)  # non-square
    plain = layer.fuse(x, layer.coefficients(x))
    attention = layer.spatial(x)
    assert attention.shape == (2, 1, 5, 7)
    assert attention.min() >= 0 and attention.max() <= 1
    torch.testing.assert_close(layer(x), plain * attention)


def test_micro_block_takes_spatial_attention_sites():
    block = MicroBlockC(8, 32, 8, 3, groups_in=4, groups_hidden=4,
                        groups_out=4, groups_shift_out=4,
                        spatial_attention=('in', 'out'))
    assert block.act_in.spatial is not None
    assert block.act_mid.spatial is None
    assert block.act_out.spatial is not None
    with pytest.raises(ValueError, match="needs a Shift-Max, not 'relu6'"):
        MicroBlockC(8, 32, 8, 3, act_in='relu6', spatial_attention=('in', ))
    with pytest.raises(ValueError, match='act_mid must be one of'):
        MicroBlockC(8, 32, 8, 3, act_mid='identity')


def test_invalid_arguments_are_named():
    with pytest.raises(ValueError, match=r'channels \(10\).*groups \(4\)'):
        DynamicShiftMax(10, 4)
    with pytest.raises(ValueError, match='init_a'):
        DynamicShiftMax(8, 2, num_fusions=3, init_a=(1.0, 0.0))
    with pytest.raises(ValueError, match='K=0'):
        DynamicShiftMax(8, 2, num_fusions=0)


def test_bf16_autocast_keeps_coefficients_bounded():
    """Under CPU bf16 autocast the coefficients stay in
    offset +- coef_range whatever the input scale, so the output is bounded
    by (1 + J * (|offset| + range)) * max|x| and never overflows."""
    layer = DynamicShiftMax(16, 4, init_a=(1.0, 0.5), init_b=(0.0, 0.5))
    _randomize(layer, seed=2)
    x = torch.randn(2, 16, 8, 8) * 1e4
    with torch.autocast('cpu', dtype=torch.bfloat16):
        coefs = layer.coefficients(x)
        out = layer(x)
    offsets = layer.coef_offset
    assert torch.all((coefs - offsets).abs() <= 2.0 + 1e-2)
    assert torch.isfinite(out).all()
    bound = 2 * (1.0 + 2.0) * x.abs().max()
    assert out.abs().max() <= bound * 1.01
    ref = layer(x)
    rel = ((out.float() - ref).norm() / ref.norm()).item()
    assert rel < 0.05
