"""The Cityscapes MR-ASPP configs: the paper's MAdds totals at 1024x2048,
output stride 16, the training setting, and the synthetic config."""
import json
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from micronet_mm.utils.config import (
    build_model_from_config,
    natural_input_shape,
)
from micronet_mm.utils.flops import paper_madds
from micronet_mm.utils.tensor_mode import TensorModeWrapper
from tests.helpers.tools import REPO, run_tool

from .helpers import CITYSCAPES_CONFIGS, SYNTH_CONFIG

# paper (v1) totals at 1024x2048, +-5%; M1 lies between M0 and M2
TARGETS = {'m0': 0.81e9, 'm2': 1.75e9, 'm3': 2.52e9}
ARCHS = ('m0', 'm1', 'm2', 'm3')


def _config(arch):
    return CITYSCAPES_CONFIGS[ARCHS.index(arch)]


@pytest.fixture(scope='module')
def madds():
    """Paper-convention MAdds of each config at its natural input (one
    trace per model at 1024x2048, about 5-15 s each)."""
    out = {}
    for arch in ARCHS:
        model, cfg = build_model_from_config(_config(arch))
        shape = natural_input_shape(cfg)
        assert shape == (1024, 2048)
        with torch.no_grad():
            out[arch] = paper_madds(TensorModeWrapper(model),
                                    (torch.zeros(1, 3, *shape), ))
    return out


@pytest.mark.slow  # MAdds of four models at 1024x2048
@pytest.mark.parametrize('arch', sorted(TARGETS))
def test_madds_match_the_paper(madds, arch):
    assert abs(madds[arch] / TARGETS[arch] - 1) <= 0.05, madds


@pytest.mark.slow  # MAdds of four models at 1024x2048
def test_m1_lies_between_m0_and_m2(madds):
    assert madds['m0'] < madds['m1'] < madds['m2'] < madds['m3']


@pytest.mark.slow  # runs tools/analysis/get_flops.py
def test_get_flops_tool_on_a_seg_config():
    """The number in docs/en/mraspp_head.md comes from this command."""
    out = run_tool('tools/analysis/get_flops.py', _config('m0'),
                   '--json').stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert abs(result['madds'] / TARGETS['m0'] - 1) <= 0.05
    assert result['params'] == 399566


@pytest.mark.parametrize('arch', ARCHS)
def test_output_stride_16_and_logits_at_stride_8(arch):
    model, cfg = build_model_from_config(_config(arch))
    backbone = cfg.model.backbone
    assert tuple(backbone.strides) == (2, 2, 2, 1)
    assert tuple(backbone.dilations) == (1, 1, 1, 2)
    h, w = 96, 200  # 200 is not a multiple of 16
    with torch.no_grad():
        low, high = model.extract_feat(torch.rand(1, 3, h, w))
        logits = model(torch.rand(1, 3, h, w), mode='tensor')
    assert low.shape[2:] == (h // 8, w // 8)
    assert high.shape[2:] == (h // 16, math.ceil(w / 16))
    assert list(model.backbone.out_channels) == list(
        cfg.model.decode_head.in_channels)
    assert logits.shape == (1, 19, h // 8, w // 8)
    # the layers after the deepest tap are not built
    assert model.backbone.layer_names[-1] == \
        f'layer{max(backbone.out_indices)}'


@pytest.mark.parametrize('arch', ARCHS)
def test_paper_training_setting(arch):
    cfg = Config.fromfile(_config(arch))
    assert cfg.default_scope == 'mmseg'
    assert cfg.custom_imports == dict(imports=['micronet_mm.seg'],
                                      allow_failed_imports=False)
    # 240 epochs (one pass each) of the 2975 fine train images, lr 0.2 at
    # the reference total batch 16 (4 x 4), scaled with the total batch
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert cfg.train_cfg.max_epochs == 240
    assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
    assert cfg.num_train_samples == 2975
    assert cfg.train_dataloader.batch_size * 4 == 16
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=16)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'SGD' and optimizer.lr == 0.2
    assert optimizer.weight_decay == 4e-5
    cosine = cfg.param_scheduler[-1]
    assert cosine.type == 'CosineAnnealingLR' and cosine.eta_min == 1e-4
    assert cosine.end == cfg.train_cfg.max_epochs
    assert cosine.by_epoch and cosine.convert_to_iter_based
    # validation and checkpoints every 24 epochs, whatever the batch
    assert cfg.train_cfg.val_interval == 24
    assert cfg.default_hooks.checkpoint.by_epoch
    assert cfg.default_hooks.checkpoint.interval == 24
    # random init: no pretrained weights are loaded
    assert 'init_cfg' not in cfg.model.backbone
    assert cfg.load_from is None
    # whole-image evaluation at 1024x2048 with mmseg's Cityscapes classes
    assert cfg.model.test_cfg.mode == 'whole'
    dataset = cfg.test_dataloader.dataset
    assert dataset.type == 'CheckedCityscapesDataset'
    resize = [t for t in dataset.pipeline if t.type == 'Resize'][0]
    assert tuple(resize.scale) == (2048, 1024)
    assert cfg.test_evaluator.type == 'IoUMetric'
    # an ImageNet backbone of the same arch exists to start from (the
    # init_cfg hook is shown in the base model file)
    cls_cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'cls', f'micronet_{arch}_in1k.py'))
    assert cls_cfg.model.backbone.arch == cfg.model.backbone.arch == arch
    with open(osp.join(REPO, 'configs', '_base_', 'models',
                       'micronet_mraspp.py')) as f:
        assert "prefix='backbone.'" in f.read()


def test_cityscapes_dataset_is_mmseg_cityscapes():
    from mmseg.datasets import CityscapesDataset
    from mmseg.registry import DATASETS

    import micronet_mm.seg  # noqa: F401
    checked = DATASETS.get('CheckedCityscapesDataset')
    assert issubclass(checked, CityscapesDataset)


def test_synthetic_config_is_m0_on_the_generated_set():
    cfg = Config.fromfile(SYNTH_CONFIG)
    reference = Config.fromfile(_config('m0'))
    assert cfg.model.backbone.arch == 'm0'
    for key in ('out_indices', 'strides', 'dilations'):
        assert cfg.model.backbone[key] == reference.model.backbone[key]
    head, ref_head = dict(cfg.model.decode_head), dict(
        reference.model.decode_head)
    head.pop('norm_cfg'), ref_head.pop('norm_cfg')
    assert head == ref_head
    assert cfg.model.backbone.norm_cfg.type == 'BN'
    assert osp.normpath(cfg.train_dataloader.dataset.data_root) == \
        osp.join('data', 'synthetic_cityscapes')
    assert cfg.train_cfg.max_iters <= 2000
    # the dry-run's epoch length is the generator's default train split
    from micronet_mm.datasets.synthetic.cityscapes import DEFAULT_NUM_TRAIN
    assert cfg.num_train_samples == DEFAULT_NUM_TRAIN
