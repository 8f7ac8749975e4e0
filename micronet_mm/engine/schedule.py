"""The effective training schedule of a config on a given cluster.

A recipe is stated for a reference total batch (e.g. Cityscapes: 240
epochs, lr 0.2 at 16 images per step). The schedule that actually runs
depends on the number of processes and the batch per process:

* **length**: epoch-based loops (``EpochBasedTrainLoop``, all full-data
  configs) keep their epochs; the number of iterations follows from the
  data set size, the processes and the batch. Iteration-based loops (the
  CPU toy configs) keep their iterations; their epochs follow.
* **learning rate**: linear scaling, ``lr = base_lr * total_batch /
  auto_scale_lr.base_batch_size``, applied by MMEngine's ``Runner.scale_lr``
  when ``auto_scale_lr.enable`` is True (the default of every config here;
  ``--cfg-options auto_scale_lr.enable=False`` turns it off). Absolute
  floors such as a cosine ``eta_min`` are not scaled.
* **warm-up, validation and checkpoint intervals** given in epochs follow
  the epoch length; those given in iterations stay fixed.

:func:`compute_schedule` is the one place that computes this; the train
tool logs it at start (:class:`EffectiveScheduleHook`) and
``tools/analysis/print_schedule.py`` prints it without building anything.
"""
import math
from dataclasses import asdict, dataclass
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log

#: Config variable holding the documented training set size (samples per
#: epoch: images, or person instances for top-down pose).
DATASET_SIZE_KEY = 'num_train_samples'


@dataclass
class Schedule:
    """What a training run will do.

    Attributes:
        gpus (int): Processes (one per GPU).
        batch_per_gpu (int): ``train_dataloader.batch_size``.
        total_batch (int): ``gpus * batch_per_gpu``.
        dataset_size (int): Training samples per epoch.
        iters_per_epoch (int): Steps of one pass over the data (rank 0).
        epochs (float): Passes over the data.
        iters (int): Optimiser steps.
        base_lr (float): The config's learning rate.
        lr (float): The learning rate after scaling.
        base_batch (int or None): The total batch ``base_lr`` is meant for
            (``auto_scale_lr.base_batch_size``).
        lr_scaled (bool): Whether ``auto_scale_lr`` is enabled.
        warmup_iters (int): Steps of the linear warm-up (0: none).
        by_epoch (bool): Epoch-based (True) or iteration-based loop.
    """
    gpus: int
    batch_per_gpu: int
    total_batch: int
    dataset_size: int
    iters_per_epoch: int
    epochs: float
    iters: int
    base_lr: float
    lr: float
    base_batch: Optional[int]
    lr_scaled: bool
    warmup_iters: int
    by_epoch: bool

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """The schedule in one log line."""
        if self.lr_scaled:
            lr = (f'lr {self.lr:.6g} (config {self.base_lr:.6g} at total '
                  f'batch {self.base_batch}, scaled x'
                  f'{self.total_batch / self.base_batch:.4g})')
        else:
            lr = f'lr {self.lr:.6g} (not scaled: auto_scale_lr off)'
        length = (f'{self.epochs:g} epochs' if self.by_epoch else
                  f'{self.epochs:.2f} epochs (iteration-based)')
        return (f'effective schedule: {self.gpus} process(es) x '
                f'{self.batch_per_gpu} = total batch {self.total_batch}, '
                f'{length} of {self.dataset_size} samples = {self.iters} '
                f'iterations ({self.iters_per_epoch}/epoch), {lr}, warm-up '
                f'{self.warmup_iters} iterations')


def iters_per_epoch(dataset_size: int, gpus: int, batch: int,
                    drop_last: bool = False) -> int:
    """Steps per epoch of mmengine's ``DefaultSampler`` on rank 0.

    The sampler gives rank 0 ``ceil(N / gpus)`` indices (with or without
    ``round_up``, which only pads the other ranks); the data loader then
    batches them, dropping an incomplete last batch only with
    ``drop_last``.
    """
    per_rank = math.ceil(dataset_size / gpus)
    return per_rank // batch if drop_last else math.ceil(per_rank / batch)


def _warmup_iters(cfg, epoch_len: int, total: int) -> int:
    """Steps of the leading ``LinearLR`` scheduler (the warm-up), if any."""
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for sched in schedulers:
        if sched.get('type') != 'LinearLR' or sched.get('begin', 0) != 0:
            continue
        end = sched.get('end')
        if end is None:
            continue
        # mmengine converts epoch units with int(end * epoch_length)
        steps = int(end if sched.get('by_epoch', True) is False else
                    end * epoch_len)
        # a LinearLR over the whole run is a decay, not a warm-up
        if steps < total:
            return steps
    return 0


