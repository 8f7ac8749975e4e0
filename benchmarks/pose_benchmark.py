"""Pose benchmark: MicroNet heatmap models against mmpose's RTMPose-t and
MobileNetV2 SimpleBaseline on the generated COCO-keypoint set, on the CPU.

Usage:
    python benchmarks/pose_benchmark.py
        [--models m0,m1,m2,m3,rtmpose-t,mobilenetv2]
        [--budget 900] [--eval-every 300] [--train-threads N]
        [--input-size W H] [--batch-size B] [--lr LR]
        [--data-root data/synthetic_coco_keypoints] [--work-dir DIR]
        [--out-dir benchmarks/results] [--force]

For every model, in one run and under the same conditions:

* MAdds in the paper's convention (``micronet_mm.utils.flops``; conv,
  linear and elementwise multiplications) and mmengine's stock count, and
  parameters, at 256x192;
* toy-set AP: training from scratch (no pretrained weights, for every
  model) on ``--data-root`` for a fixed wall-clock budget of
  ``--budget`` seconds of training (evaluation time excluded), with Adam,
  a linear warm-up and a cosine decay of the learning rate over the
  *time* budget; then CocoMetric AP on the val split with detector-style
  boxes and flip test, exactly the config's test protocol. With
  ``--eval-every`` the AP is also measured during training (AP vs time);
* training images/s (training crops over training time, data loading
  included);
* inference latency of one 256x192 crop, batch 1, 1 thread, no flip
  (``model(x, mode='tensor')``, median of 20 runs after warm-up).

Peers (``benchmarks/peers.py``, the latency benchmark's): first RTMPose-t
from mmpose's config, with its SimCC codec and head and its own training
augmentation (minus steps whose package is not installed, e.g.
``Albumentation`` without ``albumentations``; the report lists what was
dropped), then the MobileNetV2 SimpleBaseline. Both take the synthetic
set's dataloaders, optimizer and evaluator like the MicroNet models; the
ratio columns divide by the first peer of the run.

The generated set is created first if ``--data-root`` holds none (the
generator's defaults). Writes ``pose.md`` and ``pose.json`` to
``--out-dir`` (refusing to overwrite them without ``--force``).
The machine's load average is recorded before and after each run, because
on a shared machine every time-based number depends on it.
"""
import argparse
import copy
import datetime
import importlib.util
import json
import math
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks.machine import cpu_name  # noqa: E402
from benchmarks.peers import (  # noqa: E402
    MOBILENETV2_POSE_CONFIG,
    RTMPOSE_T_CONFIG,
    add_ratios,
)
from benchmarks.timing import interleaved  # noqa: E402
from micronet_mm.utils.fileio import atomic_write_text  # noqa: E402

MICRONET = {
    arch: osp.join(REPO, 'configs', 'pose',
                   f'micronet_{arch}_heatmap_coco-256x192.py')
    for arch in ('m0', 'm1', 'm2', 'm3')
}
SYNTHETIC = osp.join(REPO, 'configs', 'pose',
                     'micronet_m0_heatmap_synthetic-coco-256x192.py')
RTMPOSE = 'rtmpose-t'
PEERS = (RTMPOSE, 'mobilenetv2')  # first peer first
SHAPE = (256, 192)
# transforms of a peer's pipeline that need a package mmpose leaves optional
OPTIONAL_PACKAGES = {'Albumentation': 'albumentations'}


