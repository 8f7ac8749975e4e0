"""The pose configs: inheritance, protocol, augmentation, schedule and
MAdds targets."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from micronet_mm.utils.config import (
    build_model_from_config,
    natural_input_shape,
)
from micronet_mm.utils.flops import complexity
from micronet_mm.utils.tensor_mode import TensorModeWrapper
from tests.helpers.tools import REPO

COCO_CONFIGS = {
    arch: osp.join(REPO, f'configs/pose/micronet_{arch}_heatmap_coco-'
                   '256x192.py')
    for arch in ('m0', 'm1', 'm2', 'm3')
}
SYNTHETIC = osp.join(
    REPO, 'configs/pose/micronet_m0_heatmap_synthetic-coco-256x192.py')
ALL = sorted(glob.glob(osp.join(REPO, 'configs/pose/*.py')))


def test_expected_configs_exist():
    names = {osp.basename(p) for p in ALL}
    assert {osp.basename(p) for p in COCO_CONFIGS.values()} <= names
    assert osp.basename(SYNTHETIC) in names


@pytest.mark.parametrize('path', ALL, ids=osp.basename)
def test_runtime_protocol_and_codec(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpose'
    assert cfg.custom_imports == dict(
        imports=['micronet_mm.pose'], allow_failed_imports=False)
    # inherits from the project's own bases, no mmpose:: bases
    assert 'mmpose::' not in open(path).read()
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'
    assert cfg.val_dataloader.dataset.bbox_file
    assert cfg.val_evaluator.type == 'CocoMetric'
    assert osp.basename(cfg.val_evaluator.ann_file) == osp.basename(
        cfg.val_dataloader.dataset.ann_file)
    assert cfg.model.test_cfg == dict(
        flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    assert cfg.model.backbone.strides == (2, 2, 2, 1)
    assert cfg.model.backbone.dilations == (1, 1, 1, 2)
    codec = cfg.model.head.decoder
    assert codec == dict(type='MSRAHeatmap', input_size=(192, 256),
                         heatmap_size=(48, 64), sigma=2)
    target = [t for t in cfg.train_pipeline if t.type == 'GenerateTarget']
    assert target[0].encoder == codec
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     cfg.val_dataloader.dataset.pipeline):
        affine = [t for t in pipeline if t.type == 'TopdownAffine'][0]
        assert tuple(affine.input_size) == codec.input_size
    assert natural_input_shape(cfg) == (256, 192)


def test_paper_schedule_values():
    cfg = Config.fromfile(COCO_CONFIGS['m0'])
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3)
    assert cfg.train_cfg.max_epochs == 250
    # lr 1e-3 at the reference setup's total batch 128 (32 x 4 GPUs)
    assert cfg.train_dataloader.batch_size * 4 == 128
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=128)
    from mmengine.optim.scheduler import MultiStepLR
    step = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR'][0]
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)],
                                 lr=cfg.optim_wrapper.optimizer.lr)
    scheduler = MultiStepLR(
        optimizer, milestones=step.milestones, gamma=step.gamma,
        begin=step.begin, end=step.end)
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    assert lrs[0] == pytest.approx(1e-3) and lrs[209] == pytest.approx(1e-3)
    assert lrs[210] == pytest.approx(1e-4) and lrs[239] == pytest.approx(1e-4)
    assert lrs[240] == pytest.approx(1e-5) and lrs[249] == pytest.approx(1e-5)


def test_augmentation_distribution():
    """Rotation within +-45 degrees (on 60 % of the samples), scale within
    0.65-1.35, both reaching close to their bounds; flip and half-body."""
    from mmpose.datasets.transforms import RandomBBoxTransform
    cfg = Config.fromfile(COCO_CONFIGS['m0'])
    types = [t.type for t in cfg.train_pipeline]
    assert types.index('RandomFlip') < types.index('TopdownAffine')
    assert 'RandomHalfBody' in types
    flip = [t for t in cfg.train_pipeline if t.type == 'RandomFlip'][0]
    assert flip.direction == 'horizontal'
    params = {k: v for k, v in [t for t in cfg.train_pipeline if t.type ==
                                'RandomBBoxTransform'][0].items()
              if k != 'type'}
    transform = RandomBBoxTransform(**params)
    np.random.seed(0)
    n = 20000
    _, scale, rotate = transform._get_transform_params(n)
    assert scale.min() >= 0.65 - 1e-6 and scale.max() <= 1.35 + 1e-6
    assert scale.min() < 0.7 and scale.max() > 1.3
    assert np.abs(rotate).max() <= 45.0 + 1e-6
    assert np.abs(rotate).max() > 43.0
    assert 0.57 < np.mean(rotate != 0) < 0.63


def test_synthetic_config_paths():
    cfg = Config.fromfile(SYNTHETIC)
    root = 'data/synthetic_coco_keypoints/'
    for split in ('train', 'val'):
        ds = cfg[f'{split}_dataloader'].dataset
        assert ds.data_root == root
        assert ds.ann_file == f'annotations/person_keypoints_{split}.json'
        assert ds.data_prefix == dict(img=f'images/{split}/')
    # not relative to data_root: full paths
    assert cfg.val_dataloader.dataset.bbox_file == \
        root + 'annotations/person_detections_val.json'
    assert cfg.val_evaluator.ann_file == \
        root + 'annotations/person_keypoints_val.json'


@pytest.fixture(scope='module')
def complexities():
    result = {}
    for arch, path in COCO_CONFIGS.items():
        model, cfg = build_model_from_config(path)
        # the head reads the stride-4, stride-8 and stride-16 features
        assert tuple(model.head.in_channels) == \
            tuple(model.backbone.out_channels)
        with torch.no_grad():
            feats = model.backbone(torch.zeros(1, 3, 256, 192))
        assert [f.shape[2:] for f in feats] == [(64, 48), (32, 24),
                                                (16, 12)]
        result[arch] = complexity(TensorModeWrapper(model),
                                  natural_input_shape(cfg))
    return result


@pytest.mark.slow  # MAdds of four models
def test_madds_targets(complexities):
    madds = {a: c['madds'] / 1e6 for a, c in complexities.items()}
    assert abs(madds['m0'] / 77 - 1) <= 0.05, madds
    assert abs(madds['m2'] / 163 - 1) <= 0.05, madds
    assert madds['m0'] < madds['m1'] < madds['m2'], madds
    assert madds['m3'] < 280, madds
    params = [complexities[a]['params'] for a in ('m0', 'm1', 'm2', 'm3')]
    assert params == sorted(params)
