"""Segmentation data: the generated set through our configs' dataset,
pipeline and metric; the real-format Cityscapes sample; bad input."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import micronet_mm.seg  # noqa: F401  (registers the seg modules)
from micronet_mm.datasets.checks import CheckedCityscapesDataset, CheckSegMap
from tests.helpers.tools import SHARED_DATA

from .helpers import CITYSCAPES_CONFIGS, SYNTH_CONFIG

PSEUDO_CITYSCAPES = osp.join(SHARED_DATA, 'mmseg', 'pseudo_cityscapes_dataset')


def _build(config, split, **overrides):
    """Dataset of a config's val or train dataloader, with overrides."""
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(config)
    init_default_scope('mmseg')
    dataset_cfg = cfg[f'{split}_dataloader'].dataset
    dataset_cfg.update(overrides)
    return DATASETS.build(dataset_cfg)


def _miou(dataset, predict):
    from mmseg.evaluation import IoUMetric
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        gt = sample.gt_sem_seg.data
        result = sample.clone()
        result.set_data(dict(pred_sem_seg=type(sample.gt_sem_seg)(
            data=predict(gt))))
        metric.process({}, [result.to_dict()])
    return metric.evaluate(len(dataset))['mIoU']


def test_generated_set_loads_and_evaluates_through_our_config(
        synthetic_root):
    for split, count in (('train', 16), ('val', 3)):
        dataset = _build(SYNTH_CONFIG, split, data_root=str(synthetic_root))
        assert isinstance(dataset, CheckedCityscapesDataset)
        assert len(dataset) == count
        assert dataset.metainfo['classes'][13] == 'car'
        sample = dataset[0]
        assert sample['inputs'].shape[0] == 3
    val = _build(SYNTH_CONFIG, 'val', data_root=str(synthetic_root))
    # the test pipeline keeps labels at their file size (128x256 here)
    assert val[0]['data_samples'].gt_sem_seg.shape == (128, 256)
    assert _miou(val, lambda gt: gt) == pytest.approx(100.0)
    shifted = _miou(val, lambda gt: torch.where(gt == 255, gt,
                                                (gt + 1) % 19))
    assert shifted == pytest.approx(0.0)


@pytest.mark.skipif(not osp.isdir(PSEUDO_CITYSCAPES),
                    reason='optional sample ../shared/data/mmseg/'
                    'pseudo_cityscapes_dataset is absent')
def test_real_format_sample_loads_and_evaluates(tmp_path):
    """mmseg's one-frame Cityscapes sample through our Cityscapes config
    (only a val split exists): resized to 1024x2048, labels kept at file
    size, evaluated with a model by tools/test.py's Runner path."""
    from mmengine.runner import Runner

    from micronet_mm.engine import prepare_test_config

    dataset = _build(CITYSCAPES_CONFIGS[0], 'val', data_root=PSEUDO_CITYSCAPES)
    assert len(dataset) == 1
    sample = dataset[0]
    assert tuple(sample['inputs'].shape[1:]) == (1024, 2048)
    label = cv2.imread(dataset.get_data_info(0)['seg_map_path'],
                       cv2.IMREAD_UNCHANGED)
    assert sample['data_samples'].gt_sem_seg.shape == label.shape
    assert _miou(dataset, lambda gt: gt) == pytest.approx(100.0)

    # end to end: the M0 model (random weights) on the frame, our metric
    from micronet_mm.utils.config import build_model_from_config
    model, _ = build_model_from_config(CITYSCAPES_CONFIGS[0])
    ckpt = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    cfg = prepare_test_config(
        CITYSCAPES_CONFIGS[0], str(ckpt), work_dir=str(tmp_path / 'work'),
        cfg_options=[f'test_dataloader.dataset.data_root={PSEUDO_CITYSCAPES}',
                     'test_dataloader.num_workers=0',
                     'test_dataloader.persistent_workers=False'])
    metrics = Runner.from_cfg(cfg).test()
    assert 0.0 <= metrics['mIoU'] <= 100.0


