import torch
from mmpretrain.structures import DataSample

from micronet_mm.models.classifiers.mutual_learning import kl_to_partner
from micronet_mm.utils.config import build_in_scope
from tests.helpers.grads import assert_learns


def _build(**kwargs):
    cfg = dict(
        type='MutualLearningClassifier',
        backbone=dict(type='MicroNet', arch='4m'),
        head=dict(type='MicroNetClsHead', num_classes=4, in_channels=384,
                  mid_channels=32, dropout_ratio=0.0),
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=4),
        **kwargs)
    return build_in_scope(cfg, 'mmpretrain')


def test_partner_is_full_rank_and_losses_present():
    model = _build(kl_weight=0.5, temperature=2.0)
    convs = [m for m in model.partner_backbone.modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert all(m.groups in (1, m.in_channels) for m in convs)
    assert any(m.groups == 1 and m.kernel_size == (1, 1)
               and m.in_channels > 1 for m in convs)
    inputs = torch.randn(2, 3, 64, 64)
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    losses = model.loss(inputs, samples)
    assert {'loss', 'loss_partner', 'loss_kl', 'loss_partner_kl'} <= set(
        losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    # gradients reach both networks
    assert_learns(model.backbone.layer1.conv_out.conv.weight,
                  model.partner_backbone.layer1.conv_out.conv.weight)
    # test time uses the MicroNet only
    model.eval()
    with torch.no_grad():
        out = model(inputs, mode='tensor')
        ref = model.head(model.backbone(inputs))
    torch.testing.assert_close(out, ref)


def test_kl_term_zero_iff_predictions_agree():
    a = torch.randn(5, 7)
    assert kl_to_partner(a, a.clone(), 2.0).abs() < 1e-6
    assert kl_to_partner(a, torch.randn(5, 7), 2.0) > 0
    # the partner is a fixed target: no gradient flows into it
    b = torch.randn(5, 7, requires_grad=True)
    kl_to_partner(a.requires_grad_(), b, 1.0).backward()
    assert b.grad is None