def model_config(name: str, data_root: str):
    """Config of ``name`` with the synthetic set's data and test protocol.

    The MicroNet models get their own model section; the MobileNetV2
    baseline keeps mmpose's model (its ImageNet init is dropped: every
    model trains from scratch) and gets the same dataloaders, codec,
    optimizer and evaluator as the MicroNet configs. RTMPose-t keeps its
    model (no pretrained backbone, BN for SyncBN) and its own training
    pipeline (SimCC targets) without the steps whose package is missing and
    without its stage-2 pipeline switch (epoch 390 of 420, beyond any
    budget); the rest is the synthetic set's. What was changed is listed
    in ``cfg.benchmark_notes``.
    """
    from mmengine.config import Config

    from micronet_mm.engine import replace_sync_bn
    from micronet_mm.utils.config import installed_config
    data_cfg = Config.fromfile(SYNTHETIC)
    notes = []
    if name == 'mobilenetv2':
        cfg = Config.fromfile(
            installed_config('mmpose', MOBILENETV2_POSE_CONFIG))
        cfg.model.backbone.init_cfg = None
    elif name == RTMPOSE:
        cfg = Config.fromfile(installed_config('mmpose', RTMPOSE_T_CONFIG))
        cfg.model.backbone.init_cfg = None
        replace_sync_bn(cfg.model)
    else:
        cfg = Config.fromfile(MICRONET[name])
    root = data_root.rstrip('/') + '/'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'val_evaluator', 'test_evaluator', 'default_hooks',
                'env_cfg', 'custom_imports', 'optim_wrapper'):
        if key in data_cfg:
            cfg[key] = copy.deepcopy(data_cfg[key])
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = root
    cfg.val_dataloader.dataset.bbox_file = \
        root + 'annotations/person_detections_val.json'
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key].ann_file = root + 'annotations/person_keypoints_val.json'
    if name == RTMPOSE:
        notes.append('own training pipeline (SimCC targets, its '
                     'augmentation); stage-2 pipeline switch dropped')
        pipeline = []
        for step in cfg.train_pipeline:
            package = OPTIONAL_PACKAGES.get(step.type)
            if package and importlib.util.find_spec(package) is None:
                notes.append(f'{step.type} dropped from the training '
                             f'pipeline ({package} is not installed)')
            else:
                pipeline.append(step)
        cfg.train_dataloader.dataset.pipeline = pipeline
        cfg.custom_hooks = copy.deepcopy(data_cfg.custom_hooks)
    cfg.benchmark_notes = notes
    return cfg


