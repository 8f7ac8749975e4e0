"""Latency of MicroNet against its MobileNet peers, batch 1, on the CPU.

Usage:
    python benchmarks/latency.py [--tasks cls,seg,pose] [--rounds N]
        [--out-dir benchmarks/results] [--plot FILE] [--update-readme]
    python benchmarks/latency.py --from-json benchmarks/results/latency.json
        [--update-readme]

Per task, in one run and with the same thread settings for every model
(``torch.set_num_threads(n)``, onnxruntime ``intra_op_num_threads=n``):

* cls: 224x224, 1 thread. MicroNet 4m/m0/m1/m2/m3 (``configs/cls``) vs
  torchvision MobileNetV3-Small and -Large;
* seg: 1024x2048, 2 threads. MicroNet m0-m3 MR-ASPP (``configs/seg``) vs
  mmseg's ``lraspp_m-v3s-d8`` Cityscapes model;
* pose: 256x192, 1 thread. MicroNet m0-m3 (``configs/pose``) vs mmpose's
  ``td-hm_mobilenetv2_8xb64-210e_coco-256x192``.

Each model is timed as PyTorch eager in training form (eval mode) and in
deploy form (``micronet_mm.deploy.fuse``; BatchNorm folded for the peers
too), and in onnxruntime (the fused export, at the graph optimisation level
that is fastest for that model). Timings are medians over ``--rounds``
rounds in which the models take turns, so that load changes on a shared
machine hit all of them alike; compare the ratios, which come from the same
run. Weights are random (BatchNorm statistics included, so that the fused
forms carry the same corrections as trained models).

Writes ``latency.md`` and ``latency.json`` to ``--out-dir``, the
latency-vs-MAdds plot to ``--plot`` and, with ``--update-readme``, the
table between the ``latency-table`` markers of README.md.
"""
import argparse
import copy
import datetime
import glob
import io
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks.machine import cpu_name  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402

TASKS = dict(
    cls=dict(shape=(224, 224), threads=1, archs=('4m', 'm0', 'm1', 'm2',
                                                 'm3'), runs=10),
    seg=dict(shape=(1024, 2048), threads=2, archs=('m0', 'm1', 'm2', 'm3'),
             runs=1),
    pose=dict(shape=(256, 192), threads=1, archs=('m0', 'm1', 'm2', 'm3'),
              runs=5),
)
MARKERS = ('<!-- latency-table:start -->', '<!-- latency-table:end -->')
COMMAND = '.venv/bin/python benchmarks/latency.py --update-readme'


