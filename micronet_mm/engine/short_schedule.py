"""Shortening an iteration-based schedule (quickstart, benchmarks).

Usage (prints one ``KEY=VALUE`` per line, for ``--cfg-options``):
    python -m micronet_mm.engine.short_schedule CONFIG ITERS
"""
import sys
from typing import Dict

from mmengine.config import Config


def short_schedule(cfg: Config, iters: int) -> Dict[str, int]:
    """Config overrides that train ``cfg`` for ``iters`` iterations.

    The config's schedule must be a linear warm-up followed by one main
    scheduler (the segmentation configs); the warm-up keeps its length but
    takes at most a tenth of the run (at least one iteration), and the main
    scheduler covers the rest.

    Args:
        cfg (Config): An iteration-based config.
        iters (int): Training iterations.

    Returns:
        dict[str, int]: Dotted keys for ``cfg.merge_from_dict`` (or
        ``--cfg-options``) -> values.
    """
    if iters < 1:
        raise ValueError(f'iters must be >= 1, got {iters}')
    schedulers = cfg.get('param_scheduler')
    if not isinstance(schedulers, (list, tuple)) or len(schedulers) != 2:
        raise ValueError('short_schedule expects param_scheduler = '
                         '[warm-up, main scheduler], got '
                         f'{schedulers!r}')
    warmup = max(1, min(schedulers[0]['end'], iters // 10))
    return {
        'train_cfg.max_iters': iters,
        'param_scheduler.0.end': warmup,
        'param_scheduler.1.begin': warmup,
        'param_scheduler.1.end': iters,
        'param_scheduler.1.T_max': max(1, iters - warmup),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or not argv[1].isdigit():
        sys.exit('usage: python -m micronet_mm.engine.short_schedule '
                 'CONFIG ITERS')
    cfg = Config.fromfile(argv[0], import_custom_modules=False)
    try:
        options = short_schedule(cfg, int(argv[1]))
    except ValueError as err:
        sys.exit(f'{argv[0]}: {err}')
    for key, value in options.items():
        sys.stdout.write(f'{key}={value}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