def with_input_size(cfg, width: int, height: int):
    """Train and test ``cfg`` on ``width`` x ``height`` crops: the codec of
    the pipelines and of the head's decoder becomes an MSRAHeatmap of that
    input size (heatmaps at 1/4, sigma 2), or for a SimCC model (RTMPose)
    its SimCCLabel codec at that input size (same sigma and split ratio),
    with the head's input and stride-32 feature-map sizes to match."""
    if cfg.model.head.decoder.type == 'SimCCLabel':
        codec = copy.deepcopy(cfg.model.head.decoder)
        codec.input_size = (width, height)
        cfg.model.head.input_size = (width, height)
        cfg.model.head.in_featuremap_size = (math.ceil(width / 32),
                                             math.ceil(height / 32))
    else:
        codec = dict(type='MSRAHeatmap', input_size=(width, height),
                     heatmap_size=(width // 4, height // 4), sigma=2)
    cfg.model.head.decoder = copy.deepcopy(codec)
    for split in ('train', 'val', 'test'):
        for step in cfg[f'{split}_dataloader'].dataset.pipeline:
            if step.type == 'TopdownAffine':
                step.input_size = (width, height)
            elif step.type == 'GenerateTarget':
                step.encoder = copy.deepcopy(codec)
    return cfg


def build_model(cfg):
    from micronet_mm.utils.config import build_in_scope
    return build_in_scope(cfg.model, 'mmpose')


def complexity_of(cfg) -> dict:
    from micronet_mm.utils.flops import complexity
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    return complexity(TensorModeWrapper(build_model(cfg)), SHAPE)


def latency_ms(cfg, runs: int = 20) -> float:
    """Median forward time of one 256x192 crop, 1 thread, batch 1."""
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = TensorModeWrapper(build_model(cfg)).eval()
        x = torch.rand(1, 3, *SHAPE)
        with torch.no_grad():
            times = interleaved({'model': lambda: model(x)}, rounds=runs,
                                warmup=3)
    finally:
        torch.set_num_threads(threads)
    return times['model']['median']


def _time_budget_hook(budget: float, eval_every: Optional[float],
                      warmup_iters: int, min_lr_ratio: float):
    from mmengine.hooks import Hook

    class TimeBudgetHook(Hook):
        """Cosine learning rate over a wall-clock budget; stops training
        when the budget is spent; optional evaluations on the way (their
        time is not counted)."""
        priority = 'VERY_HIGH'

        def __init__(self):
            self.curve: List[dict] = []
            self.images = 0
            self.iters = 0
            self.elapsed = 0.0
            self._next_eval = eval_every if eval_every else math.inf

        def before_train(self, runner):
            self._start = time.perf_counter()
            self._paused = 0.0
            self._base = [
                g['lr'] for g in runner.optim_wrapper.optimizer.param_groups
            ]

        def _train_time(self):
            return time.perf_counter() - self._start - self._paused

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            frac = min(1.0, self._train_time() / budget)
            factor = min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (
                1 + math.cos(math.pi * frac))
            factor *= min(1.0, (self.iters + 1) / warmup_iters)
            for group, base in zip(runner.optim_wrapper.optimizer.param_groups,
                                   self._base):
                group['lr'] = base * factor

        def after_train_iter(self,
                             runner,
                             batch_idx,
                             data_batch=None,
                             outputs=None):
            self.iters += 1
            self.images += len(data_batch['inputs'])
            self.elapsed = self._train_time()
            if self.elapsed >= self._next_eval and self.elapsed < budget:
                paused = time.perf_counter()
                metrics = runner.val_loop.run()
                self.curve.append(
                    dict(seconds=round(self.elapsed, 1),
                         iters=self.iters,
                         AP=float(metrics.get('coco/AP', float('nan')))))
                self._next_eval += eval_every
                self._paused += time.perf_counter() - paused
            if self.elapsed >= budget:
                runner.train_loop.stop_training = True

    return TimeBudgetHook()


def train_and_evaluate(cfg, work_dir: str, budget: float,
                       eval_every: Optional[float], warmup_iters: int = 20,
                       seed: int = 0) -> dict:
    """Train ``cfg`` from scratch for ``budget`` seconds, then evaluate."""
    from mmengine.runner import Runner
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=10**9, val_interval=10**9)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=10**9, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20)
    cfg.log_processor = dict(
        type='LogProcessor', window_size=20, by_epoch=False)
    cfg.randomness = dict(seed=seed)
    cfg.pop('auto_scale_lr', None)
    cfg.load_from = None
    cfg.resume = False
    hook = _time_budget_hook(budget, eval_every, warmup_iters=warmup_iters,
                             min_lr_ratio=0.01)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook)
    runner.train()
    metrics = runner.val_loop.run()
    curve = hook.curve + [
        dict(seconds=round(hook.elapsed, 1), iters=hook.iters,
             AP=float(metrics['coco/AP']))
    ]
    return dict(
        AP=float(metrics['coco/AP']),
        AP50=float(metrics.get('coco/AP .5', float('nan'))),
        AR=float(metrics.get('coco/AR', float('nan'))),
        train_seconds=round(hook.elapsed, 1),
        train_iters=hook.iters,
        train_images=hook.images,
        train_images_per_s=round(hook.images / max(hook.elapsed, 1e-9), 2),
        batch_size=cfg.train_dataloader.batch_size,
        lr=cfg.optim_wrapper.optimizer.lr,
        curve=curve)


def ensure_dataset(root: str) -> dict:
    """Generate the default synthetic set into ``root`` if needed."""
    from micronet_mm.datasets.synthetic import coco_keypoints
    summary = coco_keypoints.read_summary(root)
    if summary is None:
        summary = coco_keypoints.generate_synthetic_coco_keypoints(root)
    return summary['params']


