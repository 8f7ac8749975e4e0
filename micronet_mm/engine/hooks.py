"""Hooks that make long training runs survive crashes and bad numbers."""
import logging
import os
import os.path as osp
import random
from collections import deque
from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.runner import BaseLoop

from ..utils.checkpoint import (
    IncompatibleCheckpointError,
    checkpoint_scope,
    task_mismatch,
)
from ..utils.fileio import atomic_write, atomic_write_text, stale_partial_files


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

    def before_train(self, runner) -> None:
        """Remove temporary files of saves that a kill interrupted.

        MMEngine's ``before_train`` also deletes the checkpoints listed in
        the resumed ``keep_ckpt_ids`` beyond ``max_keep_ckpts``: the
        checkpoint a save was about to replace when the run was killed.
        """
        super().before_train(runner)
        if not is_main_process() or '://' in str(self.out_dir):
            return
        for path in stale_partial_files(self.out_dir, '.pth'):
            os.remove(path)
            print_log(f'removed {osp.basename(path)}, left by an '
                      'interrupted save', logger='current')

    def _save_checkpoint_with_step(self, runner, step, meta):
        if self.backend_args is not None or '://' in str(self.out_dir):
            return super()._save_checkpoint_with_step(runner, step, meta)
        if get_world_size() > 1:
            # only rank 0 writes: collect every rank's random states for
            # RNGStateHook (a collective, so before the rank-0-only save)
            runner.message_hub.update_info(
                'rng_states_all_ranks',
                (runner.iter, all_gather_object(get_rng_state())),
                resumed=False)
        # The kept list saved in the checkpoint includes this step (a run
        # resumed from it prunes exactly as an uninterrupted run) and the
        # step it replaces: that file is deleted only after the save, and
        # if a kill comes first, before_train of the resumed run deletes it.
        ids = list(self.keep_ckpt_ids)
        if self.max_keep_ckpts > 0 and (not ids or ids[-1] != step):
            ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', ids)
        final = osp.join(self.out_dir, self.filename_tmpl.format(step))
        if is_main_process():  # Runner.save_checkpoint is rank-0 only
            with atomic_write(final) as tmp:
                runner.save_checkpoint(
                    self.out_dir,
                    osp.basename(tmp),
                    self.file_client_args,
                    save_optimizer=self.save_optimizer,
                    save_param_scheduler=self.save_param_scheduler,
                    meta=meta,
                    by_epoch=self.by_epoch,
                    **self.args)
        self.last_ckpt = final
        runner.message_hub.update_info('last_ckpt', final)
        if self.max_keep_ckpts > 0:
            kept = ids[-self.max_keep_ckpts:]
            self.keep_ckpt_ids = deque(kept, maxlen=self.max_keep_ckpts)
            runner.message_hub.update_info('keep_ckpt_ids', kept)
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), final)
        for old in ids[:-self.max_keep_ckpts] if self.max_keep_ckpts > 0 \
                else []:
            old = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if osp.isfile(old):
                os.remove(old)


class NonFiniteLossHook(Hook):
    """Stop training at the first NaN/inf loss, naming the iteration.

    Kept instead of mmdet's ``CheckInvalidLossHook``, which asserts on the
    total loss only, without naming the last good checkpoint.

    It runs before the checkpoint hook, so the weights updated with the bad
    loss are never saved: the last checkpoint on disk stays the last good
    one.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1.
    """
    priority = 'VERY_HIGH'

    def __init__(self, interval: int = 1):
        self.interval = interval
        self._restored = None
        self._resumed_from = None

    def before_train(self, runner) -> None:
        """Note the checkpoint a resumed run started from."""
        # the message hub of a resumed run holds the path the checkpoint
        # was saved under, which may have moved since
        self._restored = runner.message_hub.get_info('last_ckpt')
        if getattr(runner, '_resume', False):
            self._resumed_from = runner.cfg.get('load_from')

    def _last_good(self, runner) -> Optional[str]:
        last = runner.message_hub.get_info('last_ckpt')
        if self._resumed_from and last == self._restored:
            return self._resumed_from
        return last

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs: Optional[dict] = None):
        if not outputs or not self.every_n_train_iters(runner,
                                                       self.interval):
            return
        bad = {k: float(v) for k, v in outputs.items()
               if 'loss' in k and torch.is_tensor(v)
               and not torch.isfinite(v).all()}
        if bad:
            last = self._last_good(runner)
            raise FloatingPointError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {bad}; training stopped. The last '
                f'good checkpoint is {last or "none (none saved yet)"}')


