"""Clear errors for misspelt configs, missing data and checkpoints of
another task."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import micronet_mm.seg  # noqa: F401
from micronet_mm.engine.hooks import (
    CheckpointTaskHook,
    IncompatibleCheckpointError,
    checkpoint_scope,
)
from micronet_mm.engine.preflight import check_data_paths, splits_used
from micronet_mm.utils.config import (
    ConfigError,
    build_model_from_config,
    clear_build_errors,
    explain_build_error,
)
from tests.helpers.tools import REPO

SEG = osp.join(REPO, 'configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py')
POSE = osp.join(REPO,
                'configs/pose/micronet_m0_heatmap_synthetic-coco-256x192.py')
CLS = osp.join(REPO, 'configs/cls/micronet_m0_in1k.py')


def _build_error(config, *options):
    with pytest.raises(ConfigError) as err:
        build_model_from_config(config, list(options))
    return str(err.value)


def test_unknown_head_type_lists_heads():
    text = _build_error(SEG, 'model.decode_head.type=MRASPHead')
    assert text.startswith("model.decode_head.type = 'MRASPHead'")
    assert "did you mean 'MRASPPHead'" in text
    # the list holds heads, not every model of mmseg
    listed = text.split('valid model types', 1)[1]
    assert 'FCNHead' in listed and 'MRASPPHead' in listed
    assert 'ResNet' not in listed and 'CrossEntropyLoss' not in listed


def test_unknown_backbone_type_lists_backbones():
    text = _build_error(POSE, 'model.backbone.type=MicroNett')
    assert "model.backbone.type = 'MicroNett'" in text
    assert 'mmpose::model' in text and "did you mean 'MicroNet'" in text
    listed = text.split('valid model types', 1)[1]
    assert 'HRNet' in listed and 'HeatmapHead' not in listed


def test_unknown_arch_lists_archs():
    with pytest.raises(ValueError, match=r"'m9'.*'m0', 'm1'"):
        build_model_from_config(CLS, ['model.backbone.arch=m9'])


@pytest.mark.parametrize('config,option,key,valid', [
    (CLS, 'model.backbone.out_indice=[7]', 'model.backbone.out_indice',
     'out_indices'),
    (SEG, 'model.decode_head.chanels=16', 'model.decode_head.chanels',
     'channels'),
    (POSE, 'model.head.out_channel=17', 'model.head.out_channel',
     'out_channels'),
])
def test_misspelt_argument_is_named_with_valid_ones(config, option, key,
                                                    valid):
    text = _build_error(config, option)
    assert text.startswith(f'config key {key}:')
    assert f"did you mean '{valid}'" in text
    assert 'valid arguments:' in text and 'init_cfg' in text


def test_unknown_dataset_and_transform_types():
    from mmengine.registry import DATASETS, DefaultScope
    cfg = Config.fromfile(SEG)
    cfg.train_dataloader.dataset.type = 'CityscapeDataset'
    with DefaultScope.overwrite_default_scope('mmseg'), \
            pytest.raises(ConfigError) as err, clear_build_errors(cfg):
        DATASETS.build(cfg.train_dataloader.dataset)
    text = str(err.value)
    assert "train_dataloader.dataset.type = 'CityscapeDataset'" in text
    assert "'CityscapesDataset'" in text and 'ADE20KDataset' in text

    cfg = Config.fromfile(SEG)
    cfg.train_dataloader.dataset.pipeline[2].type = 'CheckSegMapp'
    with DefaultScope.overwrite_default_scope('mmseg'), \
            pytest.raises(ConfigError) as err, clear_build_errors(cfg):
        DATASETS.build(cfg.train_dataloader.dataset)
    assert "train_dataloader.dataset.pipeline[2].type = 'CheckSegMapp'" in \
        str(err.value)
    assert "did you mean 'CheckSegMap'" in str(err.value)


def test_other_errors_pass_through():
    assert explain_build_error(KeyError('nothing to see'), {}) is None
    with pytest.raises(RuntimeError), clear_build_errors({}):
        raise RuntimeError('unrelated')
    # an unexpected argument that the config does not hold (raised by code)
    with pytest.raises(TypeError), clear_build_errors({'model': {}}):
        raise TypeError("f() got an unexpected keyword argument 'zz'")


def _cfg(config, root):
    cfg = Config.fromfile(config)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(root)
    return cfg


def test_missing_seg_data_root_names_layout_and_doc(tmp_path):
    cfg = _cfg(SEG, tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError) as err:
        check_data_paths(cfg, splits_used(cfg, 'train'))
    text = str(err.value)
    assert f"train_dataloader.dataset.data_root = '{tmp_path}/nowhere'" in \
        text and 'val_dataloader.dataset.data_root' in text
    assert 'leftImg8bit/{train,val}' in text and 'gtFine' in text
    assert 'generate_synthetic_cityscapes.py' in text  # the config's hint
    assert 'docs/en/segmentation.md' in text


def test_missing_pose_annotations_name_key_layout_and_doc(tmp_path):
    (tmp_path / 'images' / 'train').mkdir(parents=True)
    cfg = Config.fromfile(POSE)
    cfg.train_dataloader.dataset.data_root = str(tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        check_data_paths(cfg, ['train'])
    text = str(err.value)
    assert "train_dataloader.dataset.ann_file = 'annotations/" \
        "person_keypoints_train.json'" in text
    assert 'images/train' not in text.split('expected layout')[0]
    assert 'annotations/person_keypoints_{train,val}' in text
    assert 'docs/en/pose.md' in text


def test_missing_cls_folder(tmp_path):
    cfg = _cfg(CLS, tmp_path)
    cfg.train_dataloader.dataset.data_prefix = 'train'
    with pytest.raises(FileNotFoundError, match=r"data_prefix = 'train'.*"
                       r'does not exist(.|\n)*train/<class folder>(.|\n)*'
                       r'docs/en/reproduction.md \(section "ImageNet"\)'):
        check_data_paths(cfg, ['train'])


def test_checkpoint_scope_from_config_or_weights():
    assert checkpoint_scope(dict(meta=dict(
        cfg="default_scope = 'mmpose'\nmodel = dict()"))) == 'mmpose'
    assert checkpoint_scope(dict(state_dict={
        'decode_head.conv_seg.weight': torch.zeros(1)})) == 'mmseg'
    assert checkpoint_scope(dict(state_dict={'head.fc.weight': 0})) is None


class _Runner:

    def __init__(self, scope):
        self.cfg = Config(dict(default_scope=scope, load_from='pose.pth'))


def test_checkpoint_of_another_task_is_refused():
    hook = CheckpointTaskHook()
    pose_ckpt = dict(meta=dict(cfg="default_scope = 'mmpose'"),
                     state_dict={})
    with pytest.raises(IncompatibleCheckpointError) as err:
        hook.after_load_checkpoint(_Runner('mmseg'), pose_ckpt)
    text = str(err.value)
    assert 'pose.pth is a pose estimation (mmpose) checkpoint' in text
    assert 'the config is a segmentation (mmseg) config' in text
    assert "prefix='backbone.'" in text
    hook.after_load_checkpoint(_Runner('mmpose'), pose_ckpt)  # same task
    hook.after_load_checkpoint(_Runner('mmseg'), dict(state_dict={}))
