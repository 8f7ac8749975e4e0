"""MicroKeypointHead: structure, shapes, loss, predict and flip test."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.structures import PoseDataSample
from mmpose.testing import get_packed_inputs

import micronet_mm.pose  # noqa: F401  (registers the head)
from micronet_mm.models.backbones import MicroNet
from micronet_mm.models.heads.keypoint_head import MicroKeypointHead
from micronet_mm.models.layers import (
    DynamicShiftMax,
    MicroBlockC,
    SpatialAttention,
    StaticShiftMax,
)
from tests.helpers.grads import assert_learns

CODEC = dict(type='MSRAHeatmap', input_size=(192, 256),
             heatmap_size=(48, 64), sigma=2)
# flip pairs of COCO's 17 keypoints
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def _backbone():
    return MicroNet('m0', out_indices=(1, 2, 7), strides=(2, 2, 2, 1),
                    dilations=(1, 1, 1, 2))


def _head(**kwargs):
    kwargs.setdefault('in_channels', (8, 16, 576))
    kwargs.setdefault('channels', (32, 16))
    return MicroKeypointHead(decoder=CODEC, **kwargs)


def _feats(batch=2, h=64, w=48, channels=(8, 16, 576)):
    """Fake OS16 features of an (h, w) input."""
    torch.manual_seed(0)
    c4, c8, c16 = channels
    return (torch.randn(batch, c4, -(-h // 4), -(-w // 4)),
            torch.randn(batch, c8, -(-h // 8), -(-w // 8)),
            torch.randn(batch, c16, -(-h // 16), -(-w // 16)))


def test_structure_three_micro_blocks_with_spatial_attention():
    head = _head()
    blocks = list(head.blocks8) + list(head.blocks4)
    assert len(head.blocks8) == 1 and len(head.blocks4) == 2
    assert all(isinstance(b, MicroBlockC) for b in blocks)
    for block in blocks:
        # DY-ReLU spatial attention on the Shift-Max after the depthwise
        assert isinstance(block.act_mid, DynamicShiftMax)
        assert isinstance(block.act_mid.spatial, SpatialAttention)
    # stride-8 block narrows C8 -> C4, stride-4 blocks are residual
    assert not head.blocks8[0].use_residual
    assert all(b.use_residual for b in head.blocks4)
    assert head.final_layer.out_channels == 17
    assert head.final_layer.kernel_size == (1, 1)


def test_spatial_attention_changes_the_output():
    torch.manual_seed(0)
    head = _head().eval()
    feats = _feats(batch=1)
    with torch.no_grad():
        for m in head.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.weight.normal_(0, 0.3)
        ref = head(feats)
        for block in list(head.blocks8) + list(head.blocks4):
            block.act_mid.spatial = None
        plain = head(feats)
    assert not torch.allclose(ref, plain, atol=1e-6)


@pytest.mark.parametrize('h,w', [(256, 192), (250, 190), (97, 71)])
def test_shapes_with_a_real_backbone(h, w):
    backbone = _backbone().eval()
    head = _head().eval()
    x = torch.rand(1, 3, h, w)
    with torch.no_grad():
        feats = backbone(x)
        out = head(feats)
    # the heatmap has the size of the stride-4 feature, whatever rounding
    assert out.shape == (1, 17, *feats[0].shape[2:])
    if (h, w) == (256, 192):
        assert out.shape[2:] == (64, 48)


def test_default_init_starts_from_small_heatmaps():
    head = _head()
    head.init_weights()
    assert head.final_layer.weight.std() < 0.01
    assert torch.all(head.final_layer.bias == 0)


@pytest.mark.parametrize('kwargs,match', [
    (dict(in_channels=(16, 576)), 'three backbone features'),
    (dict(channels=(30, 16)), 'divisible by groups'),
    (dict(channels=(32, 20)), 'divisible by groups'),
    (dict(spatial_attention=('everywhere', )), 'spatial_attention'),
    (dict(dsm_cfg=dict(type='StaticShiftMax')), 'needs Dynamic'),
    (dict(num_blocks=(1, 0)), 'num_blocks'),
    (dict(expand_ratio=(6, 6, 6)), 'expand_ratio'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _head(**kwargs)


def test_static_shift_max_variant():
    head = _head(dsm_cfg=dict(type='StaticShiftMax'), spatial_attention=())
    assert isinstance(head.blocks4[0].act_mid, StaticShiftMax)
    assert head(_feats()).shape == (2, 17, 16, 12)


def test_forward_needs_three_features():
    with pytest.raises(ValueError, match='three backbone features'):
        _head()(_feats()[1:])


def test_loss_keys_and_values():
    inputs = get_packed_inputs(batch_size=2, with_reg_label=False,
                               with_simcc_label=False)
    head = _head()
    losses = head.loss(_feats(h=256, w=192), inputs['data_samples'])
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    assert losses['loss_kpt'].ndim == 0 and losses['loss_kpt'] > 0
    losses['loss_kpt'].backward()
    assert_learns(head.final_layer.weight)
    losses = head.loss(_feats(h=256, w=192), inputs['data_samples'],
                       train_cfg=dict(compute_acc=False))
    assert set(losses) == {'loss_kpt'}


def test_loss_rejects_targets_of_another_size():
    inputs = get_packed_inputs(batch_size=1, with_reg_label=False,
                               with_simcc_label=False)
    with pytest.raises(ValueError, match='heatmap_size'):
        _head().loss(_feats(batch=1, h=128, w=96), inputs['data_samples'])


def test_predict_without_and_with_heatmaps():
    inputs = get_packed_inputs(batch_size=2)
    head = _head().eval()
    with torch.no_grad():
        preds = head.predict(_feats(h=256, w=192), inputs['data_samples'])
        assert len(preds) == 2 and isinstance(preds[0], InstanceData)
        assert preds[0].keypoints.shape == (1, 17, 2)
        assert preds[0].keypoint_scores.shape == (1, 17)
        preds, fields = head.predict(
            _feats(h=256, w=192), inputs['data_samples'],
            test_cfg=dict(output_heatmaps=True))
    assert isinstance(fields[0], PixelData)
    assert fields[0].heatmaps.shape == (17, 64, 48)


def _samples_with_flip_indices(flip_indices, batch=1):
    sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
    return [sample] * batch


def _peaked(points, k=17, h=64, w=48):
    """Heatmaps (1, K, h, w) with one sharp peak per keypoint."""
    heatmaps = torch.zeros(1, k, h, w)
    for i, (x, y) in enumerate(points):
        heatmaps[0, i, y, x] = 1.0
    return heatmaps


class _ScriptedHead(MicroKeypointHead):
    """Returns given heatmaps for the original and flipped features."""

    def forward(self, feats):
        return feats[0]


@pytest.mark.parametrize('shift', [False, True])
def test_flip_test_undoes_the_flip_and_swaps_left_and_right(shift):
    """A model that is exactly flip-consistent (its output on the flipped
    crop is the mirrored, left/right-swapped output on the crop) must give
    the same keypoints with flip test as without. A predict that forgot the
    swap, the mirror or the shift would move the keypoints."""
    rng = np.random.default_rng(0)
    points = [(int(x), int(y)) for x, y in zip(
        rng.integers(4, 44, 17), rng.integers(4, 60, 17))]
    heatmaps = _peaked(points)
    # mirrored + swapped; with shift_heatmap mmpose assumes the flipped
    # output to be one heatmap pixel right of the exact mirror
    flipped = heatmaps[:, COCO_FLIP].flip(-1)
    if shift:
        flipped = torch.cat([flipped[..., :1] * 0, flipped[..., :-1]], -1)
    head = _ScriptedHead(in_channels=(8, 16, 576), channels=(32, 16),
                         decoder=CODEC).eval()
    samples = _samples_with_flip_indices(COCO_FLIP)
    ref = head.predict([heatmaps], samples)[0]
    test_cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=shift)
    out = head.predict([[heatmaps], [flipped]], samples, test_cfg)[0]
    np.testing.assert_allclose(out.keypoints, ref.keypoints)
    # without the left/right swap the ensemble is wrong
    wrong = _samples_with_flip_indices(list(range(17)))
    bad = head.predict([[heatmaps], [flipped]], wrong, test_cfg)[0]
    assert not np.allclose(bad.keypoint_scores, ref.keypoint_scores)


def test_flip_test_needs_flip_indices_and_two_feature_sets():
    head = _head().eval()
    feats = _feats(h=256, w=192)
    cfg = dict(flip_test=True)
    with pytest.raises(ValueError, match='feats_flipped'):
        head.predict(feats, _samples_with_flip_indices(COCO_FLIP), cfg)
    with pytest.raises(KeyError, match='flip_indices'):
        head.predict([feats, feats], [PoseDataSample()], cfg)


def test_registered_in_mmpose():
    from mmpose.registry import MODELS
    head = MODELS.build(dict(type='MicroKeypointHead',
                             in_channels=(8, 16, 576), channels=(32, 16)))
    assert isinstance(head, MicroKeypointHead)
