"""MRASPPHead: shapes at any input size, the Micro-Factorized structure,
the global gate and clear errors."""
import math

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.models.decode_heads import LRASPPHead
from mmseg.structures import SegDataSample
from torch import nn

from micronet_mm.models.backbones import MicroNet
from micronet_mm.models.heads.mraspp_head import GlobalContextGate, MRASPPHead
from micronet_mm.models.layers import MicroFactorizedPointwise
from tests.helpers.grads import assert_learns
from tests.helpers.marks import sweep

OS16 = dict(strides=(2, 2, 2, 1), dilations=(1, 1, 1, 2))
# arch -> (taps, in_channels) as in configs/seg
TAPS = {
    'm0': ((2, 7), (16, 576)),
    'm1': ((3, 9), (24, 768)),
    'm2': ((3, 12), (24, 864)),
    'm3': ((3, 12), (36, 180)),
}


def _head(in_channels=(16, 576), **kwargs):
    cfg = dict(in_channels=in_channels, in_index=(0, 1), channels=32,
               low_channels=16, num_classes=19, norm_cfg=dict(type='BN'))
    cfg.update(kwargs)
    return MRASPPHead(**cfg)


@pytest.mark.parametrize('arch', sweep(sorted(TAPS), fast=('m0', )))
@pytest.mark.parametrize('size', [(64, 128), (100, 77), (72, 104), (33, 47),
                                  (17, 9)])
def test_output_shape_at_any_input_size(arch, size):
    taps, in_channels = TAPS[arch]
    backbone = MicroNet(arch, out_indices=taps, truncate=True,
                        **OS16).eval()
    head = _head(in_channels).eval()
    h, w = size
    with torch.no_grad():
        feats = backbone(torch.rand(1, 3, h, w))
        logits = head(feats)
    # the stride-8 and stride-16 maps round up like the strided convs
    assert feats[0].shape[2:] == (math.ceil(h / 8), math.ceil(w / 8))
    assert feats[1].shape[2:] == (math.ceil(h / 16), math.ceil(w / 16))
    assert logits.shape == (1, 19, math.ceil(h / 8), math.ceil(w / 8))
    assert torch.isfinite(logits).all()


def test_works_where_mmseg_lraspp_pooling_fails():
    """mmseg's LR-ASPP pools 49x49 windows; ours is global."""
    low, high = torch.rand(2, 16, 8, 16), torch.rand(2, 576, 4, 8)
    lraspp = LRASPPHead(in_channels=(16, 16, 576), in_index=(0, 1, 2),
                        channels=32, input_transform='multiple_select',
                        num_classes=19, branch_channels=(8, 8)).eval()
    with pytest.raises(RuntimeError):
        lraspp([torch.rand(2, 16, 32, 64), low, high])
    with torch.no_grad():
        assert _head().eval()([low, high]).shape == (2, 19, 8, 16)


def test_one_pixel_stride16_map_and_batch_independence():
    head = _head().eval()
    low, high = torch.rand(3, 16, 2, 2), torch.rand(3, 576, 1, 1)
    with torch.no_grad():
        batch = head([low, high])
        single = head([low[1:2], high[1:2]])
    assert batch.shape == (3, 19, 2, 2)
    torch.testing.assert_close(batch[1:2], single, rtol=1e-5, atol=1e-5)


def test_structure_is_lraspp_with_micro_factorized_convs():
    head = _head(in_channels=(24, 768), channels=192, low_channels=64,
                 mid_channels=(384, 32, 96), groups=(16, 4, 8))
    aspp = head.aspp
    assert (aspp.in_channels, aspp.mid_channels, aspp.out_channels,
            aspp.groups) == (768, 384, 192, 16)
    assert head.low.out_channels == 64
    assert head.fuse.in_channels == 192 + 64
    for name in ('aspp', 'low', 'fuse'):
        assert isinstance(getattr(head, name), MicroFactorizedPointwise)
    assert isinstance(head.gate, GlobalContextGate)
    # every spatial 1x1 conv is grouped; only the gate (on a 1x1 pooled
    # map) and the classifier are dense
    dense = {name for name, m in head.named_modules()
             if isinstance(m, nn.Conv2d) and m.groups == 1}
    assert dense == {'gate.conv', 'conv_seg'}
    assert head.conv_seg.in_channels == 192


def test_gate_is_global_channel_attention():
    gate = GlobalContextGate(8, 4)
    x = torch.rand(2, 8, 5, 7)
    g = gate(x)
    assert g.shape == (2, 4, 1, 1)
    assert ((g > 0) & (g < 1)).all()
    # a permutation of the pixels does not change the gate
    perm = x.flatten(2)[:, :, torch.randperm(35)].view_as(x)
    torch.testing.assert_close(gate(perm), g)


def test_gating_and_upsampling_path():
    """A gate of zero removes the stride-16 branch from the output."""
    head = _head(dropout_ratio=0.0).eval()
    low = torch.rand(1, 16, 6, 10)
    high_a, high_b = torch.rand(1, 576, 3, 5), torch.rand(1, 576, 3, 5)
    with torch.no_grad():
        head.gate.conv.bias.fill_(-1e4)  # sigmoid -> 0
        a, b = head([low, high_a]), head([low, high_b])
        torch.testing.assert_close(a, b)
        head.gate.conv.bias.fill_(0.0)
        assert not torch.allclose(head([low, high_a]), head([low, high_b]))


def test_loss_and_predict_contract():
    head = _head()
    low, high = torch.rand(2, 16, 8, 8), torch.rand(2, 576, 4, 4)
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 19, (1, 64, 64)))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    losses = head.loss([low, high], samples, dict())
    assert losses['loss_ce'] > 0 and 'acc_seg' in losses
    losses['loss_ce'].backward()
    assert_learns(head.aspp.squeeze.conv.weight, head.gate.conv.weight)
    head.eval()
    out = head.predict([low, high], [s.metainfo for s in samples], dict())
    assert out.shape == (2, 19, 64, 64)


@pytest.mark.parametrize('kwargs,match', [
    (dict(input_transform='resize_concat'), 'multiple_select'),
    (dict(in_channels=(16, 32, 576), in_index=(0, 1, 2)), 'exactly two'),
    (dict(mid_channels=(30, None, None), groups=4), 'aspp branch'),
    (dict(groups=(None, None, 7)), 'fuse branch'),
    (dict(groups=(1, 2)), 'groups'),
    (dict(low_channels=0), 'low_channels'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _head(**kwargs)


def test_swapped_taps_are_reported():
    head = _head(in_channels=(576, 16))
    with pytest.raises(ValueError, match='out_indices'):
        head([torch.rand(1, 576, 4, 4), torch.rand(1, 16, 8, 8)])
    with pytest.raises(ValueError, match='576'):
        _head()([torch.rand(1, 16, 8, 8), torch.rand(1, 96, 4, 4)])