def get_rng_state() -> dict:
    """The Python, numpy, torch (and CUDA) random states of this process."""
    return dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all()
        if torch.cuda.is_available() else [])


def set_rng_state(state: dict) -> None:
    """Restore states returned by :func:`get_rng_state`."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if state.get('cuda') and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfterReplay:
    """Stands in for ``IterBasedTrainLoop.dataloader_iterator`` on resume:
    lets the loop replay ``skip`` batches, then restores the random states
    before the first new batch is drawn, and puts the real iterator back.

    The replay runs the data pipeline (in the main process when
    ``num_workers=0``), which draws random numbers the uninterrupted run
    drew long before the checkpoint; restoring afterwards gives the next
    batch the random state it had in the uninterrupted run.
    """

    def __init__(self, loop, iterator, skip: int, state: dict):
        self._loop = loop
        self._iterator = iterator
        self._skip = skip
        self._state = state

    def __iter__(self):
        return self

    def __next__(self):
        if self._skip > 0:
            self._skip -= 1
            return next(self._iterator)
        self._loop.dataloader_iterator = self._iterator
        set_rng_state(self._state)
        print_log('restored the random number generator states of the '
                  'checkpoint', logger='current')
        return next(self._iterator)

    def __getattr__(self, name):
        return getattr(self._iterator, name)


class RNGStateHook(Hook):
    """Save the Python, numpy and torch random states in checkpoints and
    restore them when resuming, so an interrupted and resumed run follows
    the uninterrupted one exactly (given ``randomness.deterministic``).

    Three things make that exact:

    * **where states are restored.** The epoch-based loop gets them back
      in ``before_train_epoch``, before the epoch's data loader iterator is
      created (creating it draws a torch random number, and with
      ``num_workers=0`` the first batch is augmented in this process). The
      iteration-based loop first replays the data loader up to the resumed
      iteration; states are restored after that replay, right before the
      first new batch is drawn.
    * **validation draws nothing.** Creating the validation data loader
      iterator draws a torch random number. A checkpoint is saved before
      the validation that follows it, so a resumed run never repeats that
      draw; the states are therefore saved before and restored after every
      validation during training, in both runs.
    * **every rank's states.** :class:`AtomicCheckpointHook` gathers the
      states of all ranks before a distributed save (only rank 0 writes);
      each rank restores its own. A checkpoint from a run with another
      number of processes gives every rank rank 0's states (a warning says
      so).

    Data loader workers (``num_workers > 0``) are reseeded by MMEngine each
    time they start, so their streams only repeat if they start at the
    same point: ``prepare_train_config`` turns ``persistent_workers`` off
    for deterministic epoch-based runs (see :func:`make_resume_exact`).
    """
    priority = 'VERY_HIGH'

    def __init__(self):
        self._pending = None
        self._before_val = None

    @staticmethod
    def _own_state(state: Optional[dict]) -> Optional[dict]:
        """This rank's entry of a saved ``rng_state`` (one process or
        several)."""
        if state is None or 'ranks' not in state:
            return state
        from mmengine.dist import get_rank
        ranks = state['ranks']
        rank = get_rank()
        if rank >= len(ranks):
            print_log(f'the checkpoint holds random states of {len(ranks)} '
                      f'process(es); rank {rank} continues with rank 0\'s',
                      logger='current', level=30)
            rank = 0
        return ranks[rank]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the random states (all ranks' if gathered, else this
        process's; during validation the states from before it)."""
        gathered = runner.message_hub.get_info('rng_states_all_ranks')
        if self._before_val is not None:
            checkpoint['rng_state'] = self._before_val
        elif gathered is not None and gathered[0] == runner.iter:
            checkpoint['rng_state'] = dict(ranks=gathered[1])
        else:
            checkpoint['rng_state'] = get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the checkpoint's states until training resumes."""
        self._pending = self._own_state(checkpoint.get('rng_state'))

    def before_train_epoch(self, runner) -> None:
        """Restore the states of a resumed run (see class doc)."""
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        if runner.iter == 0:  # load_from a finished run, not a resume
            return
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):  # iteration-based: replay
            loop.dataloader_iterator = _RestoreAfterReplay(
                loop, loop.dataloader_iterator, runner.iter, state)
            return
        per_epoch = len(runner.train_dataloader)
        if per_epoch and runner.iter % per_epoch:
            print_log(f'resuming from a mid-epoch checkpoint (iteration '
                      f'{runner.iter}, {per_epoch} per epoch): MMEngine '
                      'restarts the epoch, so this run will not repeat the '
                      'uninterrupted one exactly', logger='current',
                      level=30)
        set_rng_state(state)
        print_log('restored the random number generator states of the '
                  'checkpoint', logger='current')

    def before_val(self, runner) -> None:
        """Remember the training random states during validation."""
        # runner.train_loop would build the loop of a test/val-only runner
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            self._before_val = get_rng_state()

    def after_val(self, runner) -> None:
        """Give training back the states it had before validation."""
        if self._before_val is not None:
            state, self._before_val = self._before_val, None
            set_rng_state(state)


