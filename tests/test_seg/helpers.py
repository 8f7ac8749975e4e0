"""Shared pieces of the segmentation tests: a tiny generated
Cityscapes-format set and a fast variant of the synthetic config."""
import os.path as osp

from benchmarks.tiny_runs import SEG_CONFIG as SYNTH_CONFIG
from tests.helpers.tools import REPO

CITYSCAPES_CONFIGS = [
    osp.join(REPO, 'configs', 'seg', f'micronet_{arch}_mraspp_cityscapes.py')
    for arch in ('m0', 'm1', 'm2', 'm3')
]
# OMP threads that spin while waiting make CPU training collapse on a
# shared machine; passive waiting costs nothing on an idle one
TOOL_ENV = {'OMP_WAIT_POLICY': 'PASSIVE'}

# A fast variant of the synthetic config: small crops, a short constant
# schedule, frequent logging. ``{base}``, ``{root}`` and ``{iters}`` are
# filled in by :func:`write_fast_config`.
FAST_CONFIG = '''
_base_ = [{base!r}]
data_root = {root!r}
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(decode_head=dict(dropout_ratio=0.0))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_cfg = dict(max_iters={iters}, val_interval={iters})
default_hooks = dict(logger=dict(interval=2),
                     checkpoint=dict(interval={iters}))
custom_hooks = []
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=4)
'''


def write_fast_config(path, root, iters):
    """Write the fast synthetic config to ``path`` and return it as str."""
    path.write_text(FAST_CONFIG.format(base=SYNTH_CONFIG, root=str(root),
                                       iters=iters))
    return str(path)
