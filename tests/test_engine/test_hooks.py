"""Runner-level behaviour of the safety hooks on a toy model."""
import itertools
import os
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import micronet_mm
from micronet_mm.engine import RNGStateHook
from micronet_mm.engine.config_setup import (
    find_resume_checkpoint,
    install_safety_hooks,
    is_complete_checkpoint,
)

micronet_mm.register_task('engine')  # the hooks, built by name

_RUN_IDS = itertools.count()


class ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(x=torch.full((2, ), float(i)), y=torch.tensor(i % 2.0))


class ToyModel(BaseModel):

    def __init__(self, nan_at_iter=None):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.nan_at_iter = nan_at_iter
        self.calls = 0

    def forward(self, x, y, mode='loss'):
        self.calls += 1
        loss = ((self.linear(x).squeeze(1) - y)**2).mean()
        if self.nan_at_iter is not None and self.calls >= self.nan_at_iter:
            loss = loss * float('nan')
        return dict(loss=loss)


def _runner(work_dir, model=None, epochs=3, max_keep=1, **runner_args):
    cfg = dict(
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=1, max_keep_ckpts=max_keep)))
    from mmengine.config import Config
    cfg = Config(cfg)
    install_safety_hooks(cfg)
    return Runner(
        model=model or ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=2,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        default_hooks=cfg.default_hooks,
        custom_hooks=cfg.custom_hooks,
        randomness=dict(seed=0),
        # unique name: runners built in the same second would otherwise
        # share MMEngine's global message hub (and its checkpoint list)
        experiment_name=f'{osp.basename(work_dir)}_{next(_RUN_IDS)}',
        default_scope='mmengine',
        **runner_args)


def test_install_safety_hooks_replaces_checkpoint_hook():
    from mmengine.config import Config
    cfg = Config(dict(default_hooks=dict(checkpoint=dict(
        type='CheckpointHook', interval=1))))
    install_safety_hooks(cfg)
    install_safety_hooks(cfg)  # idempotent
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert [h['type'] for h in cfg.custom_hooks] == [
        'NonFiniteLossHook', 'RNGStateHook', 'CheckpointTaskHook']


def test_atomic_checkpoints_keep_only_complete_files(tmp_path):
    _runner(tmp_path).train()
    files = sorted(os.listdir(tmp_path))
    assert 'epoch_3.pth' in files and 'epoch_2.pth' not in files
    assert not [f for f in files if f.endswith('.partial')]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_3.pth')
    ckpt = torch.load(tmp_path / 'epoch_3.pth')
    assert {'python', 'numpy', 'torch'} <= set(ckpt['rng_state'])


def _pth(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith('.pth'))


def test_retention_holds_across_resumes(tmp_path):
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    _runner(straight, epochs=5, max_keep=2).train()
    # the same run interrupted twice: after epoch 2 and after epoch 3
    _runner(resumed, epochs=2, max_keep=2).train()
    for epochs, start in ((3, 'epoch_2.pth'), (5, 'epoch_3.pth')):
        _runner(resumed, epochs=epochs, max_keep=2, resume=True,
                load_from=str(resumed / start)).train()
    assert _pth(straight) == _pth(resumed) == ['epoch_4.pth', 'epoch_5.pth']


def test_resume_deletes_the_checkpoint_a_killed_save_would_have(tmp_path):
    _runner(tmp_path, epochs=3, max_keep=2).train()
    # a kill right after epoch_3 was saved, before epoch_1 was deleted
    ckpt = torch.load(tmp_path / 'epoch_3.pth')
    assert ckpt['message_hub']['runtime_info']['keep_ckpt_ids'] == [1, 2, 3]
    (tmp_path / 'epoch_1.pth').write_bytes(b'left by the kill')
    _runner(tmp_path, epochs=4, max_keep=2, resume=True,
            load_from=str(tmp_path / 'epoch_3.pth')).train()
    assert _pth(tmp_path) == ['epoch_3.pth', 'epoch_4.pth']