# ------------------------------------------------------------ bad input
def test_missing_data_root_names_layout_and_preparation(tmp_path):
    missing = tmp_path / 'nowhere'
    with pytest.raises(FileNotFoundError) as err:
        _build(CITYSCAPES_CONFIGS[0], 'train', data_root=str(missing))
    text = str(err.value)
    assert str(missing) in text and 'does not exist' in text
    assert 'leftImg8bit/{train,val}' in text
    assert '_gtFine_labelTrainIds.png' in text
    assert 'dataset_converters/cityscapes.py' in text
    assert 'cityscapesscripts' in text and 'docs/en/segmentation.md' in text
    # the synthetic config says how to generate its data instead
    with pytest.raises(FileNotFoundError,
                       match='generate_synthetic_cityscapes.py'):
        _build(SYNTH_CONFIG, 'train', data_root=str(missing))
    assert not missing.exists()


def test_missing_folder_label_file_and_empty_split(synthetic_root, tmp_path):
    root = tmp_path / 'copy'
    shutil.copytree(synthetic_root, root)
    label = next((root / 'gtFine' / 'val').rglob('*_labelTrainIds.png'))
    os.remove(label)
    with pytest.raises(FileNotFoundError) as err:
        _build(SYNTH_CONFIG, 'val', data_root=str(root))
    assert str(label) in str(err.value) and '1 of 3' in str(err.value)

    shutil.rmtree(root / 'gtFine' / 'val')
    with pytest.raises(FileNotFoundError, match='gtFine/val'):
        _build(SYNTH_CONFIG, 'val', data_root=str(root))

    for png in (root / 'leftImg8bit' / 'train').rglob('*.png'):
        os.remove(png)
    with pytest.raises(FileNotFoundError, match='no \\*_leftImg8bit.png'):
        _build(SYNTH_CONFIG, 'train', data_root=str(root))


def _corrupt_copy(synthetic_root, tmp_path, edit):
    """Copy the set and rewrite the first val label map with ``edit``."""
    root = tmp_path / 'bad'
    shutil.copytree(synthetic_root, root)
    label = sorted((root / 'gtFine' / 'val').rglob('*_labelTrainIds.png'))[0]
    seg = cv2.imread(str(label), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(label), edit(seg))
    return root, str(label)


def test_label_values_outside_train_ids_are_reported_by_file(
        synthetic_root, tmp_path):

    def stray(seg):
        seg = seg.copy()
        seg[:3, :3] = 33  # a labelIds value, not a train id
        seg[-1, -1] = 19
        return seg

    root, label = _corrupt_copy(synthetic_root, tmp_path, stray)
    for split in ('val', ):
        dataset = _build(SYNTH_CONFIG, split, data_root=str(root))
        index = [dataset.get_data_info(i)['seg_map_path']
                 for i in range(len(dataset))].index(label)
        with pytest.raises(ValueError) as err:
            dataset[index]
        text = str(err.value)
        assert label in text and '19, 33' in text
        assert '0..18 or 255' in text and 'labelTrainIds' in text
    # the other files still load
    dataset[(index + 1) % len(dataset)]


def test_label_image_size_mismatch_is_reported_by_file(
        synthetic_root, tmp_path):
    root, label = _corrupt_copy(synthetic_root, tmp_path,
                                lambda seg: seg[:, :-5])
    for split_config in (SYNTH_CONFIG, CITYSCAPES_CONFIGS[0]):
        # train pipelines load labels right after the image, test ones
        # after the resize: both compare with the image as read
        dataset = _build(split_config, 'val', data_root=str(root))
        index = [dataset.get_data_info(i)['seg_map_path']
                 for i in range(len(dataset))].index(label)
        with pytest.raises(ValueError) as err:
            dataset[index]
        assert label in str(err.value) and '128x251' in str(err.value)
        assert '128x256' in str(err.value)


def test_check_seg_map_transform_directly():
    check = CheckSegMap(num_classes=3, ignore_index=(255, 254))
    ok = dict(gt_seg_map=np.array([[0, 2], [254, 255]], np.uint8),
              ori_shape=(2, 2), seg_map_path='a.png', img_path='a.jpg')
    assert check(ok) is ok
    with pytest.raises(ValueError, match='a.png holds values 3'):
        check(dict(ok, gt_seg_map=np.array([[3, 0], [0, 0]], np.uint8)))
    # inference on a bare image (no label file) passes through
    bare = dict(img=np.zeros((4, 4, 3), np.uint8), ori_shape=(4, 4))
    assert check(bare) is bare
    # placed before LoadAnnotations: says where it belongs
    with pytest.raises(KeyError, match='after LoadAnnotations'):
        check(dict(seg_map_path='b.png', ori_shape=(2, 2)))
    with pytest.raises(ValueError, match='num_classes'):
        CheckSegMap(num_classes=0)
