"""Learning on the generated set, tools/train.py and tools/test.py."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpose.datasets import CocoDataset

from micronet_mm.utils.config import build_model_from_config
from tests.helpers.tools import run_tool
from tests.test_pose.conftest import SYNTHETIC_CONFIG

pytestmark = pytest.mark.slow  # trains and runs the tools


def test_loss_falls_on_a_small_generated_batch(tiny_coco_kpt):
    """The M0 heatmap model fits 8 generated crops within 30 Adam steps.
    Crops are 128x96 (same network, 4x fewer pixels) to keep it quick."""
    torch.manual_seed(0)
    size = (96, 128)
    codec = dict(type='MSRAHeatmap', input_size=size,
                 heatmap_size=(size[0] // 4, size[1] // 4), sigma=2)
    model, _ = build_model_from_config(SYNTHETIC_CONFIG, [
        'model.head.decoder.input_size=(96,128)',
        'model.head.decoder.heatmap_size=(24,32)'
    ])
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=size),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs')
    ]
    dataset = CocoDataset(
        data_root=tiny_coco_kpt,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='images/train/'),
        pipeline=pipeline)
    batch = pseudo_collate([dataset[i] for i in range(8)])
    model.init_weights()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses, accs = [], []
    for _ in range(30):
        data = model.data_preprocessor(batch, training=True)
        out = model(**data, mode='loss')
        optimizer.zero_grad()
        out['loss_kpt'].backward()
        optimizer.step()
        losses.append(out['loss_kpt'].item())
        accs.append(float(out['acc_pose']))
    assert np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < 0.2 * np.mean(losses[:3]), losses
    assert np.mean(accs[-3:]) > np.mean(accs[:3]) + 0.3, accs


CONFIG = '''
_base_ = [{base!r}]
data_root = {root!r}
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        bbox_file=data_root + 'annotations/person_detections_val.json'))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=4)
'''


def test_train_and_test_tools_on_the_generated_set(tiny_coco_kpt, tmp_path):
    config = tmp_path / 'pose_tiny.py'
    config.write_text(CONFIG.format(base=SYNTHETIC_CONFIG,
                                    root=tiny_coco_kpt + '/'))
    work = tmp_path / 'work'
    proc = run_tool('tools/train.py', str(config), '--work-dir', str(work),
                    env=dict(OMP_NUM_THREADS='1'))
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file(), proc.stdout[-2000:]
    log = proc.stdout + proc.stderr
    assert 'loss_kpt' in log and 'coco/AP' in log
    out = tmp_path / 'preds.pkl'
    proc = run_tool('tools/test.py', str(config), str(ckpt), '--work-dir',
                    str(tmp_path / 'test'), '--out', str(out),
                    env=dict(OMP_NUM_THREADS='1'))
    assert 'coco/AP' in proc.stdout + proc.stderr
    assert out.is_file()
    # one prediction per detection box of the val split
    with open(osp.join(tiny_coco_kpt, 'annotations',
                       'person_detections_val.json')) as f:
        num_dets = len(json.load(f))
    import pickle
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == num_dets
    assert np.asarray(preds[0]['pred_instances']['keypoints']).shape == (
        1, 17, 2)


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_tools_refuse_missing_config(tool, tmp_path):
    args = ['tools/train.py', str(tmp_path / 'nope.py')] if tool == 'train' \
        else ['tools/test.py', str(tmp_path / 'nope.py'),
              str(tmp_path / 'nope.pth')]
    proc = run_tool(*args, check=False)
    assert proc.returncode != 0 and 'nope' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_train_tool_names_a_missing_annotation_file(tiny_coco_kpt,
                                                    tmp_path):
    root = tmp_path / 'data'
    import shutil
    shutil.copytree(tiny_coco_kpt, root)
    (root / 'annotations' / 'person_keypoints_val.json').unlink()
    config = tmp_path / 'pose_missing.py'
    config.write_text(CONFIG.format(base=SYNTHETIC_CONFIG,
                                    root=str(root) + '/'))
    proc = run_tool('tools/train.py', str(config), '--work-dir',
                    str(tmp_path / 'work'), check=False,
                    env=dict(OMP_NUM_THREADS='1'))
    assert proc.returncode != 0
    assert 'person_keypoints_val.json' in proc.stderr
    assert 'val_evaluator.ann_file' in proc.stderr
    assert 'Traceback' not in proc.stderr