# ---------------------------------------------------------------- models
# model dicts equivalent to the packaged configs, for installations that do
# not ship them (mmseg lraspp_m-v3s-d8, mmpose td-hm_mobilenetv2 256x192)
LRASPP_SMALL = dict(
    type='EncoderDecoder',
    backbone=dict(type='MobileNetV3', arch='small', out_indices=(0, 1, 12),
                  norm_cfg=dict(type='BN', eps=0.001, requires_grad=True)),
    decode_head=dict(
        type='LRASPPHead', in_channels=(16, 16, 576), in_index=(0, 1, 2),
        channels=128, input_transform='multiple_select', dropout_ratio=0.1,
        num_classes=19, norm_cfg=dict(type='BN', eps=0.001,
                                      requires_grad=True),
        act_cfg=dict(type='ReLU'), align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=1.0)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
MOBILENETV2_POSE = dict(
    type='TopdownPoseEstimator',
    backbone=dict(type='MobileNetV2', widen_factor=1., out_indices=(7, )),
    head=dict(
        type='HeatmapHead', in_channels=1280, out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=dict(type='MSRAHeatmap', input_size=(192, 256),
                     heatmap_size=(48, 64), sigma=2)),
    test_cfg=dict(flip_test=False))


def _peer_from_config(scope, package, relative, fallback):
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm

    from micronet_mm.utils.config import build_in_scope, installed_config
    try:
        path = installed_config(package, relative)
    except (ImportError, FileNotFoundError):
        path = None
    if path is not None:
        model_cfg = Config.fromfile(path).model.to_dict()
        source = f'{package}/.mim/configs/{relative}'
    else:
        model_cfg = copy.deepcopy(fallback)
        source = 'model dict in benchmarks/latency.py (config not shipped)'
    model_cfg.pop('pretrained', None)
    model_cfg.pop('data_preprocessor', None)
    model_cfg['backbone'].pop('init_cfg', None)
    if scope == 'mmpose':
        model_cfg.setdefault('test_cfg', {})['flip_test'] = False
    # SyncBN is for distributed training only
    return revert_sync_batchnorm(build_in_scope(model_cfg, scope)), source


def micronet_configs(task: str) -> Dict[str, str]:
    """arch -> config path of the task (first config per arch)."""
    from micronet_mm.utils.config import load_config
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', task, '*.py'))):
        if 'mutual' in osp.basename(path):
            continue
        try:
            cfg = load_config(path)
        except Exception:  # a config another engineer is still writing
            continue
        arch = cfg.model.get('backbone', {}).get('arch')
        if arch in TASKS[task]['archs'] and arch not in found:
            found[arch] = path
    return found


class Entry:
    """One model of a task: how to call it and how it was built."""

    def __init__(self, name: str, model: torch.nn.Module, tensor_mode: bool,
                 peer: bool, source: str, fused: torch.nn.Module,
                 fused_ort: torch.nn.Module):
        self.name = name
        self.model = model
        self.tensor_mode = tensor_mode
        self.peer = peer
        self.source = source
        self.fused = fused
        self.fused_ort = fused_ort


def _wrap(model, tensor_mode):
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    if tensor_mode:
        return TensorModeWrapper(model).eval()
    return model.eval()


def build_entries(task: str) -> List[Entry]:
    """Models of a task: the MicroNets whose configs exist, then peers."""
    from micronet_mm.deploy import fuse
    from micronet_mm.utils.config import build_model_from_config
    from micronet_mm.utils.numerics import randomize_batchnorm
    entries = []
    for arch, path in micronet_configs(task).items():
        model, _ = build_model_from_config(path)
        randomize_batchnorm(model)
        entries.append(
            Entry(f'MicroNet-{arch.upper()}', model, True, False,
                  osp.relpath(path, REPO), fuse(model, backend='torch'),
                  fuse(model, backend='onnxruntime')))
    if not entries:
        return entries
    if task == 'cls':
        import torchvision
        from torch.fx.experimental.optimization import fuse as fx_fuse
        for name, factory in (('MobileNetV3-Small',
                               torchvision.models.mobilenet_v3_small),
                              ('MobileNetV3-Large',
                               torchvision.models.mobilenet_v3_large)):
            model = randomize_batchnorm(factory(weights=None))
            entries.append(
                Entry(name, model, False, True, f'torchvision {name}',
                      fx_fuse(copy.deepcopy(model)), model))
    elif task == 'seg':
        model, source = _peer_from_config(
            'mmseg', 'mmseg', 'mobilenet_v3/mobilenet-v3-d8-s_lraspp_4xb4-'
            '320k_cityscapes-512x1024.py', LRASPP_SMALL)
        randomize_batchnorm(model)
        entries.append(
            Entry('LR-ASPP MobileNetV3-Small (lraspp_m-v3s-d8)', model, True,
                  True, source, fuse(model, backend='torch'), model))
    elif task == 'pose':
        model, source = _peer_from_config(
            'mmpose', 'mmpose', 'body_2d_keypoint/topdown_heatmap/coco/'
            'td-hm_mobilenetv2_8xb64-210e_coco-256x192.py', MOBILENETV2_POSE)
        randomize_batchnorm(model)
        entries.append(
            Entry('SimpleBaseline MobileNetV2 (td-hm_mobilenetv2 256x192)',
                  model, True, True, source, fuse(model, backend='torch'),
                  model))
    return entries


# ---------------------------------------------------------------- timing
def ort_session(module, x, threads, level):
    import onnxruntime as ort
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, (x, ), buf, opset_version=17,
                          input_names=['input'], dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = {
        'all': ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        'extended': ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    }[level]
    session = ort.InferenceSession(buf.getvalue(), options,
                                   providers=['CPUExecutionProvider'])
    feed = {'input': x.numpy()}
    return session, (lambda: session.run(None, feed))


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def run_task(task: str, rounds: int) -> Optional[dict]:
    """Measure one task; None (with a note) when its configs are absent."""
    from micronet_mm.utils.flops import complexity
    from micronet_mm.utils.numerics import max_relative_error
    spec = TASKS[task]
    entries = build_entries(task)
    if not entries:
        print(f'[{task}] skipped: no MicroNet configs under configs/{task}/',
              flush=True)
        return None
    threads = spec['threads']
    torch.set_num_threads(threads)
    h, w = spec['shape']
    x = torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(0))
    rows, fns = [], {}
    for e in entries:
        print(f'[{task}] preparing {e.name}', flush=True)
        train = _wrap(e.model, e.tensor_mode)
        fused = _wrap(e.fused, e.tensor_mode)
        fused_ort = _wrap(e.fused_ort, e.tensor_mode)
        with torch.no_grad():
            ref = _first(train(x))
            rel_pt = max_relative_error(ref, _first(fused(x)))
        row = dict(name=e.name, source=e.source, peer=e.peer,
                   madds=complexity(train, (h, w))['madds'],
                   params=sum(p.numel() for p in e.model.parameters()),
                   rel_err_fused=rel_pt)
        torch.set_num_threads(threads)
        sessions = {}
        for level in ('all', 'extended'):
            session, call = ort_session(fused_ort, x, threads, level)
            out = call()[0]
            row[f'rel_err_ort_{level}'] = max_relative_error(ref, out)
            sessions[level] = session
            fns[(e.name, f'ort_{level}')] = call
        row['_sessions'] = sessions  # keep them alive
        fns[(e.name, 'pt_train')] = _no_grad(train, x)
        fns[(e.name, 'pt_fused')] = _no_grad(fused, x)
        rows.append(row)
    print(f'[{task}] timing {len(fns)} variants, {rounds} rounds x '
          f'{spec["runs"]} runs, {threads} thread(s)', flush=True)
    times = interleaved(fns, rounds, spec['runs'])
    for row in rows:
        row.pop('_sessions')
        name = row['name']
        row['pt_train_ms'] = times[(name, 'pt_train')]['median']
        row['pt_fused_ms'] = times[(name, 'pt_fused')]['median']
        row['min_ms'] = {kind: times[(name, kind)]['min']
                         for kind in ('pt_train', 'pt_fused', 'ort_all',
                                      'ort_extended')}
        levels = {lv: times[(name, f'ort_{lv}')]['median']
                  for lv in ('all', 'extended')}
        row['ort_ms_by_level'] = levels
        row['ort_level'] = min(levels, key=levels.get)
        row['ort_ms'] = levels[row['ort_level']]
    peers = [r for r in rows if r['peer']]
    for row in rows:
        row['ratios'] = {
            p['name']: dict(
                pt=row['pt_fused_ms'] / p['pt_fused_ms'],
                ort=row['ort_ms'] / p['ort_ms'])
            for p in peers
        }
    return dict(task=task, shape=[h, w], threads=threads, rounds=rounds,
                runs_per_round=spec['runs'], rows=rows,
                reference_peer=peers[0]['name'])


