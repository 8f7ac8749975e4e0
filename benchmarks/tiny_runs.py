"""Tiny training configs on the generated data sets (a few iterations on
tiny images) and a reader of the scalars a run logs.

Shared by ``benchmarks/dist_equivalence.py``, which measures how far such
runs land apart, and the tests whose tolerances come from it. The configs
inherit the project configs and override only sizes and schedules.
"""
import glob
import json
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

SEG_CONFIG = osp.join(REPO, 'configs', 'seg',
                      'micronet_m0_mraspp_synthetic-cityscapes.py')
POSE_CONFIG = osp.join(REPO, 'configs', 'pose',
                       'micronet_m0_heatmap_synthetic-coco-256x192.py')
CLS_CONFIG = osp.join(REPO, 'configs', 'cls', 'micronet_m0_in1k.py')

# one thread per process (two processes share two cores in the dist
# tests); passive OpenMP waiting so that a busy machine does not stall
TOOL_ENV = {'OMP_NUM_THREADS': '1', 'OMP_WAIT_POLICY': 'PASSIVE'}

SEG = '''
_base_ = [{base!r}]
data_root = {root!r}
crop_size = {crop}
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(128, 64), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size={batch}, num_workers={workers},
    persistent_workers={workers} > 0,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={iters}, val_interval={val_interval})
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={ckpt_interval}, max_keep_ckpts=2))
custom_hooks = []
randomness = dict(seed={seed}, deterministic=True)
# the lr above is meant for this total batch (auto_scale_lr is on)
auto_scale_lr = dict(base_batch_size={batch})
'''

POSE = '''
_base_ = [{base!r}]
data_root = {root!r}
codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16),
             sigma=2)
model = dict(head=dict(decoder=codec), test_cfg=dict(flip_test=False))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform', scale_factor=(0.65, 1.35),
         scale_prob=1.0, rotate_factor=45.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size={batch}, num_workers={workers},
    persistent_workers={workers} > 0,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root, pipeline=val_pipeline,
        bbox_file=data_root + '/annotations/person_detections_val.json'))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + '/annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
param_scheduler = [dict(type='ConstantLR', factor=1.0)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best=None))
randomness = dict(seed={seed}, deterministic=True)
auto_scale_lr = dict(base_batch_size={batch})
'''

CLS = '''
_base_ = [{base!r}]
data_root = {root!r}
data_preprocessor = dict(num_classes=2)
model = dict(head=dict(num_classes=2, mid_channels=16, topk=(1, )),
             data_preprocessor=data_preprocessor)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size={batch}, num_workers=0, persistent_workers=False,
    dataset=dict(type='CustomDataset', data_root=data_root,
                 data_prefix='train', pipeline=train_pipeline,
                 _delete_=True))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type='CustomDataset', data_root=data_root,
                 data_prefix='val', pipeline=test_pipeline, _delete_=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
param_scheduler = dict(type='ConstantLR', factor=1.0, _delete_=True)
optim_wrapper = dict(optimizer=dict(lr=0.01))
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed={seed}, deterministic=True)
auto_scale_lr = dict(base_batch_size={batch})
'''

_DEFAULTS = {
    'seg': dict(batch=4, workers=0, iters=8, val_interval=4,
                ckpt_interval=1, seed=0, crop=(32, 64)),
    'pose': dict(batch=8, workers=0, epochs=3, seed=0),
    'cls': dict(batch=4, epochs=1, seed=0),
}
_TEMPLATES = {'seg': (SEG, SEG_CONFIG), 'pose': (POSE, POSE_CONFIG),
              'cls': (CLS, CLS_CONFIG)}


def write_config(folder, task: str, root: str, name: str = None,
                 extra: str = '', **values) -> str:
    """Write a tiny ``task`` config (``seg``, ``pose`` or ``cls``) for the
    data set at ``root`` into ``folder``; ``values`` override the template
    defaults, ``extra`` is appended (later keys win)."""
    template, base = _TEMPLATES[task]
    fields = dict(_DEFAULTS[task], **values)
    text = template.format(base=base, root=str(root), **fields) + extra
    path = osp.join(str(folder), f'{name or task}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def read_scalars(work_dir: str) -> list:
    """Training records of every run in ``work_dir`` (one per logged
    iteration, oldest run first)."""
    records = []
    for path in sorted(glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return records


def train_losses(work_dir: str) -> dict:
    """``iteration -> loss`` of the training records of ``work_dir``."""
    return {r['iter']: r['loss'] for r in read_scalars(work_dir)
            if 'loss' in r}