class CheckpointTaskHook(Hook):
    """Refuse ``load_from``/``--resume`` checkpoints of another task.

    MMEngine loads checkpoints non-strictly: a pose checkpoint given to a
    segmentation config loads its backbone, reports the head keys as
    missing in a long log warning, and trains on. This hook stops before
    any weight is loaded, naming the checkpoint, both tasks and how to
    start from the other task's backbone instead.
    """
    priority = 'VERY_HIGH'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the checkpoint's task with the config's."""
        ours = runner.cfg.get('default_scope')
        theirs = checkpoint_scope(checkpoint)
        if ours is None or theirs is None or ours == theirs:
            return
        path = runner.cfg.get('load_from') or '<checkpoint>'
        raise IncompatibleCheckpointError(
            f'{task_mismatch(path, theirs, ours)}. To start from its '
            "backbone set model.backbone.init_cfg=dict(type='Pretrained', "
            f"checkpoint='{path}', prefix='backbone.') instead of "
            'load_from/--resume')


class BadImageReportHook(Hook):
    """Log how many bad training images :class:`CheckedLoad` skipped.

    Installed by ``prepare_train_config`` with ``skip_bad_images=True``.
    The count (shared with forked data loader workers) is logged when it
    grows and at the end of training, and is kept in the message hub as
    ``skipped_bad_images``.
    """
    priority = 'LOW'

    def __init__(self):
        self._loads = []
        self._last = 0

    def before_train(self, runner) -> None:
        """Find the checked loaders of the training set."""
        from ..datasets.transforms import find_checked_loads
        self._loads = [
            t for t in find_checked_loads(runner.train_dataloader.dataset)
            if t.skip_bad
        ]

    def _count(self) -> int:
        return sum(t.num_skipped for t in self._loads)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        """Log the count when it changed."""
        count = self._count()
        if count != self._last:
            self._last = count
            runner.message_hub.update_info('skipped_bad_images', count)
            print_log(f'{count} bad training image(s) skipped so far '
                      f'(iteration {runner.iter + 1})', logger='current',
                      level=30)

    def after_train(self, runner) -> None:
        """Log the final count."""
        if self._loads:
            print_log(f'skip_bad_images: {self._count()} bad training '
                      'image(s) skipped in this run', logger='current')


def log_to_file_only(text: str) -> Optional[str]:
    """Write ``text`` to the log file of the current MMEngine logger
    without showing it on the console.

    Args:
        text (str): The record, e.g. a traceback.

    Returns:
        str | None: The log file, or None if the logger has none.
    """
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(logger.makeRecord(
                logger.name, logging.ERROR, __file__, 0, text, None, None))
            return handler.baseFilename
    return None


def bad_image_message(err) -> str:
    """The one-line message for a ``BadImageError``; the traceback of the
    data loader worker that raised it goes to the log file.

    Args:
        err (BadImageError): The error caught by a tool.
    """
    message = str(err)
    if getattr(err, 'traceback', None):
        log = log_to_file_only(err.traceback)
        if log:
            message += f' (data loader traceback in {log})'
    return message