def _load_average() -> List[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return []


def _git_commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                              cwd=REPO, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ''


def write_report(result: dict, out_dir: str, force: bool) -> None:
    os.makedirs(out_dir, exist_ok=True)
    md_path = osp.join(out_dir, 'pose.md')
    json_path = osp.join(out_dir, 'pose.json')
    if not force:
        for path in (md_path, json_path):
            if osp.exists(path):
                raise FileExistsError(f'{path} exists; pass --force to '
                                      'replace it')
    cond = result['conditions']
    lines = [
        '# Pose benchmark (generated COCO-keypoint set, CPU)', '',
        'Command: `' + cond['command'] + '`', '',
        f"{cond['date']}, commit {cond['commit']}, {cond['cpu']} "
        f"({cond['cpus']} CPUs), torch {cond['torch']}, training threads "
        f"{cond['train_threads']}. Training budget {cond['budget_s']:.0f} s "
        'of wall-clock training per model (evaluation excluded), from '
        'scratch, Adam with cosine decay over the budget, on '
        f"{cond['input_size'][0]}x{cond['input_size'][1]} (WxH) "
        'crops; AP is CocoMetric '
        'on the val split with detector-style boxes and flip test. Latency: '
        'one 256x192 crop, batch 1, 1 thread, no flip. The machine is '
        'shared: load averages (1/5/15 min) at the start and end of each '
        'model are listed; compare rows of the same run.', '',
        f"Data: `{cond['data_root']}` generated with "
        f"`{json.dumps(cond['data_params'])}`.", '',
        'Peers as in `benchmarks/latency.py` (`benchmarks/peers.py`); the '
        'ratio columns divide by the first peer of the run '
        f"({cond.get('first_peer') or 'none in this run'}).", '',
        '| model | MAdds (paper conv.) | MAdds vs first peer | stock FLOPs '
        '| params | toy AP | AP50 | train img/s | batch | latency ms | '
        'latency vs first peer | load start / end |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for name, row in result['models'].items():
        ratios = {key: (f'{row[f"{key}_vs_first_peer"]:.2f}'
                        if row.get(f'{key}_vs_first_peer') else '-')
                  for key in ('madds', 'latency')}
        lines.append(
            f"| {name} | {row['madds'] / 1e6:.1f}M | {ratios['madds']} | "
            f"{row['stock_flops'] / 1e6:.1f}M | {row['params'] / 1e6:.2f}M "
            f"| {row['AP']:.3f} | {row['AP50']:.3f} | "
            f"{row['train_images_per_s']:.2f} | {row['batch_size']} | "
            f"{row['latency_ms']:.1f} | {ratios['latency']} | "
            f"{row['load_start']} / {row['load_end']} |")
    notes = [f'{name}: ' + '; '.join(row['notes'])
             for name, row in result['models'].items() if row.get('notes')]
    if notes:
        lines += ['', 'Changes to the peers\' configs: ' + '. '.join(notes)
                  + '.']
    lines += ['', '## AP during training', '',
              '| model | seconds of training: AP |', '|---|---|']
    for name, row in result['models'].items():
        points = ', '.join(f"{p['seconds']:.0f}s ({p['iters']} it): "
                           f"{p['AP']:.3f}" for p in row['curve'])
        lines.append(f'| {name} | {points} |')
    atomic_write_text(md_path, '\n'.join(lines) + '\n')
    atomic_write_text(json_path, json.dumps(result, indent=1))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', default=','.join((*MICRONET, *PEERS)),
                        help='comma-separated from m0, m1, m2, m3, '
                        f'{", ".join(PEERS)} (the first peer is the '
                        'ratios\' reference)')
    parser.add_argument('--budget', type=float, default=900.0,
                        help='training seconds per model (default 900)')
    parser.add_argument('--eval-every', type=float, default=300.0,
                        help='also evaluate every N training seconds '
                        '(0: only at the end; default 300)')
    parser.add_argument('--train-threads', type=int, default=1,
                        help='torch threads for training and evaluation '
                        '(default 1: on a loaded 2-core machine two threads '
                        'were several times slower than one)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='training batch (default: the synthetic '
                        'config\'s)')
    parser.add_argument('--lr', type=float, default=None,
                        help='peak learning rate (default: the synthetic '
                        'config\'s)')
    parser.add_argument('--input-size', type=int, nargs=2, default=None,
                        metavar=('W', 'H'),
                        help='train and test the toy set on W x H crops '
                        '(default: the configs\' 192 256); MAdds and '
                        'latency stay at 256x192')
    parser.add_argument('--warmup-iters', type=int, default=20,
                        help='linear warm-up iterations (default 20)')
    parser.add_argument('--data-root',
                        default=osp.join(REPO, 'data',
                                         'synthetic_coco_keypoints'))
    parser.add_argument('--work-dir',
                        default=osp.join(REPO, 'work_dirs', 'pose_benchmark'))
    parser.add_argument('--out-dir',
                        default=osp.join(REPO, 'benchmarks', 'results'))
    parser.add_argument('--force', action='store_true',
                        help='replace existing pose.md / pose.json')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = [n.strip() for n in args.models.split(',') if n.strip()]
    unknown = set(names) - set(MICRONET) - set(PEERS)
    if unknown:
        sys.exit(f'unknown models {sorted(unknown)}; choose from '
                 f'{sorted(MICRONET) + list(PEERS)}')
    if not args.force:
        for name in ('pose.md', 'pose.json'):
            if osp.exists(osp.join(args.out_dir, name)):
                sys.exit(f'{osp.join(args.out_dir, name)} exists; pass '
                         '--force to replace it')
    if args.input_size and (min(args.input_size) < 32
                            or any(v % 4 for v in args.input_size)):
        sys.exit(f'--input-size must be multiples of 4, at least 32, got '
                 f'{args.input_size}')
    if args.train_threads:
        torch.set_num_threads(args.train_threads)
    data_params = ensure_dataset(args.data_root)
    result = dict(
        conditions=dict(
            command='python benchmarks/pose_benchmark.py ' +
            ' '.join(argv if argv is not None else sys.argv[1:]),
            date=datetime.datetime.now().isoformat(timespec='seconds'),
            commit=_git_commit(),
            cpu=cpu_name(),
            cpus=os.cpu_count(),
            torch=torch.__version__,
            train_threads=torch.get_num_threads(),
            budget_s=args.budget,
            input_size=list(args.input_size or SHAPE[::-1]),
            data_root=osp.relpath(args.data_root, REPO),
            data_params=data_params),
        models={})
    for name in names:
        cfg = model_config(name, args.data_root)
        notes = cfg.pop('benchmark_notes')
        if args.batch_size:
            cfg.train_dataloader.batch_size = args.batch_size
        if args.lr:
            cfg.optim_wrapper.optimizer.lr = args.lr
        row = dict(load_start=_load_average())
        row.update(complexity_of(cfg))
        row['latency_ms'] = latency_ms(cfg)
        if args.input_size:
            with_input_size(cfg, *args.input_size)
        row.update(
            train_and_evaluate(cfg, osp.join(args.work_dir, name),
                               args.budget, args.eval_every or None,
                               args.warmup_iters))
        row['load_end'] = _load_average()
        row['notes'] = notes
        result['models'][name] = row
        print(f"{name}: AP {row['AP']:.3f} after {row['train_seconds']} s "
              f"({row['train_images_per_s']} img/s), "
              f"{row['madds'] / 1e6:.1f}M MAdds, {row['latency_ms']:.1f} ms")
    result['conditions']['first_peer'] = add_ratios(
        result['models'], PEERS, dict(madds='madds', latency='latency_ms'))
    write_report(result, args.out_dir, args.force)
    print(f'wrote {osp.join(args.out_dir, "pose.md")}')


if __name__ == '__main__':
    main()
