"""Print the schedule a config trains with on N GPUs, building nothing.

Usage:
    python tools/analysis/print_schedule.py CONFIG --gpus N
        [--batch-per-gpu B] [--json] [--cfg-options KEY=VALUE ...]

Epochs, iterations, learning rate (scaled linearly from the config's
reference total batch when ``auto_scale_lr.enable``) and warm-up, from
the config alone: the training set size is the config's documented
``num_train_samples`` (override it with ``--cfg-options
num_train_samples=N``). ``tools/train.py`` logs the same line at start,
computed with the real data set. See docs/en/reproduction.md.
"""
import argparse
import json
import sys

from micronet_mm.engine.schedule import compute_schedule
from micronet_mm.utils.config import load_config

#: Keys of ``--json``.
JSON_KEYS = ('gpus', 'batch_per_gpu', 'total_batch', 'epochs', 'iters',
             'iters_per_epoch', 'lr', 'base_lr', 'base_batch',
             'warmup_iters', 'dataset_size')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--gpus', type=int, required=True,
                        help='number of processes (GPUs) in total')
    parser.add_argument('--batch-per-gpu', type=int,
                        help='batch per process (default: the config\'s '
                        'train_dataloader.batch_size)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE', help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
        schedule = compute_schedule(cfg, args.gpus, args.batch_per_gpu)
    except (FileNotFoundError, ValueError, KeyError) as err:
        sys.exit(f'print_schedule: {err}')
    if args.json:
        values = schedule.as_dict()
        print(json.dumps({key: values[key] for key in JSON_KEYS}))
    else:
        print(schedule.line())


if __name__ == '__main__':
    main()
