"""Segmentation benchmark: MicroNet M0-M3 MR-ASPP against MobileNetV3-Small
LR-ASPP in one run, on this CPU.

Peers (``benchmarks/peers.py``, the latency benchmark's): first the paper's
baseline ``lraspp_m-v3s-os16`` (torchvision's MobileNetV3-Small at output
stride 16 with its LR-ASPP head, 128 channels, registered in mmseg as
``TorchvisionMobileNetV3Small`` + ``TorchvisionLRASPPHead``); second mmseg's
``lraspp_m-v3s-d8`` (output stride 8, from scratch). Ratios are against the
first peer of the run.

Usage:
    python benchmarks/seg_benchmark.py
        [--models m0,m1,m2,m3,lraspp_m-v3s-os16,lraspp_m-v3s-d8]
        [--iters 360] [--evals 4] [--threads 2] [--rounds 3]
        [--data-root data/synthetic_cityscapes] [--out-dir benchmarks/results]
        [--skip-train] [--skip-latency]

Per model:

* MAdds (paper convention, ``micronet_mm/utils/flops.py``; also mmengine's
  stock count) and parameters at 1024x2048;
* toy-set mIoU: training on the synthetic Cityscapes-format set with the
  recipe of ``configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py``
  (same data, crops, batch, optimizer and schedule for every model) for a
  fixed number of iterations, validated ``--evals`` times on the val split;
  the wall-clock training time excludes validation;
* training throughput (crops per second, data loading included);
* inference latency at 1024x2048, batch 1, ``--threads`` threads: network,
  bilinear upsampling of the logits to full size and argmax; median over
  ``--rounds`` rounds in which the models take turns.

mmseg's LR-ASPP pools 49x49 windows and cannot run on the toy crops (its
deepest map is 32x32); for the toy training only its pool is replaced by a
global one. MAdds and latency use the unmodified model.

Writes ``seg.md`` and ``seg.json`` to ``--out-dir``. Run it on an otherwise
idle machine if you can; the report states the load average.
"""
import argparse
import copy
import datetime
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks.machine import cpu_name  # noqa: E402
from benchmarks.peers import LRASPP_OS16, add_ratios  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402
from micronet_mm.utils.fileio import atomic_write_text  # noqa: E402

SYNTH_CONFIG = osp.join(REPO, 'configs', 'seg',
                        'micronet_m0_mraspp_synthetic-cityscapes.py')
PAPER_PEER = 'lraspp_m-v3s-os16'
PEER = 'lraspp_m-v3s-d8'
PEERS = (PAPER_PEER, PEER)  # first peer first
PEER_LABELS = {
    PAPER_PEER: 'LR-ASPP MobileNetV3-Small OS16 (paper baseline)',
    PEER: 'mmseg lraspp_m-v3s-d8',
}
PEER_CONFIG = ('mobilenet_v3/'
               'mobilenet-v3-d8-scratch-s_lraspp_4xb4-320k_cityscapes-'
               '512x1024.py')
ARCHS = ('m0', 'm1', 'm2', 'm3')
FULL = (1024, 2048)
COMMAND = '.venv/bin/python benchmarks/seg_benchmark.py'


def _config_path(name: str) -> str:
    if name in ARCHS:
        return osp.join(REPO, 'configs', 'seg',
                        f'micronet_{name}_mraspp_cityscapes.py')
    if name == PEER:
        from micronet_mm.utils.config import installed_config
        return installed_config('mmseg', PEER_CONFIG)
    raise ValueError(f'unknown model {name!r}; choose from '
                     f'{", ".join(ARCHS + PEERS)}')


def model_dict(name: str) -> dict:
    """The model config of ``name`` without pretrained weights."""
    from mmengine.config import Config
    if name == PAPER_PEER:
        return copy.deepcopy(LRASPP_OS16)
    cfg = Config.fromfile(_config_path(name)).model
    cfg.pop('pretrained', None)
    cfg.backbone.pop('init_cfg', None)
    return cfg.to_dict()


def build(name: str) -> torch.nn.Module:
    """``name``'s model in eval mode, SyncBN (distributed training only)
    reverted to BN."""
    from mmengine.model import revert_sync_batchnorm

    from micronet_mm.utils.config import build_in_scope
    return revert_sync_batchnorm(build_in_scope(model_dict(name),
                                                'mmseg')).eval()


# ------------------------------------------------------------ complexity
def complexity(name: str) -> dict:
    from micronet_mm.utils.flops import complexity as count
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    result = count(TensorModeWrapper(build(name)), FULL)
    return dict(madds=result['madds'], stock_flops=result['stock_flops'],
                params=result['params'])


# --------------------------------------------------------------- latency
def latency(names: List[str], rounds: int) -> Dict[str, float]:
    """Median seconds per 1024x2048 prediction, models taking turns."""
    import torch.nn.functional as F
    models = {name: build(name) for name in names}
    x = torch.rand(1, 3, *FULL)

    def predict(model):
        with torch.no_grad():
            logits = model(x, mode='tensor')
            logits = F.interpolate(logits, size=FULL, mode='bilinear',
                                   align_corners=False)
            return logits.argmax(1)

    times = interleaved({name: (lambda m=model: predict(m))
                         for name, model in models.items()}, rounds)
    return {name: t['median'] / 1e3 for name, t in times.items()}


