"""Turn a config plus command-line options into what the Runner needs.

Shared by ``tools/train.py`` and ``tools/test.py`` so that both behave the
same for every task: work dir, resume, mixed precision, distributed backend
and SyncBN handling.
"""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from ..datasets.transforms import install_data_checks
from ..utils.config import load_config


def _has_cuda() -> bool:
    return torch.cuda.is_available()


_PRETTY_TEXT: Dict[str, str] = {}


class CachedTextConfig(Config):
    """``Config`` whose ``pretty_text`` is formatted once per content.

    MMEngine formats the config with yapf (about 3 s for our configs on one
    core) each time it logs the config, dumps it, and in *every* checkpoint
    it saves (``meta['cfg']``), which made a checkpoint take seconds. The
    unformatted text (milliseconds) keys a cache of the formatted one, so
    the output is unchanged and a modified config is formatted again.
    """

    @classmethod
    def from_config(cls, cfg: Config) -> 'CachedTextConfig':
        """The same config (a copy) as a :class:`CachedTextConfig`.

        Args:
            cfg (Config): A loaded config.

        Returns:
            CachedTextConfig: Same content, text, file name and
            environment variables.
        """
        return cls(cfg.to_dict(), cfg_text=cfg.text, filename=cfg.filename,
                   env_variables=cfg.env_variables)

    @property
    def pretty_text(self) -> str:
        fmt = self._format_python_code
        object.__setattr__(self, '_format_python_code', False)
        try:
            raw = Config.pretty_text.fget(self)
        finally:
            object.__setattr__(self, '_format_python_code', fmt)
        if not fmt:
            return raw
        text = _PRETTY_TEXT.get(raw)
        if text is None:
            text = Config.pretty_text.fget(self)
            if len(_PRETTY_TEXT) >= 16:
                _PRETTY_TEXT.clear()
            _PRETTY_TEXT[raw] = text
        return text


def make_resume_exact(cfg: Config) -> None:
    """Turn ``persistent_workers`` off for deterministic epoch-based runs.

    MMEngine seeds each data loader worker when it starts. Persistent
    workers start once and carry their random streams across epochs, so
    the workers of a resumed run (started at the resumed epoch) would
    augment differently from those of the uninterrupted run. Restarted
    each epoch, workers of both runs start from the same seeds. Only with
    ``randomness.deterministic`` (the setting that asks for repeatable
    runs); iteration-based loops replay their data loader on resume and
    keep persistent workers.
    """
    if not (cfg.get('randomness') or {}).get('deterministic'):
        return
    train_cfg = cfg.get('train_cfg') or {}
    by_epoch = train_cfg.get('by_epoch', train_cfg.get(
        'type', 'EpochBasedTrainLoop') == 'EpochBasedTrainLoop')
    loader = cfg.get('train_dataloader') or {}
    if by_epoch and loader.get('num_workers', 0) > 0 and loader.get(
            'persistent_workers'):
        loader['persistent_workers'] = False
        print_log('randomness.deterministic: train_dataloader workers '
                  'restart every epoch (persistent_workers=False) so that '
                  'a resumed run repeats the uninterrupted one',
                  logger='current')


