"""tools/train.py on bad data and bad configs: each case stops with one
clear message naming the file / key / value and what was expected (or,
where that is the right answer, works)."""
import importlib.util
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from benchmarks.tiny_runs import SEG_CONFIG, TOOL_ENV, write_config
from micronet_mm.utils.config import build_model_from_config
from tests.helpers.tools import REPO, run_tool

pytestmark = pytest.mark.slow  # runs the tools


def _load_train_tool():
    spec = importlib.util.spec_from_file_location(
        'micronet_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def train_tool():
    return _load_train_tool()


def _exit_message(train_tool, *argv):
    """Run tools/train.py's main in this process; the SystemExit text."""
    with pytest.raises(SystemExit) as err:
        train_tool.main([str(a) for a in argv])
    assert isinstance(err.value.code, str), err.value.code
    return err.value.code


def test_corrupt_image_is_named_then_skipped_and_counted(seg_data, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(seg_data, root)
    images = sorted((root / 'leftImg8bit' / 'train').rglob('*.png'))
    bad = images[5]
    bad.write_bytes(bad.read_bytes()[:-100])  # truncated
    # 8 iterations of 4: two epochs over the 16 training images, loaded by
    # a data loader worker
    config = write_config(tmp_path, 'seg', root, iters=8, val_interval=8,
                          ckpt_interval=8, workers=1)
    proc = run_tool('tools/train.py', config, '--work-dir',
                    str(tmp_path / 'strict'), check=False, env=TOOL_ENV)
    assert proc.returncode != 0
    # one line, no worker traceback; the traceback is in the log file
    assert 'Traceback' not in proc.stderr and 'Caught' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    log = next((tmp_path / 'strict').rglob('*.log'))
    assert last == (f'train: {bad}: truncated PNG ({bad.stat().st_size} '
                    'bytes, no IEND chunk); expected a complete PNG, JPEG, '
                    'BMP, TIFF, WebP, GIF or PNM image. Replace or remove '
                    'the file, or skip bad training images with '
                    '--cfg-options skip_bad_images=True (data loader '
                    f'traceback in {log})')
    assert 'Original Traceback' in log.read_text()

    proc = run_tool('tools/train.py', config, '--work-dir',
                    str(tmp_path / 'skip'), '--cfg-options',
                    'skip_bad_images=True', env=TOOL_ENV)
    out = proc.stdout + proc.stderr
    # met in both epochs (and maybe again by a refetch): counted once
    assert out.count(f'skipped {bad}: truncated PNG') == 1
    assert '1 bad training image(s) skipped so far (iteration' in out
    assert 'skip_bad_images: 1 bad training image(s) skipped' in out
    assert (tmp_path / 'skip' / 'iter_8.pth').is_file()


def test_missing_data_root_names_layout_and_doc(train_tool, tmp_path,
                                                pose_data):
    config = write_config(tmp_path, 'seg', tmp_path / 'no_such_dir')
    text = _exit_message(train_tool, config, '--work-dir', tmp_path / 'w')
    assert text.startswith('train: missing data:')
    assert f"data_root = '{tmp_path}/no_such_dir': folder does not" in text
    assert 'leftImg8bit/{train,val}/<city>' in text
    assert 'docs/en/segmentation.md' in text

    root = tmp_path / 'pose'
    shutil.copytree(pose_data, root)
    (root / 'annotations' / 'person_keypoints_val.json').unlink()
    config = write_config(tmp_path, 'pose', root)
    text = _exit_message(train_tool, config, '--work-dir', tmp_path / 'w2')
    assert "val_dataloader.dataset.ann_file = 'annotations/" \
        "person_keypoints_val.json'" in text
    assert 'val_evaluator.ann_file' in text
    assert 'docs/en/pose.md' in text
    assert not (tmp_path / 'w2').exists()  # stopped before any output


@pytest.mark.parametrize('option,expected', [
    # built when the runner is created
    ('model.decode_head.type=MRASPHead',
     "model.decode_head.type = 'MRASPHead': no such model in the "
     "mmseg::model registry (did you mean 'MRASPPHead'"),
    # built when training starts
    ('train_dataloader.dataset.type=CityscapeDataset',
     "train_dataloader.dataset.type = 'CityscapeDataset': no such dataset"),
])
def test_config_mistakes_are_named(train_tool, seg_data, tmp_path, option,
                                   expected):
    """Through tools/train.py; every kind of mistake (types, arguments) is
    covered in tests/test_engine/test_config_errors.py."""
    config = write_config(tmp_path, 'seg', seg_data)
    text = _exit_message(train_tool, config, '--work-dir', tmp_path / 'w',
                         '--cfg-options', option)
    assert text.startswith('train: ' + expected), text
    assert '\n  valid ' in text


def test_checkpoint_of_another_task_is_refused(train_tool, seg_data,
                                               pose_reference, tmp_path):
    _, pose_work = pose_reference
    pose_ckpt = pose_work / 'epoch_3.pth'
    config = write_config(tmp_path, 'seg', seg_data)
    text = _exit_message(train_tool, config, '--work-dir', tmp_path / 'w',
                         '--cfg-options', f'load_from={pose_ckpt}')
    assert text.startswith(f'train: checkpoint {pose_ckpt} is a pose '
                           'estimation (mmpose) checkpoint, but the config '
                           'is a segmentation (mmseg) config')
    assert not list((tmp_path / 'w').glob('*.pth'))


def test_images_smaller_than_the_crop_train_with_ignored_padding(seg_data):
    """mmseg's RandomCrop keeps an image smaller than crop_size whole; the
    batch is padded to a common size with the ignore label (255), so the
    padding never counts in the loss."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmseg.datasets import CityscapesDataset
    model, _ = build_model_from_config(SEG_CONFIG)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomResize', scale=(128, 64), ratio_range=(0.5, 1.0),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=(96, 192)),  # > every image
        dict(type='PackSegInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = CityscapesDataset(
            data_root=seg_data, pipeline=pipeline,
            data_prefix=dict(img_path='leftImg8bit/train',
                             seg_map_path='gtFine/train'))
        np.random.seed(1)
        samples = [dataset[i] for i in range(4)]
    shapes = {tuple(s['inputs'].shape[1:]) for s in samples}
    assert all(h <= 64 and w <= 128 for h, w in shapes)
    assert len(shapes) > 1  # different sizes in one batch
    model.train()
    data = model.data_preprocessor(pseudo_collate(samples), training=True)
    height, width = data['inputs'].shape[-2:]
    for sample, original in zip(data['data_samples'], samples):
        h, w = original['inputs'].shape[1:]
        labels = sample.gt_sem_seg.data
        assert labels.shape[-2:] == (height, width)
        assert (labels[..., h:, :] == 255).all()
        assert (labels[..., :, w:] == 255).all()
    losses = model(**data, mode='loss')
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if 'loss' in k)


def test_pose_boxes_are_warped_to_the_input_size(pose_data):
    """mmpose's TopdownAffine warps each box to the model input size,
    whatever the image size: a 96x96 image gives 256x192 crops."""
    from mmengine.registry import DefaultScope
    from mmpose.datasets import CocoDataset
    with DefaultScope.overwrite_default_scope('mmpose'):
        dataset = CocoDataset(
            data_root=pose_data,
            ann_file='annotations/person_keypoints_train.json',
            data_prefix=dict(img='images/train/'),
            pipeline=[dict(type='LoadImage'),
                      dict(type='GetBBoxCenterScale'),
                      dict(type='TopdownAffine', input_size=(192, 256)),
                      dict(type='PackPoseInputs')])
        sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 192)