def compute_schedule(cfg,
                     gpus: int,
                     batch_per_gpu: Optional[int] = None,
                     dataset_size: Optional[int] = None) -> Schedule:
    """The schedule ``cfg`` trains with on ``gpus`` processes.

    Args:
        cfg (Config): A training config.
        gpus (int): Number of processes (world size).
        batch_per_gpu (int, optional): Batch per process; defaults to
            ``train_dataloader.batch_size``.
        dataset_size (int, optional): Training samples per epoch; defaults
            to the config's ``num_train_samples``.

    Returns:
        Schedule: Processes, batches, epochs, iterations, learning rates
        and warm-up.

    Raises:
        ValueError: If a size is not positive, or the data set size is
            neither given nor in the config.
    """
    loader = cfg.get('train_dataloader') or {}
    batch = batch_per_gpu or loader.get('batch_size')
    size = dataset_size or cfg.get(DATASET_SIZE_KEY)
    if size is None:
        raise ValueError(
            f'the config sets no {DATASET_SIZE_KEY} (training samples per '
            f'epoch); add it or pass --cfg-options {DATASET_SIZE_KEY}=N')
    for name, value in (('gpus', gpus), ('batch per gpu', batch),
                        (DATASET_SIZE_KEY, size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'{name} must be a positive integer, got '
                             f'{value!r}')
    epoch_len = iters_per_epoch(size, gpus, batch,
                                drop_last=loader.get('drop_last', False))
    total_batch = gpus * batch
    train_cfg = cfg.get('train_cfg') or {}
    by_epoch = train_cfg.get('by_epoch', train_cfg.get(
        'type', 'EpochBasedTrainLoop') == 'EpochBasedTrainLoop')
    length_key = 'max_epochs' if by_epoch else 'max_iters'
    if not isinstance(train_cfg.get(length_key), int):
        raise ValueError(f'train_cfg.{length_key} must be an integer, got '
                         f'{train_cfg.get(length_key)!r}')
    if by_epoch:
        epochs = train_cfg.max_epochs
        iters = epochs * epoch_len
    else:
        iters = train_cfg.max_iters
        epochs = iters * total_batch / size
    base_lr = ((cfg.get('optim_wrapper') or {}).get('optimizer') or
               {}).get('lr')
    if not isinstance(base_lr, (int, float)):
        raise ValueError('optim_wrapper.optimizer.lr must be a number, got '
                         f'{base_lr!r}')
    scale = cfg.get('auto_scale_lr') or {}
    enabled = bool(scale.get('enable', False))
    base_batch = scale.get('base_batch_size')
    if enabled and not base_batch:
        raise ValueError('auto_scale_lr.enable is True but '
                         'auto_scale_lr.base_batch_size is not set')
    lr = base_lr * total_batch / base_batch if enabled else base_lr
    return Schedule(
        gpus=gpus,
        batch_per_gpu=batch,
        total_batch=total_batch,
        dataset_size=size,
        iters_per_epoch=epoch_len,
        epochs=epochs,
        iters=iters,
        base_lr=base_lr,
        lr=lr,
        base_batch=base_batch,
        lr_scaled=enabled,
        warmup_iters=_warmup_iters(cfg, epoch_len, iters),
        by_epoch=by_epoch)


class EffectiveScheduleHook(Hook):
    """Log the run's :class:`Schedule` in one line before training.

    Computed with the real world size, batch and training set size; a
    warning names any difference from what the dry-run
    (``tools/analysis/print_schedule.py``) assumes: the config's
    documented ``num_train_samples``, or a loop length that the formula
    does not reproduce (e.g. a custom sampler).
    """

    def before_run(self, runner) -> None:
        loader = runner.train_dataloader
        size = len(loader.dataset)
        try:
            schedule = compute_schedule(runner.cfg, runner.world_size,
                                        batch_per_gpu=loader.batch_size,
                                        dataset_size=size)
        except ValueError as err:
            # a config outside this project's conventions still trains
            print_log(f'effective schedule unknown: {err}',
                      logger='current', level=30)
            return
        print_log(schedule.line(), logger='current')
        documented = runner.cfg.get(DATASET_SIZE_KEY)
        if documented is not None and documented != size:
            print_log(
                f'the training set has {size} samples, the config documents '
                f'{DATASET_SIZE_KEY} = {documented}: the dry-run '
                '(tools/analysis/print_schedule.py) assumes the latter',
                logger='current', level=30)
        if runner.max_iters != schedule.iters:
            print_log(
                f'the training loop runs {runner.max_iters} iterations, not '
                f'the {schedule.iters} of the effective schedule (a sampler '
                'other than mmengine\'s DefaultSampler/InfiniteSampler?)',
                logger='current', level=30)