def _no_grad(module, x):

    def call():
        with torch.no_grad():
            module(x)

    return call


# --------------------------------------------------------------- reports
TITLES = dict(
    cls='Classification, 224x224, 1 thread',
    seg='Segmentation (Cityscapes), 1024x2048, 2 threads',
    pose='Pose (COCO top-down), 256x192, 1 thread')


def markdown(results: dict) -> str:
    """The tables of all measured tasks."""
    meta = results['meta']
    lines = [
        f'Measured by `{COMMAND}` on {meta["date"]} '
        f'({meta["cpu"]}, PyTorch {meta["torch"]}, onnxruntime '
        f'{meta["onnxruntime"]}, load average {meta["load"]} at the start). '
        'Batch 1, median over interleaved rounds, random weights. '
        '"fused" is `micronet_mm.deploy.fuse` (BatchNorm folding for the '
        'peers); onnxruntime runs the fused export at its faster graph '
        'optimisation level (`all` = with NCHWc layout transforms). '
        'Ratios divide by the first peer in the same run: compare them '
        'rather than absolute times on a shared machine.', ''
    ]
    for task in ('cls', 'seg', 'pose'):
        result = results['tasks'].get(task)
        if result is None:
            note = results.get('skipped', {}).get(task)
            if note:
                lines += [f'**{TITLES[task]}**: {note}', '']
            continue
        peer = result['reference_peer']
        lines += [
            f'**{TITLES[task]}** (ratios vs {peer})', '',
            '| Model | MAdds | PyTorch train (ms) | PyTorch fused (ms) | '
            'onnxruntime (ms) | ratio PyTorch | ratio onnxruntime |',
            '|---|---:|---:|---:|---:|---:|---:|'
        ]
        for row in result['rows']:
            ratio = row['ratios'][peer]
            lines.append(
                f'| {row["name"]} | {row["madds"] / 1e6:.1f}M | '
                f'{row["pt_train_ms"]:.1f} | {row["pt_fused_ms"]:.1f} | '
                f'{row["ort_ms"]:.1f} ({row["ort_level"]}) | '
                f'{ratio["pt"]:.2f} | {ratio["ort"]:.2f} |')
        lines.append('')
    return '\n'.join(lines)