def replace_sync_bn(cfg_node):
    """Replace ``SyncBN`` norm configs by ``BN`` in place; returns the count.

    torch's SyncBatchNorm needs CUDA tensors, so a CPU run (gloo backend)
    must train with plain BN even when distributed; MMEngine only reverts
    SyncBN for non-distributed runs.
    """
    count = 0
    if isinstance(cfg_node, dict):
        if cfg_node.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg_node['type'] = 'BN'
            count += 1
        for value in cfg_node.values():
            count += replace_sync_bn(value)
    elif isinstance(cfg_node, (list, tuple)):
        for value in cfg_node:
            count += replace_sync_bn(value)
    return count


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a fully written torch checkpoint (zip format
    with an intact central directory and CRCs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _checkpoints(work_dir: str):
    """``*.pth`` in ``work_dir``, newest first (by modification time, then
    by the step number in ``epoch_N``/``iter_N`` names)."""

    def key(path):
        digits = re.findall(r'\d+', osp.basename(path))
        return os.stat(path).st_mtime_ns, int(digits[-1]) if digits else -1

    return sorted(glob.glob(osp.join(work_dir, '*.pth')), key=key,
                  reverse=True)


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` continues from.

    mmengine's :func:`find_latest_checkpoint` (the ``last_checkpoint``
    pointer) when it names a complete file, else the newest complete
    ``*.pth`` in the work dir, else None (nothing to resume). Kept on top of
    mmengine's ``resume='auto'`` for the integrity check: a checkpoint cut
    short by a kill would make that fail instead of falling back.

    Raises:
        ValueError: If checkpoints exist but none is readable.
    """
    path = find_latest_checkpoint(work_dir)
    if path and is_complete_checkpoint(path):
        return path
    if path:
        print_log(f'{work_dir}/last_checkpoint points to {path!r}, which is '
                  'missing or incomplete; looking for the newest complete '
                  'checkpoint', logger='current', level=30)
    found = _checkpoints(work_dir)
    for path in found:
        if is_complete_checkpoint(path):
            return path
    if found:
        raise ValueError(f'--resume: no complete checkpoint in {work_dir} '
                         f'({", ".join(map(osp.basename, found))} are '
                         'truncated or corrupt)')
    return None


def install_safety_hooks(cfg: Config) -> None:
    """Atomic checkpoints, a stop at the first non-finite loss, random
    states in checkpoints, a refusal of other tasks' checkpoints and (with
    ``skip_bad_images``) a count of skipped images, for every config (see
    ``engine/hooks.py``)."""
    hooks = cfg.setdefault('default_hooks', {})
    checkpoint = hooks.get('checkpoint')
    if checkpoint is not None and checkpoint.get(
            'type', 'CheckpointHook') in ('CheckpointHook',
                                          'mmengine.CheckpointHook'):
        checkpoint['type'] = 'AtomicCheckpointHook'
    names = ['NonFiniteLossHook', 'RNGStateHook', 'CheckpointTaskHook']
    if cfg.get('skip_bad_images', False):
        names.append('BadImageReportHook')
    _add_custom_hooks(cfg, names)


def _add_custom_hooks(cfg: Config, names: Sequence[str]) -> None:
    custom = list(cfg.get('custom_hooks', None) or [])
    for name in names:
        if not any(h.get('type') in (name, f'mmengine.{name}')
                   for h in custom):
            custom.append(dict(type=name))
    cfg.custom_hooks = custom


def _default_work_dir(config_path: str) -> str:
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def _setup_device(cfg: Config, launcher: str):
    cfg.launcher = launcher
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'nccl' if _has_cuda() else 'gloo'
    if not _has_cuda():
        n = replace_sync_bn(cfg.model)
        if n:
            print_log(f'no CUDA device: {n} SyncBN layer config(s) use BN',
                      logger='current')
        cfg.pop('sync_bn', None)
        if launcher != 'none':
            # MMEngine passes device_ids=[LOCAL_RANK] to DDP, which torch
            # only accepts for GPU modules
            wrapper = cfg.get('model_wrapper_cfg') or dict(
                type='MMDistributedDataParallel',
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False))
            wrapper['device_ids'] = None
            cfg.model_wrapper_cfg = wrapper
    if launcher != 'none':
        # without SyncBN every rank keeps its own BN statistics: average
        # them before each validation (and at each epoch end)
        _add_custom_hooks(cfg, ['SyncBuffersHook'])


def enable_amp(cfg: Config):
    """Mixed precision through MMEngine's AmpOptimWrapper: float16 on GPU,
    bfloat16 autocast on CPU."""
    optim_wrapper = cfg.optim_wrapper
    if optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
        return
    optim_wrapper['type'] = 'AmpOptimWrapper'
    if _has_cuda():
        optim_wrapper.setdefault('loss_scale', 'dynamic')
        optim_wrapper.setdefault('dtype', 'float16')
    else:
        optim_wrapper['type'] = 'CPUAmpOptimWrapper'
        optim_wrapper.setdefault('dtype', 'bfloat16')


def prepare_train_config(config: str,
                         work_dir: Optional[str] = None,
                         resume: Optional[str] = None,
                         amp: bool = False,
                         cfg_options: Sequence[str] = (),
                         launcher: str = 'none',
                         overwrite: bool = False) -> Config:
    """Config ready for ``Runner.from_cfg(cfg).train()``.

    Args:
        config (str): Config path.
        work_dir (str, optional): Overrides the config's work dir (default
            ``./work_dirs/<config name>``).
        resume (str, optional): ``'auto'`` resumes from the work dir's
            latest checkpoint, a path resumes from that file.
        amp (bool): Mixed precision training.
        cfg_options (Sequence[str]): ``KEY=VALUE`` overrides.
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.
        overwrite (bool): Allow a fresh run in a work dir that already
            holds checkpoints (they get replaced). Defaults to False.
    """
    cfg = load_config(config, cfg_options)
    cfg = CachedTextConfig.from_config(cfg)
    cfg.work_dir = work_dir or cfg.get('work_dir') or \
        _default_work_dir(config)
    if resume == 'auto':
        found = find_resume_checkpoint(cfg.work_dir)
        cfg.resume = found is not None
        cfg.load_from = found
        if found is None:
            print_log(f'--resume: nothing to resume in {cfg.work_dir}; '
                      'starting from scratch', logger='current')
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume: checkpoint {resume!r} does '
                                    'not exist')
        cfg.resume = True
        cfg.load_from = resume
    elif not overwrite and _checkpoints(cfg.work_dir):
        names = ', '.join(osp.basename(p) for p in _checkpoints(
            cfg.work_dir)[:3])
        raise FileExistsError(
            f'work dir {cfg.work_dir} already holds checkpoints ({names}); '
            'pass --resume to continue that run, --work-dir for a new one, '
            'or --overwrite to replace them')
    install_safety_hooks(cfg)
    make_resume_exact(cfg)
    install_data_checks(cfg)
    if amp:
        enable_amp(cfg)
    _setup_device(cfg, launcher)
    return cfg


def prepare_test_config(config: str,
                        checkpoint: str,
                        work_dir: Optional[str] = None,
                        out: Optional[str] = None,
                        show_dir: Optional[str] = None,
                        cfg_options: Sequence[str] = (),
                        launcher: str = 'none') -> Config:
    """Config ready for ``Runner.from_cfg(cfg).test()``."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    cfg = load_config(config, cfg_options)
    cfg = CachedTextConfig.from_config(cfg)
    cfg.work_dir = work_dir or cfg.get('work_dir') or \
        _default_work_dir(config)
    cfg.load_from = checkpoint
    install_data_checks(cfg)
    _add_custom_hooks(cfg, ['CheckpointTaskHook'])
    cfg.resume = False
    if out is not None:
        if osp.exists(out):
            raise FileExistsError(f'--out {out!r} exists; refusing to '
                                  'overwrite it')
        dump = dict(type='DumpResults', out_file_path=out)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(
            evaluator, (list, tuple)) else [evaluator]) + [dump]
        if cfg.default_scope == 'mmpretrain':
            cfg.test_evaluator[-1]['type'] = 'mmpretrain.DumpResults'
    if show_dir is not None:
        vis = cfg.default_hooks.visualization
        if cfg.default_scope == 'mmseg':
            vis['draw'] = True
            cfg.visualizer['save_dir'] = show_dir
        else:
            vis['enable'] = True
            vis['out_dir'] = show_dir
    _setup_device(cfg, launcher)
    return cfg