# ------------------------------------------------------------- toy train
class ClockHook(Hook):
    """Wall-clock training time without validation, and the metrics of
    every validation with the training time spent until then."""

    priority = 'VERY_LOW'

    def __init__(self):
        self.train_s = 0.0
        self.curve = []
        self._start = None

    def _stop(self):
        if self._start is not None:
            self.train_s += time.perf_counter() - self._start
            self._start = None

    def before_train(self, runner):
        self._start = time.perf_counter()

    def before_val(self, runner):
        self._stop()

    def after_val_epoch(self, runner, metrics=None):
        self.curve.append(
            dict(iter=runner.iter, train_s=round(self.train_s, 1),
                 mIoU=float((metrics or {}).get('mIoU', 'nan'))))

    def after_val(self, runner):
        if runner.iter < runner.max_iters:
            self._start = time.perf_counter()

    def after_train(self, runner):
        self._stop()


def toy_train(name: str, iters: int, evals: int, data_root: str,
              work_dir: str, config: str = SYNTH_CONFIG) -> dict:
    """Train ``name`` on the synthetic set with the recipe of ``config``
    (the quickstart's by default; its model is M0's)."""
    from mmengine.config import Config, ConfigDict
    from mmengine.runner import Runner
    from torch import nn

    from micronet_mm.engine.short_schedule import short_schedule
    cfg = Config.fromfile(config)
    if name != 'm0':
        preprocessor = cfg.model.data_preprocessor
        loss = cfg.model.decode_head.loss_decode
        cfg.model = ConfigDict(model_dict(name))
        # same input normalisation and loss for every model
        cfg.model.data_preprocessor = preprocessor
        cfg.model.decode_head.loss_decode = loss
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
    cfg.merge_from_dict(short_schedule(cfg, iters))
    cfg.train_cfg.val_interval = max(1, iters // evals)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=10 * iters,
        save_last=False)
    cfg.default_hooks.logger.interval = 50
    cfg.custom_hooks = []
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{name}_{time.strftime("%H%M%S")}'
    runner = Runner.from_cfg(cfg)
    head = runner.model.decode_head
    modified = None
    if hasattr(head, 'image_pool') and isinstance(head.image_pool[0],
                                                  nn.AvgPool2d):
        head.image_pool[0] = nn.AdaptiveAvgPool2d(1)
        modified = '49x49 pool replaced by a global pool'
    clock = ClockHook()
    runner.register_hook(clock)
    runner.train()
    batch = cfg.train_dataloader.batch_size
    crop = tuple(cfg.crop_size)
    return dict(iters=iters, batch=batch, crop=list(crop),
                train_s=round(clock.train_s, 1),
                imgs_per_s=round(iters * batch / clock.train_s, 2),
                mIoU=clock.curve[-1]['mIoU'] if clock.curve else None,
                curve=clock.curve, modified=modified)


# ---------------------------------------------------------------- report
def _meta(threads: int) -> dict:
    return dict(date=datetime.date.today().isoformat(), cpu=cpu_name(),
                cores=os.cpu_count(), threads=threads,
                omp_wait_policy=os.environ.get('OMP_WAIT_POLICY'),
                torch=torch.__version__, command=COMMAND,
                load_start=[round(v, 2) for v in os.getloadavg()])


def _fmt_madds(value):
    return f'{value / 1e9:.3f}B'


