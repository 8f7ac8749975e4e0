"""Where MicroNet's inference time goes, per runtime.

Usage:
    python benchmarks/profile_deploy.py [--runs N]
        [--out-dir benchmarks/results]

Profiles seg M3 MR-ASPP (1024x2048, 2 threads) and cls M2 (224x224, 1
thread), random weights, in onnxruntime (the portable export, node timings
of its profiler) and in OpenVINO (the default export with the compiled
Shift-Max kernel, and the portable export; per-node counters), and splits
the summed node time into:

* Shift-Max: every node inside a Shift-Max layer except its hyper-function
  (the shift, the coefficient-weighted sums and the max; the kernel node);
* hyper-function: the pooling and the two linear layers that compute the
  Shift-Max coefficients;
* reorders: layout conversions and transposes the runtime inserted;
* convolutions: every convolution, with whatever the runtime fused in;
* other: the rest (heads' linear layers, resizes, additions, ...).

Profilers add a per-node cost, so the shares, not the summed times, are the
result. Writes ``profile.md`` and ``profile.json`` to ``--out-dir``.
"""
import argparse
import collections
import datetime
import io
import json
import os
import os.path as osp
import sys
import tempfile

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks.machine import cpu_name  # noqa: E402
from micronet_mm.utils.fileio import atomic_write_text  # noqa: E402
from micronet_mm.utils.numerics import randomize_batchnorm  # noqa: E402

CASES = (
    ('seg', 'configs/seg/micronet_m3_mraspp_cityscapes.py', (1024, 2048), 2),
    ('cls', 'configs/cls/micronet_m2_in1k.py', (224, 224), 1),
)
COMMAND = '.venv/bin/python benchmarks/profile_deploy.py'
CATEGORIES = ('Shift-Max', 'hyper-function', 'reorders', 'convolutions',
              'other')


def shift_max_scopes(fused: torch.nn.Module):
    """ONNX node-name prefixes of the Shift-Max layers of a fused model
    (the TorchScript exporter names a node after its module path, numeric
    children as ``parent.index``)."""
    from micronet_mm.deploy.modules import DeployShiftMax
    scopes = []
    for name, module in fused.named_modules():
        if not isinstance(module, DeployShiftMax):
            continue
        parts = []
        for part in ('model.' + name).split('.'):
            parts.append(f'{parts[-1]}.{part}' if part.isdigit() else part)
        scopes.append('/' + '/'.join(parts) + '/')
    return scopes


def categorise(name: str, op: str, scopes) -> str:
    """Category of one profiled node."""
    low = op.lower()
    if 'reorder' in low or low == 'transpose':
        return 'reorders'
    inside = any(name.startswith(scope) for scope in scopes)
    if inside:
        if low in ('gemm', 'fusedgemm', 'fullyconnected', 'matmul',
                   'reducemean', 'globalaveragepool') or '/fc' in name:
            return 'hyper-function'
        return 'Shift-Max'
    if 'conv' in low:
        return 'convolutions'
    return 'other'


def profile_onnxruntime(model_bytes, x, threads, runs, scopes):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = osp.join(tempfile.mkdtemp(), 'ort')
    session = ort.InferenceSession(model_bytes, options,
                                   providers=['CPUExecutionProvider'])
    for _ in range(runs + 1):
        session.run(None, {'input': x})
    path = session.end_profiling()
    with open(path) as f:
        events = json.load(f)
    os.remove(path)
    totals = collections.Counter()
    for event in events:
        if event.get('cat') != 'Node' or not event['name'].endswith(
                '_kernel_time'):
            continue
        name = event['name'][:-len('_kernel_time')]
        totals[categorise(name, event['args'].get('op_name', ''),
                          scopes)] += event['dur']
    return totals


