"""Hooks that make long training runs survive crashes and bad numbers."""
import os
import os.path as osp
import random
import tempfile
from typing import Optional

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new
    content, never a partial file."""
    folder = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints survive a kill at any moment.

    MMEngine 0.10.7 writes ``epoch_N.pth`` in place, rewrites the
    ``last_checkpoint`` pointer in place, and deletes the oldest checkpoint
    *before* saving the new one, so a kill while saving can leave a corrupt
    file, an empty pointer or no good checkpoint at all. Here each
    checkpoint is written to a hidden temporary file in the same directory,
    fsynced and renamed into place; the pointer is replaced the same way
    and only then are checkpoints beyond ``max_keep_ckpts`` removed.
    Non-local ``out_dir`` backends fall back to MMEngine's procedure.
    """

    def _save_checkpoint_with_step(self, runner, step, meta):
        if self.backend_args is not None or '://' in str(self.out_dir):
            return super()._save_checkpoint_with_step(runner, step, meta)
        filename = self.filename_tmpl.format(step)
        final = osp.join(self.out_dir, filename)
        partial = f'.{filename}.partial'
        runner.save_checkpoint(
            self.out_dir,
            partial,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            **self.args)
        self.last_ckpt = final
        runner.message_hub.update_info('last_ckpt', final)
        if not is_main_process():
            return
        partial = osp.join(self.out_dir, partial)
        with open(partial, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(partial, final)
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), final)

        ids = self.keep_ckpt_ids  # a deque with maxlen=max_keep_ckpts
        if self.max_keep_ckpts > 0 and (not ids or ids[-1] != step):
            if len(ids) >= self.max_keep_ckpts:
                old = osp.join(self.out_dir,
                               self.filename_tmpl.format(ids.popleft()))
                if osp.isfile(old):
                    os.remove(old)
            ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(ids))


class NonFiniteLossHook(Hook):
    """Stop training at the first NaN/inf loss, naming the iteration.

    It runs before the checkpoint hook, so the weights updated with the bad
    loss are never saved: the last checkpoint on disk stays the last good
    one.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1.
    """
    priority = 'VERY_HIGH'

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs: Optional[dict] = None):
        if not outputs or not self.every_n_train_iters(runner,
                                                       self.interval):
            return
        bad = {k: float(v) for k, v in outputs.items()
               if 'loss' in k and torch.is_tensor(v)
               and not torch.isfinite(v).all()}
        if bad:
            last = runner.message_hub.get_info('last_ckpt')
            raise FloatingPointError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {bad}; training stopped. The last '
                f'good checkpoint is {last or "none (none saved yet)"}')


class RNGStateHook(Hook):
    """Save the Python, numpy and torch random states in checkpoints and
    restore them when resuming, so an interrupted and resumed run follows
    the uninterrupted one exactly (given ``randomness.deterministic``).

    States are restored right before the first resumed iteration: the
    iteration-based loop first replays the data loader up to the resumed
    iteration, which consumes random numbers in the main process.
    """
    priority = 'VERY_LOW'

    def __init__(self):
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state(),
            cuda=torch.cuda.get_rng_state_all()
            if torch.cuda.is_available() else [])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('rng_state')

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        if runner.iter == 0:  # load_from a finished run, not a resume
            return
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if state.get('cuda') and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        print_log('restored the random number generator states of the '
                  'checkpoint', logger='current')
