"""Latency of MicroNet against the models it beats on paper, batch 1, CPU.

Usage:
    python benchmarks/latency.py [--tasks cls,seg,pose] [--rounds N]
        [--out-dir benchmarks/results] [--plot FILE] [--update-readme]
    python benchmarks/latency.py --from-json benchmarks/results/latency.json
        [--update-readme]

Per task, in one run and with the same thread count for every model
(``torch.set_num_threads(n)``, onnxruntime ``intra_op_num_threads=n``,
OpenVINO ``INFERENCE_NUM_THREADS=n``); the peers are those of
``benchmarks/peers.py``, first peer first:

* cls: 224x224, 1 thread; MicroNet 4m/m0/m1/m2/m3 vs MobileNetV3-Small and
  -Large;
* seg: 1024x2048, 2 threads; MicroNet m0-m3 MR-ASPP vs the paper's
  MobileNetV3-Small LR-ASPP (output stride 16) and mmseg's lraspp_m-v3s-d8;
* pose: 256x192, 1 thread; MicroNet m0-m3 vs RTMPose-t and the MobileNetV2
  SimpleBaseline.

Every model runs as PyTorch eager in deploy form (``micronet_mm.deploy.fuse``;
BatchNorm folded for the peers too), in onnxruntime (the portable export,
at whichever graph optimisation level is faster for that model) and in
OpenVINO (the portable export); MicroNet also runs its default export, the
compiled one-pass Shift-Max kernel, in OpenVINO. Each model's fastest
runtime is its "best"; the headline ratio divides MicroNet's best by the
first peer's best. Timings are medians over ``--rounds`` rounds in which
the models take turns, so that load changes on a shared machine hit all of
them alike. Weights are random (BatchNorm statistics included, so that the
fused forms carry the same corrections as trained models).

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

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks.machine import cpu_name  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402
from micronet_mm.utils.fileio import atomic_write_text  # noqa: E402
from micronet_mm.utils.numerics import randomize_batchnorm  # noqa: E402

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
def micronet_configs(task: str) -> Dict[str, str]:
    """arch -> config path of the task (first config per arch)."""
    from micronet_mm.utils.config import load_config
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', task, '*.py'))):
        if 'mutual' in osp.basename(path) or 'synthetic' in path:
            continue
        cfg = load_config(path)
        arch = cfg.model.get('backbone', {}).get('arch')
        if arch in TASKS[task]['archs'] and arch not in found:
            found[arch] = path
    return found


class Entry:
    """One model of a task and the forms it is timed in."""

    def __init__(self, name: str, model: torch.nn.Module, tensor_mode: bool,
                 peer: bool, source: str):
        self.name = name
        self.model = model
        self.tensor_mode = tensor_mode
        self.peer = peer
        self.source = source


def build_entries(task: str) -> List[Entry]:
    """The MicroNets whose configs exist, then the peers (first first)."""
    from benchmarks.peers import peers
    from micronet_mm.utils.config import build_model_from_config
    entries = []
    for arch, path in micronet_configs(task).items():
        model, _ = build_model_from_config(path)
        entries.append(
            Entry(f'MicroNet-{arch.upper()}',
                  randomize_batchnorm(model).eval(), True, False,
                  osp.relpath(path, REPO)))
    if not entries:
        return entries
    for name, (model, source, tensor_mode) in peers(task).items():
        entries.append(
            Entry(name, randomize_batchnorm(model).eval(), tensor_mode, True,
                  source))
    return entries


# ---------------------------------------------------------------- timing
def _onnx_bytes(module: torch.nn.Module, x: torch.Tensor) -> bytes:
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, (x, ), buf, opset_version=17,
                          input_names=['input'], dynamo=False)
    return buf.getvalue()


def _tensor_forward(model, tensor_mode):
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    return TensorModeWrapper(model).eval() if tensor_mode else model.eval()


def _deploy_form(entry: Entry, backend: str) -> torch.nn.Module:
    """``fuse`` for MicroNet; BatchNorm folding for the peers (torch.fx
    for plain torchvision models, ``fuse``'s ConvModule folding for
    OpenMMLab ones)."""
    from micronet_mm.deploy import fuse
    if entry.peer and not entry.tensor_mode:
        from torch.fx.experimental.optimization import fuse as fx_fuse
        try:
            return fx_fuse(copy.deepcopy(entry.model))
        except Exception:  # not symbolically traceable: keep it as it is
            return entry.model
    if entry.peer and backend != 'torch':
        return entry.model
    return fuse(entry.model, backend=backend)


def _ratio_err(ref: np.ndarray, out: np.ndarray) -> float:
    return float(np.abs(ref - out).max() / max(np.abs(ref).max(), 1e-12))


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def run_task(task: str, rounds: int) -> Optional[dict]:
    """Measure one task; None (with a note) when its configs are absent."""
    from micronet_mm.deploy.session import openvino_model, ort_session
    from micronet_mm.utils.flops import complexity
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
    xn = x.numpy()
    rows, fns, keep = [], {}, []
    for e in entries:
        print(f'[{task}] preparing {e.name}', flush=True)
        train = _tensor_forward(e.model, e.tensor_mode)
        with torch.no_grad():
            ref = _first(train(x)).numpy()
        row = dict(name=e.name, source=e.source, peer=e.peer,
                   madds=complexity(train, (h, w))['madds'],
                   params=sum(p.numel() for p in e.model.parameters()),
                   rel_err={})
        fused = _tensor_forward(_deploy_form(e, 'torch'), e.tensor_mode)
        with torch.no_grad():
            row['rel_err']['pytorch'] = _ratio_err(ref,
                                                   _first(fused(x)).numpy())
        fns[(e.name, 'pytorch')] = _no_grad(fused, x)
        portable = _onnx_bytes(
            _tensor_forward(_deploy_form(e, 'onnxruntime'), e.tensor_mode),
            x)
        runners = {}
        for level in ('all', 'extended'):
            session = ort_session(portable, threads, level)
            runners[f'onnxruntime_{level}'] = (
                session, lambda s=session: s.run(None, {'input': xn})[0])
        compiled = openvino_model(portable, threads)
        runners['openvino'] = (compiled, _ov_call(compiled, xn))
        if not e.peer:
            kernel = openvino_model(
                _onnx_bytes(
                    _tensor_forward(_deploy_form(e, 'openvino'),
                                    e.tensor_mode), x), threads,
                kernels=True)
            runners['openvino_kernel'] = (kernel, _ov_call(kernel, xn))
        for kind, (handle, call) in runners.items():
            row['rel_err'][kind] = _ratio_err(ref, np.asarray(call()))
            keep.append(handle)
            fns[(e.name, kind)] = call
        rows.append(row)
    print(f'[{task}] timing {len(fns)} variants, {rounds} rounds x '
          f'{spec["runs"]} runs, {threads} thread(s)', flush=True)
    times = interleaved(fns, rounds, spec['runs'])
    for row in rows:
        name = row['name']
        ms = {kind: t['median'] for (n, kind), t in times.items()
              if n == name}
        ort_level = min(('all', 'extended'),
                        key=lambda lv: ms[f'onnxruntime_{lv}'])
        row['ms'] = dict(pytorch=ms['pytorch'],
                         onnxruntime=ms[f'onnxruntime_{ort_level}'],
                         openvino=ms['openvino'])
        if 'openvino_kernel' in ms:
            row['ms']['openvino_kernel'] = ms['openvino_kernel']
        row['onnxruntime_level'] = ort_level
        row['min_ms'] = {kind: t['min'] for (n, kind), t in times.items()
                         if n == name}
        # the runtimes a user would deploy on (eager PyTorch is listed but
        # not a deployment runtime here)
        deployed = {k: v for k, v in row['ms'].items() if k != 'pytorch'}
        row['best'] = min(deployed, key=deployed.get)
        row['best_ms'] = deployed[row['best']]
    peers = [r for r in rows if r['peer']]
    for row in rows:
        row['ratios'] = {
            p['name']: dict(
                best=row['best_ms'] / p['best_ms'],
                onnxruntime=row['ms']['onnxruntime'] /
                p['ms']['onnxruntime'],
                openvino=min(row['ms']['openvino'],
                             row['ms'].get('openvino_kernel', np.inf)) /
                p['ms']['openvino'])
            for p in peers
        }
    return dict(task=task, shape=[h, w], threads=threads, rounds=rounds,
                runs_per_round=spec['runs'], rows=rows,
                reference_peer=peers[0]['name'])


def _ov_call(compiled, xn):
    request = compiled.create_infer_request()

    def call():
        return request.infer({0: xn})[0]

    return call


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
RUNTIME_NAMES = dict(onnxruntime='onnxruntime', openvino='OpenVINO',
                     openvino_kernel='OpenVINO + kernel')


def markdown(results: dict) -> str:
    """The tables of all measured tasks."""
    meta = results['meta']
    lines = [
        f'Measured by `{COMMAND}` on {meta["date"]} '
        f'({meta["cpu"]}, PyTorch {meta["torch"]}, onnxruntime '
        f'{meta["onnxruntime"]}, OpenVINO {meta["openvino"]}, load average '
        f'{meta["load"]} at the start). Batch 1, float32, median over '
        'interleaved rounds, random weights. PyTorch runs the deploy form '
        '(`micronet_mm.deploy.fuse`; BatchNorm folding for the peers); '
        'onnxruntime and OpenVINO run the portable export (onnxruntime at '
        'its faster graph optimisation level); "OpenVINO + kernel" is '
        "MicroNet's default export, with the compiled one-pass Shift-Max. "
        '"best" is each model\'s fastest runtime; the ratios divide by the '
        'first peer of the same run (best by best, and runtime by runtime).',
        ''
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
            '| Model | MAdds | PyTorch (ms) | onnxruntime (ms) | OpenVINO '
            '(ms) | OpenVINO + kernel (ms) | best | ratio best | ratio '
            'onnxruntime | ratio OpenVINO |',
            '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|'
        ]
        for row in result['rows']:
            ratio = row['ratios'][peer]
            kernel = row['ms'].get('openvino_kernel')
            lines.append(
                f'| {row["name"]} | {row["madds"] / 1e6:.1f}M | '
                f'{row["ms"]["pytorch"]:.1f} | '
                f'{row["ms"]["onnxruntime"]:.1f} | '
                f'{row["ms"]["openvino"]:.1f} | '
                f'{"-" if kernel is None else f"{kernel:.1f}"} | '
                f'{RUNTIME_NAMES[row["best"]]} | {ratio["best"]:.2f} | '
                f'{ratio["onnxruntime"]:.2f} | {ratio["openvino"]:.2f} |')
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
                       [r['best_ms'] for r in sel], marker=marker,
                       label='MicroNet' if not peer else 'peers')
            for r in sel:
                ax.annotate(r['name'].split(' (')[0].replace(
                    'MicroNet-', ''), (r['madds'] / 1e6, r['best_ms']),
                    fontsize=7, xytext=(3, 3), textcoords='offset points')
        ax.set_xscale('log')
        ax.set_yscale('log')
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ticker.FormatStrFormatter('%g'))
            axis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel('MAdds (M, paper convention)')
        ax.set_ylabel('latency, fastest runtime (ms)')
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
        atomic_write_text(readme, new)
    return True


def _meta() -> dict:
    import onnxruntime
    import openvino
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else 'n/a'
    return dict(
        date=datetime.date.today().isoformat(), cpu=cpu_name(),
        cores=os.cpu_count(), torch=torch.__version__,
        onnxruntime=onnxruntime.__version__,
        openvino=openvino.__version__.split('-')[0], load=f'{load:.1f}'
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
        atomic_write_text(osp.join(args.out_dir, 'latency.json'),
               json.dumps(results, indent=1))
    table = markdown(results)
    print(table)
    if not args.from_json:
        atomic_write_text(osp.join(args.out_dir, 'latency.md'),
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
