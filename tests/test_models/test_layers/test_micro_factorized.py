import math

import pytest
import torch
import torch.nn.functional as F

from micronet_mm.models.layers import (
    MicroFactorizedDepthwise,
    MicroFactorizedPointwise,
    MicroStem,
    adaptive_groups,
)


def _block_diagonal(conv):
    """Dense (out, in) matrix of a grouped 1x1 conv."""
    weight = conv.weight.detach()[:, :, 0, 0]
    out_per = weight.shape[0] // conv.groups
    return torch.block_diag(*weight.split(out_per))


def factors(layer):
    """Dense ``P`` (C_out x M), ``Phi`` (M x M), ``Q`` (C_in x M) of a
    MicroFactorizedPointwise; with ``norm_cfg=None`` the layer computes
    ``W = P @ Phi @ Q.T`` (plus biases)."""
    q = _block_diagonal(layer.squeeze.conv).t()
    p = _block_diagonal(layer.expand.conv)
    phi = torch.eye(layer.mid_channels)[layer.shuffle.index]
    return p, phi, q


@pytest.mark.parametrize('cin,cout,mid', [(64, 64, 16), (32, 48, 16),
                                          (96, 24, 36)])
def test_pointwise_equals_p_phi_qt(cin, cout, mid):
    layer = MicroFactorizedPointwise(cin, cout, mid, norm_cfg=None)
    p, phi, q = factors(layer)
    g = layer.groups
    assert g == adaptive_groups(mid, cin, cout)
    # the factors are block-diagonal / a permutation, as in the paper
    assert p.shape == (cout, mid) and q.shape == (cin, mid)
    assert torch.equal(phi @ phi.t(), torch.eye(mid))
    block_mask = torch.block_diag(*[torch.ones(cout // g, mid // g)] * g)
    assert torch.all(p[block_mask == 0] == 0)
    dense = p @ phi @ q.t()
    x = torch.randn(2, cin, 5, 3)
    expected = torch.einsum('oi,nihw->nohw', dense, x)
    expected = expected + layer.expand.conv.bias.view(1, -1, 1, 1) + \
        torch.einsum('om,m->o', p @ phi,
                     layer.squeeze.conv.bias).view(1, -1, 1, 1)
    torch.testing.assert_close(layer(x), expected, rtol=1e-4, atol=1e-5)


def test_group_adaptive_choice_gives_full_connectivity():
    # G = sqrt(C/R): every output reaches every input through one path
    layer = MicroFactorizedPointwise(64, 64, 16, norm_cfg=None)
    assert layer.groups == 4 == math.isqrt(16)
    p, phi, q = (f.abs() > 0 for f in factors(layer))
    paths = p.float() @ phi.float() @ q.float().t()
    assert torch.all(paths == 1)
    # too many groups leave some input/output pairs unconnected
    sparse = MicroFactorizedPointwise(64, 64, 16, groups=8, norm_cfg=None)
    p, phi, q = (f.abs() > 0 for f in factors(sparse))
    assert (p.float() @ phi.float() @ q.float().t() == 0).any()


def _rank1_depthwise(layer, x, stride, dilation):
    """The pair as one k x k grouped conv whose kernels are outer products."""
    wv = layer.conv_v.conv.weight  # (C*m1, 1, k, 1)
    wh = layer.conv_h.conv.weight  # (C*m1*m2, 1, 1, k)
    m2 = wh.shape[0] // wv.shape[0]
    kernel = wv.repeat_interleave(m2, 0) * wh  # (C*m1*m2, 1, k, k)
    k = wv.shape[2]
    assert torch.linalg.matrix_rank(kernel[0, 0]) <= 1
    return F.conv2d(x, kernel, stride=stride, padding=dilation * (k // 2),
                    dilation=dilation, groups=layer.in_channels)


@pytest.mark.parametrize('k,stride,dilation,mult', [(3, 1, 1, (1, 1)),
                                                    (5, 2, 1, (1, 1)),
                                                    (3, 2, 1, (2, 2)),
                                                    (5, 1, 2, (1, 1)),
                                                    (3, 1, 4, (2, 2))])
def test_depthwise_equals_rank1_kernel(k, stride, dilation, mult):
    layer = MicroFactorizedDepthwise(6, k, stride, dilation, mult,
                                     norm_cfg=None)
    x = torch.randn(2, 6, 13, 10)
    out = layer(x)
    assert out.shape[1] == 6 * mult[0] * mult[1]
    torch.testing.assert_close(
        out, _rank1_depthwise(layer, x, stride, dilation), rtol=1e-4,
        atol=1e-5)


def test_stem_shape_and_shuffle():
    stem = MicroStem((4, 3)).eval()
    out = stem(torch.randn(1, 3, 34, 50))
    assert out.shape == (1, 12, 17, 25)
    assert out.min() >= 0 and out.max() <= 6
