"""Evaluate a checkpoint (classification, segmentation or pose).

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--show-dir DIR] [--cfg-options KEY=VALUE ...] [--launcher ...]
"""
import argparse
import os
import sys

from micronet_mm.datasets.transforms import BadImageError
from micronet_mm.engine import (
    IncompatibleCheckpointError,
    bad_image_message,
    prepare_test_config,
)
from micronet_mm.engine.dist import init_cpu_distributed
from micronet_mm.engine.preflight import check_data_paths, splits_used
from micronet_mm.utils.config import ConfigError, clear_build_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='dir for the evaluation logs (created if missing)')
    parser.add_argument(
        '--out',
        help='dump the predictions to this pickle file (missing folders are '
        'created)')
    parser.add_argument(
        '--show-dir',
        help='draw predictions into this dir (relative to the work dir; '
        'created if missing)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='override settings of the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = prepare_test_config(
            args.config,
            args.checkpoint,
            work_dir=args.work_dir,
            out=args.out,
            show_dir=args.show_dir,
            cfg_options=args.cfg_options,
            launcher=args.launcher)
        check_data_paths(cfg, splits_used(cfg, 'test'))
        init_cpu_distributed(args.launcher,
                             cfg.get('env_cfg', {}).get('dist_cfg'))
    except (FileNotFoundError, FileExistsError, ValueError, KeyError,
            RuntimeError) as err:
        sys.exit(f'test: {err}')

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    try:
        with clear_build_errors(cfg):
            runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
                Runner.from_cfg(cfg)
            metrics = runner.test()
    except (ConfigError, IncompatibleCheckpointError) as err:
        sys.exit(f'test: {err}')
    except BadImageError as err:
        sys.exit(f'test: {bad_image_message(err)}')
    return metrics


if __name__ == '__main__':
    main()
