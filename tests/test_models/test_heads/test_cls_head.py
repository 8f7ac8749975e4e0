import pytest
import torch
from mmpretrain.structures import DataSample

from micronet_mm.models.heads.cls_head import MicroNetClsHead


def test_forward_shape_and_lower_bound():
    head = MicroNetClsHead(num_classes=10, in_channels=16, mid_channels=8)
    head.init_weights()
    head.eval()
    feats = (torch.randn(4, 16, 7, 5), )
    logits = head(feats)
    assert logits.shape == (4, 10)
    # BN1d + h-swish on the logits bounds them from below at -3/8
    assert logits.min() >= -0.375 - 1e-6
    assert head.pre_logits(feats).shape == (4, 8)


def test_loss_and_predict():
    head = MicroNetClsHead(num_classes=3, in_channels=8, mid_channels=8,
                           topk=(1, ))
    feats = (torch.randn(4, 8, 3, 3), )
    samples = [DataSample().set_gt_label(i % 3) for i in range(4)]
    losses = head.loss(feats, samples)
    assert set(losses) >= {'loss'} and losses['loss'] > 0
    head.eval()
    preds = head.predict(feats)
    assert len(preds) == 4 and preds[0].pred_score.shape == (3, )


def test_pre_logits_uses_relu6_before_pooling():
    head = MicroNetClsHead(num_classes=2, in_channels=1, mid_channels=2)
    head.eval()
    x = torch.full((1, 1, 2, 2), -5.0)
    y = torch.zeros(1, 1, 2, 2)
    torch.testing.assert_close(head((x, )), head((y, )))


def test_bad_num_classes():
    with pytest.raises(ValueError, match='num_classes'):
        MicroNetClsHead(num_classes=0, in_channels=8, mid_channels=8)