def profile_openvino(model_bytes, x, threads, runs, scopes, kernels):
    import openvino as ov

    from micronet_mm.deploy.kernels import find_library
    core = ov.Core()
    if kernels:
        core.add_extension(find_library())
    compiled = core.compile_model(
        core.read_model(model_bytes), 'CPU', {
            'INFERENCE_NUM_THREADS': threads,
            'PERFORMANCE_HINT': 'LATENCY',
            'INFERENCE_PRECISION_HINT': 'f32',
            'PERF_COUNT': True
        })
    request = compiled.create_infer_request()
    request.infer({0: x})
    totals = collections.Counter()
    for _ in range(runs):
        request.infer({0: x})
        for info in request.profiling_info:
            op = 'ShiftMax' if info.node_type == 'Reference' and \
                'ShiftMax' in info.node_name else info.node_type
            totals[categorise(info.node_name, op, scopes)] += \
                info.real_time.total_seconds() * 1e6
    return totals


def run(runs: int) -> dict:
    from micronet_mm.deploy import fuse
    from micronet_mm.utils.config import build_model_from_config
    from micronet_mm.utils.tensor_mode import TensorModeWrapper
    results = []
    for task, config, (h, w), threads in CASES:
        torch.set_num_threads(threads)
        model, _ = build_model_from_config(osp.join(REPO, config))
        randomize_batchnorm(model).eval()
        x = torch.randn(1, 3, h, w)
        for label, backend, runtime in (
                ('onnxruntime, portable export', 'onnxruntime',
                 'onnxruntime'),
                ('OpenVINO, portable export', 'onnxruntime', 'openvino'),
                ('OpenVINO, kernel export', 'openvino', 'openvino_kernel')):
            fused = fuse(model, backend=backend)
            buf = io.BytesIO()
            with torch.no_grad():
                torch.onnx.export(TensorModeWrapper(fused), (x, ), buf,
                                  opset_version=17, input_names=['input'],
                                  dynamo=False)
            scopes = shift_max_scopes(fused)
            print(f'[{task}] profiling {label}', flush=True)
            if runtime == 'onnxruntime':
                totals = profile_onnxruntime(buf.getvalue(), x.numpy(),
                                             threads, runs, scopes)
            else:
                totals = profile_openvino(buf.getvalue(), x.numpy(), threads,
                                          runs, scopes,
                                          runtime == 'openvino_kernel')
            whole = sum(totals.values())
            results.append(
                dict(task=task, config=config, shape=[h, w],
                     threads=threads, runtime=label,
                     shares={c: totals[c] / whole for c in CATEGORIES},
                     node_ms_per_run=whole / runs / 1e3))
    load = os.getloadavg()[0]
    return dict(
        meta=dict(date=datetime.date.today().isoformat(), cpu=cpu_name(),
                  load=f'{load:.1f}', command=COMMAND, runs=runs),
        results=results)


def markdown(report: dict) -> str:
    meta = report['meta']
    lines = [
        '# Where the inference time goes', '',
        f'Measured by `{meta["command"]}` on {meta["date"]} ({meta["cpu"]}, '
        f'load average {meta["load"]} at the end, {meta["runs"]} profiled '
        'runs). Shares of the summed node time; see the script for what '
        'each column holds.', '',
        '| Model | Runtime | ' + ' | '.join(CATEGORIES) +
        ' | node time per run (ms) |',
        '|---|---|' + '---:|' * (len(CATEGORIES) + 1)
    ]
    for r in report['results']:
        name = osp.splitext(osp.basename(r['config']))[0]
        lines.append(
            f'| {name} ({r["shape"][0]}x{r["shape"][1]}, {r["threads"]} '
            f'thread{"s" if r["threads"] > 1 else ""}) | {r["runtime"]} | ' +
            ' | '.join(f'{100 * r["shares"][c]:.1f} %' for c in CATEGORIES) +
            f' | {r["node_ms_per_run"]:.1f} |')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=10,
                        help='profiled runs per model and runtime')
    parser.add_argument('--out-dir',
                        default=osp.join(REPO, 'benchmarks', 'results'))
    args = parser.parse_args(argv)
    report = run(args.runs)
    text = markdown(report)
    print(text)
    atomic_write_text(osp.join(args.out_dir, 'profile.md'), text)
    atomic_write_text(osp.join(args.out_dir, 'profile.json'),
                      json.dumps(report, indent=1))


if __name__ == '__main__':
    main()
