"""The toy-set benchmarks' first peers train through mmseg / mmpose: the
paper's LR-ASPP baseline (benchmarks/peers.py) and RTMPose-t."""
import importlib.util

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.structures import PixelData

from benchmarks import pose_benchmark, seg_benchmark
from benchmarks.peers import (
    MobileNetV3SmallLRASPP,
    TorchvisionLRASPPHead,
    add_ratios,
)
from micronet_mm.datasets.synthetic.coco_keypoints import (
    generate_synthetic_coco_keypoints,
)


def _build(scope, cfg):
    from mmengine.registry import MODELS
    init_default_scope(scope)
    with DefaultScope.overwrite_default_scope(scope):
        # ConfigDict as the runner passes it (segmentors read test_cfg.mode)
        return MODELS.build(ConfigDict(cfg))


def _snapshot(module):
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def _changed(before, module, prefix):
    return [
        k for k, v in module.named_parameters()
        if k.startswith(prefix) and not torch.equal(v, before[k])
    ]


def test_paper_lraspp_trains_and_predicts_through_mmseg():
    """One train step with the toy recipe's preprocessor and optimizer
    moves the backbone and both classifiers; the prediction has the
    image size."""
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    recipe = Config.fromfile(seg_benchmark.SYNTH_CONFIG)
    model_cfg = seg_benchmark.model_dict(seg_benchmark.PAPER_PEER)
    model_cfg['data_preprocessor'] = recipe.model.data_preprocessor
    model = _build('mmseg', model_cfg)
    assert type(model.backbone).__name__ == 'TorchvisionMobileNetV3Small'
    assert isinstance(model.decode_head, TorchvisionLRASPPHead)
    assert not hasattr(model.decode_head, 'conv_seg')

    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(
            img_shape=(64, 128), ori_shape=(64, 128), pad_shape=(64, 128)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 19, (1, 64, 128)))
        samples.append(sample)
    batch = dict(
        inputs=[torch.randint(0, 256, (3, 64, 128), dtype=torch.uint8)
                for _ in samples],
        data_samples=samples)
    optim = build_optim_wrapper(model, recipe.optim_wrapper)
    before = _snapshot(model)
    model.train()
    log = model.train_step(batch, optim)
    assert torch.isfinite(log['loss']) and log['loss'] > 0
    for prefix in ('backbone.features.0.', 'decode_head.lraspp.cbr.',
                   'decode_head.lraspp.scale.',
                   'decode_head.lraspp.low_classifier.',
                   'decode_head.lraspp.high_classifier.'):
        assert _changed(before, model, prefix), prefix

    model.eval()
    with torch.no_grad():
        logits = model(model.data_preprocessor(batch)['inputs'],
                       mode='tensor')
        pred = model.val_step(batch)
    assert logits.shape == (2, 19, 8, 16)  # stride 8
    assert pred[0].pred_sem_seg.data.shape == (1, 64, 128)


def test_mmseg_paper_lraspp_is_the_latency_benchmarks_network():
    """Same weights -> same stride-8 logits as the module that
    benchmarks/latency.py times, also for sizes not divisible by 16."""
    torch.manual_seed(0)
    reference = MobileNetV3SmallLRASPP().eval()
    model = _build('mmseg',
                   seg_benchmark.model_dict(seg_benchmark.PAPER_PEER)).eval()
    model.backbone.load_state_dict(reference.backbone.state_dict())
    model.decode_head.lraspp.load_state_dict(reference.head.state_dict())
    x = torch.rand(1, 3, 70, 90)
    with torch.no_grad():
        expected = reference(x)
        got = model(x, mode='tensor')
    assert got.shape == expected.shape == (1, 19, 9, 12)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_torchvision_lraspp_head_refuses_mmseg_norm_and_act():
    with pytest.raises(ValueError, match='norm_cfg'):
        TorchvisionLRASPPHead(in_channels=(24, 288), in_index=(0, 1),
                              channels=128, num_classes=19,
                              norm_cfg=dict(type='SyncBN'))
    with pytest.raises(ValueError, match='two features'):
        TorchvisionLRASPPHead(in_channels=(16, 24, 288), in_index=(0, 1, 2),
                              channels=128, num_classes=19)


def test_rtmpose_t_trains_through_mmpose_on_the_generated_set(tmp_path):
    """RTMPose-t from mmpose's config, with its SimCC codec and its own
    training pipeline on the generated set, at the benchmark's reduced
    input size: one train step moves backbone and head."""
    from mmpose.registry import DATASETS
    root = tmp_path / 'synthetic_coco_keypoints'
    generate_synthetic_coco_keypoints(
        root, num_train=4, num_val=2, image_size=(192, 192), seed=0)
    cfg = pose_benchmark.model_config(pose_benchmark.RTMPOSE, str(root))
    notes = cfg.pop('benchmark_notes')
    pose_benchmark.with_input_size(cfg, 96, 128)

    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [step.type for step in pipeline]
    target = pipeline[types.index('GenerateTarget')].encoder
    assert target.type == 'SimCCLabel' and target.input_size == (96, 128)
    assert cfg.model.head.in_featuremap_size == (3, 4)
    assert 'mmdet.YOLOXHSVRandomAug' in types  # RTMPose's own augmentation
    if importlib.util.find_spec('albumentations') is None:
        assert 'Albumentation' not in types
        assert any('Albumentation' in note for note in notes)
    else:
        assert 'Albumentation' in types
    assert not any(h.type == 'mmdet.PipelineSwitchHook'
                   for h in cfg.custom_hooks)

    torch.manual_seed(0)
    model = pose_benchmark.build_model(cfg)
    assert type(model.backbone).__name__ == 'CSPNeXt'
    assert type(model.head).__name__ == 'RTMCCHead'
    assert not any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in model.modules())
    with DefaultScope.overwrite_default_scope('mmpose'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(2)])
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = _snapshot(model)
    model.train()
    log = model.train_step(batch, optim)
    assert torch.isfinite(log['loss']) and log['loss'] > 0
    assert _changed(before, model, 'backbone.stem.')
    assert _changed(before, model, 'head.cls_x.')


def test_ratios_divide_by_the_first_peer_present():
    rows = dict(m0=dict(madds=2.0, latency_s=3.0),
                b=dict(madds=4.0, latency_s=None),
                a=dict(madds=8.0, latency_s=6.0))
    first = add_ratios(rows, ('z', 'b', 'a'),
                       dict(madds='madds', latency='latency_s'))
    assert first == 'b'
    assert rows['m0']['madds_vs_first_peer'] == 0.5
    assert rows['a']['madds_vs_first_peer'] == 2.0
    assert rows['m0']['latency_vs_first_peer'] is None  # b has no latency
    assert add_ratios(rows, ('z', ), dict(madds='madds')) is None
    assert rows['m0']['madds_vs_first_peer'] is None
