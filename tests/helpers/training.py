"""Tiny training configs on the generated data sets, and readers for what a
run leaves behind (scalars, checkpoints), for the training-survival tests.

The configs inherit the project configs and override only sizes and
schedules (tiny images, a few iterations), so they follow the colleagues'
model and pipeline choices without depending on their tuning.
"""
import glob
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

from tests.helpers.tools import REPO

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


def write_two_class_folder(root, size) -> str:
    """An mmpretrain ``CustomDataset`` folder of dark and bright noise images
    (8 train, 4 val) of ``size`` = (h, w); returns ``root`` as str."""
    rng = np.random.default_rng(0)
    for split, n in (('train', 8), ('val', 4)):
        for label, colour in (('dark', 40), ('bright', 200)):
            path = root / split / label
            path.mkdir(parents=True)
            for i in range(n // 2):
                img = rng.integers(0, 50, (*size, 3)) + colour
                Image.fromarray(img.astype(np.uint8)).save(path / f'{i}.png')
    return str(root)


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


def weights(path: str) -> dict:
    """The ``state_dict`` of a checkpoint file."""
    import micronet_mm  # noqa: F401  (safe loading of mmengine checkpoints)
    return torch.load(path, map_location='cpu')['state_dict']


def assert_same_weights(path_a: str, path_b: str) -> None:
    """Checkpoints ``path_a`` and ``path_b`` hold bit-identical weights."""
    a, b = weights(path_a), weights(path_b)
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, (f'{len(differ)} of {len(a)} tensors differ, e.g. '
                        f'{differ[:3]}')


def start_tool(*args, env=None, log=None) -> subprocess.Popen:
    """Start ``python <args>`` from the repo root without waiting; output
    goes to ``log`` (a path) or is discarded."""
    full_env = dict(os.environ, **TOOL_ENV)
    full_env['PYTHONPATH'] = REPO + os.pathsep + full_env.get(
        'PYTHONPATH', '')
    full_env.update(env or {})
    out = open(log, 'ab') if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, *args], cwd=REPO,
                                env=full_env, stdout=out,
                                stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` (no clean-up handlers run) and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 300,
             interval: float = 0.005) -> bool:
    """Poll ``predicate`` until it holds (True) or ``proc`` exits
    (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return bool(predicate())
        time.sleep(interval)
    raise TimeoutError(f'condition not reached in {timeout} s')


def free_port() -> int:
    """A TCP port of this machine that nothing listens on (for torchrun's
    and Slurm's rendezvous)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_script(*args, env=None) -> subprocess.CompletedProcess:
    """Run ``bash <args>`` (a launch script) from the repo root with
    :data:`TOOL_ENV` and this interpreter as ``PYTHON``; asserts success."""
    full_env = dict(os.environ, **TOOL_ENV, PYTHON=sys.executable)
    full_env.update(env or {})
    proc = subprocess.run(['bash', *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def log_text(work) -> str:
    """The text log of the run in ``work`` (rank 0 writes the only one)."""
    logs = [osp.join(r, f) for r, _, files in os.walk(work) for f in files
            if f.endswith('.log')]
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return f.read()