@pytest.mark.parametrize('umask', [0o022, 0o077])
def test_checkpoints_and_pointer_keep_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        _runner(tmp_path, epochs=1).train()
    finally:
        os.umask(old)
    for name in ('epoch_1.pth', 'last_checkpoint'):
        mode = os.stat(tmp_path / name).st_mode & 0o777
        assert mode == 0o666 & ~umask, (name, oct(mode))


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    runner = _runner(tmp_path, epochs=3)
    real_save = torch.save
    calls = []

    def flaky_save(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # third checkpoint dies half-way
            f.write(b'PK\x03\x04 partial')
            raise OSError('disk full')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', flaky_save)
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    # the old checkpoint was not deleted before the new one was complete
    assert is_complete_checkpoint(str(tmp_path / 'epoch_2.pth'))
    assert not (tmp_path / 'epoch_3.pth').exists()
    assert find_resume_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_2.pth')


def test_resume_falls_back_to_newest_complete_checkpoint(tmp_path):
    _runner(tmp_path, epochs=2, max_keep=2).train()
    # a corrupt pointer target and a truncated newer file
    (tmp_path / 'epoch_3.pth').write_bytes(b'PK\x03\x04 torn')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_2.pth')
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        (tmp_path / name).write_bytes(b'garbage')
    with pytest.raises(ValueError, match='truncated or corrupt'):
        find_resume_checkpoint(str(tmp_path))
    (tmp_path / 'empty').mkdir()
    assert find_resume_checkpoint(str(tmp_path / 'empty')) is None


def test_nan_loss_stops_with_iteration_and_keeps_last_good(tmp_path):
    # 4 iterations per epoch: epochs 1 and 2 finish, iteration 10 is NaN
    runner = _runner(tmp_path, model=ToyModel(nan_at_iter=10), epochs=5,
                     max_keep=3)
    with pytest.raises(FloatingPointError) as err:
        runner.train()
    assert 'iteration 10' in str(err.value)
    assert 'epoch_2.pth' in str(err.value)
    good = torch.load(tmp_path / 'epoch_2.pth')
    assert all(torch.isfinite(v).all() for v in good['state_dict'].values())
    assert not (tmp_path / 'epoch_3.pth').exists()


class _Hub:

    def __init__(self, info=None):
        self.info = dict(info or {})

    def get_info(self, key, default=None):
        return self.info.get(key, default)


class _EpochLoop:
    pass


class _FakeRunner:

    def __init__(self, iter=7, loop=None, info=None):
        self.iter = iter
        self.train_loop = loop or _EpochLoop()
        self.train_dataloader = [0] * 7  # 7 iterations per epoch
        self.message_hub = _Hub(info)


def test_rng_state_restored_before_the_epoch_only_on_resume():
    hook = RNGStateHook()
    ckpt = {}
    torch.manual_seed(123)
    hook.before_save_checkpoint(_FakeRunner(), ckpt)
    expected = torch.rand(3)

    torch.manual_seed(0)
    hook.after_load_checkpoint(None, ckpt)
    hook.before_train_epoch(_FakeRunner(iter=7))
    assert torch.equal(torch.rand(3), expected)

    # load_from, not a resume: states untouched
    hook.after_load_checkpoint(None, ckpt)
    torch.manual_seed(0)
    fresh = torch.rand(3)
    torch.manual_seed(0)
    hook.before_train_epoch(_FakeRunner(iter=0))
    assert torch.equal(torch.rand(3), fresh)


def test_rng_state_restored_after_the_iteration_loop_replay():
    class IterLoop:
        def __init__(self):
            self.dataloader_iterator = iter(range(100))

    hook = RNGStateHook()
    ckpt = {}
    torch.manual_seed(5)
    hook.before_save_checkpoint(_FakeRunner(), ckpt)
    expected = torch.rand(2)
    hook.after_load_checkpoint(None, ckpt)
    loop = IterLoop()
    real = loop.dataloader_iterator
    hook.before_train_epoch(_FakeRunner(iter=3, loop=loop))
    # the loop replays 3 batches; the replay may draw random numbers
    torch.manual_seed(99)
    assert [next(loop.dataloader_iterator) for _ in range(3)] == [0, 1, 2]
    torch.rand(10)
    # the first new batch is drawn with the checkpoint's states
    assert next(loop.dataloader_iterator) == 3
    assert torch.equal(torch.rand(2), expected)
    assert loop.dataloader_iterator is real  # unwrapped again


def test_each_rank_restores_its_own_states(monkeypatch):
    from mmengine import dist
    hook = RNGStateHook()
    states = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        states.append(dict(torch=torch.get_rng_state(), cuda=[],
                           python=__import__('random').getstate(),
                           numpy=__import__('numpy').random.get_state()))
    ckpt = {}
    # AtomicCheckpointHook gathered both ranks' states at iteration 7
    hook.before_save_checkpoint(
        _FakeRunner(iter=7, info={'rng_states_all_ranks': (7, states)}),
        ckpt)
    assert len(ckpt['rng_state']['ranks']) == 2
    monkeypatch.setattr(dist, 'get_rank', lambda: 1)
    hook.after_load_checkpoint(None, ckpt)
    hook.before_train_epoch(_FakeRunner(iter=7))
    torch.manual_seed(2)
    expected = torch.rand(2)
    hook.after_load_checkpoint(None, ckpt)
    hook.before_train_epoch(_FakeRunner(iter=7))
    assert torch.equal(torch.rand(2), expected)
    # a run with more processes than the checkpoint: rank 0's states
    monkeypatch.setattr(dist, 'get_rank', lambda: 5)
    hook.after_load_checkpoint(None, ckpt)
    hook.before_train_epoch(_FakeRunner(iter=7))
    torch.manual_seed(1)
    expected = torch.rand(2)
    hook.after_load_checkpoint(None, ckpt)
    hook.before_train_epoch(_FakeRunner(iter=7))
    assert torch.equal(torch.rand(2), expected)


def test_validation_does_not_change_training_random_states(tmp_path):
    runner = _runner(tmp_path, epochs=1)
    hook = next(h for h in runner.hooks if isinstance(h, RNGStateHook))
    runner.train_loop  # build the loop, as training does
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    hook.before_val(runner)
    torch.rand(50)  # e.g. creating the validation loader iterator
    hook.after_val(runner)
    assert torch.equal(torch.rand(2), expected)