def markdown(results: dict) -> str:
    meta = results['meta']
    rows = results['models']
    first = meta.get('first_peer')
    lines = [
        '# Segmentation benchmark (Cityscapes models, synthetic toy set)',
        '',
        f'Measured by `{meta["command"]}` on {meta["date"]}: '
        f'{meta["cpu"]}, {meta["cores"]} cores, {meta["threads"]} PyTorch '
        f'threads, OMP_WAIT_POLICY={meta["omp_wait_policy"]}, torch '
        f'{meta["torch"]}. Load average (1/5/15 min) '
        f'{meta["load_start"]} at the start and {meta.get("load_end")} at '
        'the end: the machine was shared with other jobs, so absolute '
        'times are pessimistic; the models ran in the same session and '
        'latency rounds interleave them.',
        '',
        f'Toy set: `{meta.get("data_root")}` (generated by `tools/'
        'dataset_converters/generate_synthetic_cityscapes.py`, 256x512), '
        'recipe of `configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py`'
        f' for every model, {meta.get("iters")} iterations; mIoU in % on '
        'the val split (19 classes). Latency: one 1024x2048 image, network '
        '+ upsampling + argmax, median of '
        f'{meta.get("rounds")} interleaved rounds, random weights.',
        '',
        'Peers as in `benchmarks/latency.py` (`benchmarks/peers.py`); the '
        'ratio columns divide by the first peer of the run'
        f' ({PEER_LABELS.get(first, "none in this run")}).',
        '',
        '| model | MAdds 1024x2048 | MAdds vs first peer | stock FLOPs | '
        'params | toy mIoU | train time (s) | train crops/s | '
        'latency 1024x2048 (s) | latency vs first peer |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for name, row in rows.items():
        toy = row.get('toy') or {}
        lat = row.get('latency_s')
        ratios = {key: (f'{row[f"{key}_vs_first_peer"]:.2f}'
                        if row.get(f'{key}_vs_first_peer') else '-')
                  for key in ('madds', 'latency')}
        label = f'MicroNet-{name.upper()} MR-ASPP' if name in ARCHS else \
            PEER_LABELS[name]
        miou = toy.get('mIoU')
        lines.append(
            f'| {label} | {_fmt_madds(row["madds"])} | {ratios["madds"]} | '
            f'{_fmt_madds(row["stock_flops"])} | {row["params"]:,} | '
            f'{f"{miou:.1f}" if miou is not None else "-"} | '
            f'{toy.get("train_s", "-")} | {toy.get("imgs_per_s", "-")} | '
            f'{f"{lat:.2f}" if lat else "-"} | {ratios["latency"]} |')
    lines.append('')
    notes = [f'{name}: {row["toy"]["modified"]} for the toy training' for
             name, row in rows.items() if (row.get('toy') or {}).get(
                 'modified')]
    if notes:
        lines += ['Modifications: ' + '; '.join(notes) + '.', '']
    lines += ['**mIoU vs training time** (wall clock, validation excluded)',
              '', '| model | iteration | train time (s) | mIoU |',
              '|---|---:|---:|---:|']
    for name, row in rows.items():
        for point in (row.get('toy') or {}).get('curve', []):
            lines.append(f'| {name} | {point["iter"]} | '
                         f'{point["train_s"]} | {point["mIoU"]:.1f} |')
    target = rows.get('m0', {}).get('toy') or {}
    reached = [
        p for p in target.get('curve', [])
        if p['mIoU'] >= 80.0 and p['train_s'] <= 600.0
    ]
    lines += [
        '', 'Target: MicroNet-M0 toy mIoU >= 80 within 600 s of CPU '
        'training: ' + (
            f'reached at {reached[0]["train_s"]} s.' if reached else
            'not reached in this run (see the curve above).'), ''
    ]
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', default=','.join(ARCHS + PEERS))
    parser.add_argument('--iters', type=int, default=360,
                        help='toy training iterations per model')
    parser.add_argument('--evals', type=int, default=4,
                        help='validations during the toy training')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--data-root',
                        default=osp.join('data', 'synthetic_cityscapes'))
    parser.add_argument('--out-dir',
                        default=osp.join(REPO, 'benchmarks', 'results'))
    parser.add_argument('--skip-train', action='store_true')
    parser.add_argument('--skip-latency', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    names = [n.strip() for n in args.models.split(',') if n.strip()]
    for name in names:
        model_dict(name)  # fail early on unknown names
    torch.set_num_threads(args.threads)
    if not args.skip_train:
        from micronet_mm.datasets.synthetic.cityscapes import dataset_state
        state = dataset_state(args.data_root)
        if state != 'current':
            state = ('a set written by an older version of the generator'
                     if state == 'outdated' else 'no complete synthetic set')
            sys.exit(f'seg_benchmark: {state} at {args.data_root}; '
                     '(re)generate it with python tools/dataset_converters/'
                     f'generate_synthetic_cityscapes.py {args.data_root} '
                     '--force')
    meta = _meta(args.threads)
    meta.update(iters=args.iters, rounds=args.rounds,
                data_root=args.data_root)
    results = dict(meta=meta, models={})
    for name in names:
        print(f'[{name}] counting MAdds at 1024x2048', flush=True)
        results['models'][name] = complexity(name)
    if not args.skip_latency:
        print('latency at 1024x2048 ...', flush=True)
        for name, seconds in latency(names, args.rounds).items():
            results['models'][name]['latency_s'] = round(seconds, 3)
    if not args.skip_train:
        with tempfile.TemporaryDirectory(prefix='seg_benchmark_') as tmp:
            for name in names:
                print(f'[{name}] toy training, {args.iters} iterations',
                      flush=True)
                toy = toy_train(name, args.iters, args.evals,
                                args.data_root, osp.join(tmp, name))
                results['models'][name]['toy'] = toy
                print(f'[{name}] mIoU {toy["mIoU"]} after '
                      f'{toy["train_s"]} s', flush=True)
    meta['load_end'] = [round(v, 2) for v in os.getloadavg()]
    meta['first_peer'] = add_ratios(
        results['models'], PEERS, dict(madds='madds', latency='latency_s'))
    os.makedirs(args.out_dir, exist_ok=True)
    atomic_write_text(osp.join(args.out_dir, 'seg.json'),
           json.dumps(results, indent=2) + '\n')
    text = markdown(results)
    atomic_write_text(osp.join(args.out_dir, 'seg.md'), text)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
