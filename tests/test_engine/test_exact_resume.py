"""An interrupted and resumed run ends with the weights of an uninterrupted
one, for both loop types and with or without data loader workers.

A toy model with dropout (torch random numbers in the main process) trains
on a data set that augments with numpy's random generator (in the main
process with ``num_workers=0``, in the workers otherwise), validating
between checkpoints. A hook raises half-way through (after some
checkpoints, mid-epoch for the epoch loop); a second runner resumes from
the work dir as ``tools/train.py --resume`` does. Without the restore
points of ``RNGStateHook`` (before the epoch / after the data loader
replay), its neutral validation, or ``make_resume_exact`` for persistent
workers, one of these cases ends with different weights.
"""
import itertools

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import micronet_mm
from micronet_mm.engine.config_setup import (
    find_resume_checkpoint,
    install_safety_hooks,
    make_resume_exact,
)

micronet_mm.register_task('engine')  # the hooks, built by name

pytestmark = pytest.mark.slow  # a dozen short Runner trainings

_IDS = itertools.count()


class AugmentedData(Dataset):
    """Twelve samples with numpy-random "augmentation"."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        noise = torch.from_numpy(np.random.rand(2).astype(np.float32))
        return dict(x=torch.tensor([float(i), 1.0]) + noise,
                    y=torch.tensor(i % 2.0))


class DropoutModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(2, 8)
        self.drop = torch.nn.Dropout(0.5)
        self.out = torch.nn.Linear(8, 1)

    def forward(self, x, y, mode='loss'):
        pred = self.out(self.drop(torch.relu(self.hidden(x)))).squeeze(1)
        err = ((pred - y)**2).mean()
        if mode == 'loss':
            return dict(loss=err)
        return [dict(err=float(err))]


class MeanError(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return dict(err=float(np.mean([r['err'] for r in results])))


class Crash(Hook):
    """Stops the run like a kill: after iteration ``at``, before any
    checkpoint of that iteration."""
    priority = 'HIGHEST'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            raise KeyboardInterrupt('simulated kill')


def _runner(work_dir, by_epoch, workers, persistent, crash_at=None,
            resume=False):
    if by_epoch:  # 4 iterations per epoch
        train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
        checkpoint = dict(type='CheckpointHook', interval=1,
                          max_keep_ckpts=2)
        sampler = dict(type='DefaultSampler', shuffle=True)
    else:
        train_cfg = dict(by_epoch=False, max_iters=12, val_interval=3)
        checkpoint = dict(type='CheckpointHook', interval=3, by_epoch=False,
                          max_keep_ckpts=2)
        sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg = Config(dict(
        default_hooks=dict(checkpoint=checkpoint),
        train_dataloader=dict(num_workers=workers,
                              persistent_workers=persistent),
        train_cfg=train_cfg,
        randomness=dict(seed=0, deterministic=True)))
    install_safety_hooks(cfg)
    make_resume_exact(cfg)
    hooks = list(cfg.custom_hooks) + ([Crash(crash_at)] if crash_at else [])
    torch.manual_seed(0)  # the model is built here, before the runner
    return Runner(
        model=DropoutModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=AugmentedData(), sampler=sampler, batch_size=3,
            num_workers=workers,
            persistent_workers=cfg.train_dataloader.persistent_workers,
            collate_fn=dict(type='default_collate')),
        val_dataloader=dict(
            dataset=AugmentedData(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4, num_workers=workers,
            collate_fn=dict(type='default_collate')),
        val_evaluator=Evaluator(MeanError()),
        val_cfg=dict(),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        train_cfg=train_cfg,
        default_hooks=cfg.default_hooks,
        custom_hooks=hooks,
        randomness=dict(seed=0, deterministic=True),
        resume=resume,
        load_from=find_resume_checkpoint(str(work_dir)) if resume else None,
        experiment_name=f'exact_resume_{next(_IDS)}',
        default_scope='mmengine')


@pytest.mark.parametrize('by_epoch', [True, False], ids=['epoch', 'iter'])
@pytest.mark.parametrize('workers,persistent', [(0, False), (2, False),
                                                (2, True)],
                         ids=['main-process', 'workers', 'persistent'])
def test_interrupted_run_ends_with_uninterrupted_weights(
        tmp_path, by_epoch, workers, persistent):
    reference = _runner(tmp_path / 'ref', by_epoch, workers, persistent)
    reference.train()
    expected = {k: v.clone() for k, v in reference.model.state_dict().items()}

    # epoch loop: killed in epoch 2 (checkpoint of epoch 1 on disk);
    # iteration loop: killed at 8 (checkpoint of 6, validation after it)
    crash_at = 6 if by_epoch else 8
    interrupted = _runner(tmp_path / 'run', by_epoch, workers, persistent,
                          crash_at=crash_at)
    with pytest.raises(KeyboardInterrupt):
        interrupted.train()
    resumed = _runner(tmp_path / 'run', by_epoch, workers, persistent,
                      resume=True)
    assert resumed._load_from.endswith('epoch_1.pth' if by_epoch else
                                       'iter_6.pth')
    resumed.train()
    got = resumed.model.state_dict()
    differ = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not differ, differ