def plot(results: dict, path: str) -> None:
    """Latency (onnxruntime) vs MAdds, one panel per task."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib import ticker
    tasks = [t for t in ('cls', 'seg', 'pose') if t in results['tasks']]
    if not tasks:
        return
    fig, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 4),
                             squeeze=False)
    for ax, task in zip(axes[0], tasks):
        rows = results['tasks'][task]['rows']
        for peer, marker in ((False, 'o'), (True, 's')):
            sel = [r for r in rows if r['peer'] == peer]
            if not sel:
                continue
            ax.scatter([r['madds'] / 1e6 for r in sel],
                       [r['ort_ms'] for r in sel], marker=marker,
                       label='MicroNet (fused)' if not peer else 'peers')
            for r in sel:
                ax.annotate(r['name'].split(' (')[0].replace(
                    'MicroNet-', ''), (r['madds'] / 1e6, r['ort_ms']),
                    fontsize=7, xytext=(3, 3), textcoords='offset points')
        ax.set_xscale('log')
        ax.set_yscale('log')
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ticker.FormatStrFormatter('%g'))
            axis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel('MAdds (M, paper convention)')
        ax.set_ylabel('onnxruntime latency (ms)')
        ax.set_title(TITLES[task], fontsize=9)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def update_readme(table: str, readme: str) -> bool:
    """Replace the text between the latency-table markers; False if the
    markers are missing (the README is then left alone)."""
    with open(readme) as f:
        text = f.read()
    start, end = MARKERS
    if start not in text or end not in text or \
            text.index(start) > text.index(end):
        return False
    head = text[:text.index(start) + len(start)]
    tail = text[text.index(end):]
    new = f'{head}\n{table.rstrip()}\n{tail}'
    if new != text:
        tmp = readme + '.tmp'
        with open(tmp, 'w') as f:
            f.write(new)
        os.replace(tmp, readme)
    return True


def _write(path: str, text: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def _meta() -> dict:
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = 'n/a'
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else 'n/a'
    return dict(
        date=datetime.date.today().isoformat(), cpu=cpu_name(),
        cores=os.cpu_count(), torch=torch.__version__,
        onnxruntime=ort_version, load=f'{load:.1f}'
        if isinstance(load, float) else load, command=COMMAND)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', default='cls,seg,pose',
                        help='comma-separated subset of cls,seg,pose')
    parser.add_argument('--rounds', type=int, default=None,
                        help='interleaved rounds (default: 15 cls, 5 pose, '
                        '3 seg)')
    parser.add_argument('--out-dir',
                        default=osp.join(REPO, 'benchmarks', 'results'))
    parser.add_argument(
        '--plot',
        default=osp.join(REPO, 'docs', 'en', '_static',
                         'latency_vs_madds.png'))
    parser.add_argument('--update-readme', action='store_true',
                        help='rewrite the README latency table')
    parser.add_argument('--readme', default=osp.join(REPO, 'README.md'))
    parser.add_argument('--from-json',
                        help='regenerate tables/plot/README from a results '
                        'JSON instead of measuring')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
    else:
        tasks = [t.strip() for t in args.tasks.split(',') if t.strip()]
        unknown = [t for t in tasks if t not in TASKS]
        if unknown:
            sys.exit(f'latency: unknown task(s) {unknown}; choose from '
                     f'{sorted(TASKS)}')
        results = dict(meta=_meta(), tasks={}, skipped={})
        default_rounds = dict(cls=15, seg=3, pose=5)
        for task in tasks:
            result = run_task(task, args.rounds or default_rounds[task])
            if result is None:
                results['skipped'][task] = (
                    f'not measured: no MicroNet configs under '
                    f'configs/{task}/ when this ran')
            else:
                results['tasks'][task] = result
        _write(osp.join(args.out_dir, 'latency.json'),
               json.dumps(results, indent=1))
    table = markdown(results)
    print(table)
    if not args.from_json:
        _write(osp.join(args.out_dir, 'latency.md'),
               '# Latency (batch 1, CPU)\n\n' + table + '\n')
    plot(results, args.plot)
    if args.update_readme:
        if update_readme(table, args.readme):
            print(f'updated {args.readme}')
        else:
            print(f'{args.readme} has no {MARKERS[0]} ... {MARKERS[1]} '
                  'markers: left unchanged; the table is in '
                  f'{args.out_dir}/latency.md')


if __name__ == '__main__':
    main()
