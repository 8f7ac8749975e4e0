"""Train a micronet_mm model (classification, segmentation or pose).

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

The config's ``default_scope`` (mmpretrain, mmseg or mmpose) selects the
OpenMMLab package; ``custom_imports`` loads micronet_mm. Multi-process
training goes through MMEngine's launchers: see tools/dist_train.sh,
tools/slurm_train.sh and docs/en/scaling_out.md. The first lines of the
log state the effective schedule on this many processes (epochs,
iterations, learning rate scaled to the total batch); print it beforehand
with tools/analysis/print_schedule.py.
"""
import argparse
import os
import sys

from micronet_mm.datasets.transforms import BadImageError
from micronet_mm.engine import (
    IncompatibleCheckpointError,
    bad_image_message,
    prepare_train_config,
)
from micronet_mm.engine.dist import init_cpu_distributed
from micronet_mm.engine.preflight import check_data_paths, splits_used
from micronet_mm.engine.schedule import EffectiveScheduleHook
from micronet_mm.utils.config import ConfigError, clear_build_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--work-dir',
        help='the dir to save logs and models (created if missing)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='start a fresh run even if the work dir holds checkpoints '
        '(they will be replaced)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: bfloat16 autocast on CPU, float16 on GPU')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='override settings of the config, e.g. '
        'train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = prepare_train_config(
            args.config,
            work_dir=args.work_dir,
            resume=args.resume,
            amp=args.amp,
            cfg_options=args.cfg_options,
            launcher=args.launcher,
            overwrite=args.overwrite)
        check_data_paths(cfg, splits_used(cfg, 'train'))
        init_cpu_distributed(args.launcher,
                             cfg.get('env_cfg', {}).get('dist_cfg'))
    except (FileNotFoundError, FileExistsError, ValueError, KeyError,
            RuntimeError) as err:
        sys.exit(f'train: {err}')

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    try:
        with clear_build_errors(cfg):
            if 'runner_type' in cfg:
                runner = RUNNERS.build(cfg)
            else:
                runner = Runner.from_cfg(cfg)
            # one log line: processes, batches, epochs, iterations, lr
            runner.register_hook(EffectiveScheduleHook())
            runner.train()
    except (ConfigError, IncompatibleCheckpointError) as err:
        sys.exit(f'train: {err}')
    except BadImageError as err:
        sys.exit(f'train: {bad_image_message(err)}')


if __name__ == '__main__':
    main()
