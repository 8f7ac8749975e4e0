"""One process versus two (gloo, CPU) with the same total batch: do they
reach the same metrics? And how far apart are runs that differ only in
their seed (the noise)?

Usage:
    python benchmarks/dist_equivalence.py [--schedule short|tiny]
        [--tasks seg,pose] [--seeds 0,1] [--work-dir DIR] [--out FILE]

For each task it generates a small set (or reuses it in ``--work-dir``),
trains with ``tools/train.py`` (1 process, batch B, every seed) and with
``tools/dist_train.sh`` (2 processes, batch B/2 each, the first seeds),
and prints a Markdown table of the final validation metrics and training
loss. ``--schedule tiny`` is the schedule of the tests in
``tests/test_tools/test_dist_train.py`` (their tolerances come from its
seed spread); ``short`` trains long enough to learn something.
Each process uses one thread (``OMP_NUM_THREADS=1``).
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks.tiny_runs import (  # noqa: E402
    TOOL_ENV,
    read_scalars,
    write_config,
)

SCHEDULES = {
    # the tests' runs
    'tiny': dict(
        seg=dict(data=dict(num_train=16, num_val=4,
                           image_size=(64, 128)),
                 config=dict(batch=4, iters=8, val_interval=4,
                             ckpt_interval=8)),
        pose=dict(data=dict(num_train=16, num_val=4, image_size=(96, 96),
                            max_people=2),
                  config=dict(batch=8, epochs=3))),
    # a few minutes per run on one core
    'short': dict(
        seg=dict(data=dict(num_train=32, num_val=8,
                           image_size=(64, 128)),
                 config=dict(batch=8, iters=200, val_interval=200,
                             ckpt_interval=200, crop=(64, 128))),
        pose=dict(data=dict(num_train=32, num_val=8, image_size=(96, 96),
                            max_people=2, difficulty=0.0),
                  config=dict(batch=8, epochs=15))),
}
METRICS = dict(seg=('aAcc', 'mIoU'), pose=('coco/AP', 'coco/AR'))


def _data(task, root, spec):
    from micronet_mm.datasets import (
        generate_synthetic_cityscapes,
        generate_synthetic_coco_keypoints,
    )
    if osp.isdir(root):
        return root
    if task == 'seg':
        generate_synthetic_cityscapes(root, seed=0, **spec)
    else:
        generate_synthetic_coco_keypoints(root, seed=0, **spec)
    return root


def _train(task, name, folder, root, spec, seed, nproc, port):
    work = osp.join(folder, name)
    if not osp.isdir(work):
        config = write_config(folder, task, root, name=name, seed=seed,
                              **spec['config'])
        env = dict(os.environ, **TOOL_ENV, PYTHON=sys.executable,
                   PORT=str(port))
        env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
        if nproc == 1:
            cmd = [sys.executable, 'tools/train.py', config]
        else:
            cmd = ['bash', 'tools/dist_train.sh', config, str(nproc)]
        cmd += ['--work-dir', work, '--cfg-options',
                f'train_dataloader.batch_size='
                f'{spec["config"]["batch"] // nproc}']
        start = time.time()
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                              text=True)
        if proc.returncode:
            sys.exit(f'{name} failed:\n{proc.stderr[-3000:]}')
        print(f'{name}: {time.time() - start:.0f} s', file=sys.stderr)
    records = read_scalars(work)
    losses = [r['loss'] for r in records if 'loss' in r]
    val = [r for r in records if 'loss' not in r and 'step' in r][-1]
    row = {k: val[k] for k in METRICS[task]}
    row['loss'] = losses[-1]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--schedule', choices=sorted(SCHEDULES),
                        default='short')
    parser.add_argument('--tasks', default='seg,pose')
    parser.add_argument('--seeds', default='0,1',
                        help='1-process seeds; 2-process runs use the '
                        'first one')
    parser.add_argument('--work-dir', default='work_dirs/dist_equivalence')
    parser.add_argument('--out', help='also write the rows as JSON here '
                        '(missing folders are created)')
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(',')]
    rows = []
    for task in args.tasks.split(','):
        spec = SCHEDULES[args.schedule][task]
        folder = osp.join(args.work_dir, args.schedule, task)
        os.makedirs(folder, exist_ok=True)
        root = _data(task, osp.join(folder, 'data'), spec['data'])
        runs = [(f'1proc_seed{s}', s, 1) for s in seeds]
        runs.append((f'2proc_seed{seeds[0]}', seeds[0], 2))
        for i, (name, seed, nproc) in enumerate(runs):
            row = _train(task, name, folder, root, spec, seed, nproc,
                         29700 + i)
            rows.append(dict(task=task, run=name, **row))
    print(f'schedule: {args.schedule}\n')
    print('| task | run | ' + ' | '.join(
        ['metric 1', 'metric 2', 'final train loss']) + ' |')
    print('|---|---|---|---|---|')
    for row in rows:
        names = METRICS[row['task']]
        print(f'| {row["task"]} | {row["run"]} | ' + ' | '.join(
            f'{n} {row[n]:.2f}' for n in names) +
            f' | {row["loss"]:.4f} |')
    for task in args.tasks.split(','):
        ones = [r for r in rows if r['task'] == task and
                r['run'].startswith('1proc')]
        if len(ones) > 1:
            spread = {k: max(r[k] for r in ones) - min(r[k] for r in ones)
                      for k in (*METRICS[task], 'loss')}
            print(f'\n{task}: spread of the 1-process seeds: ' + ', '.join(
                f'{k} {v:.4g}' for k, v in spread.items()))
    if args.out:
        from micronet_mm.utils.fileio import atomic_write_text
        atomic_write_text(args.out, json.dumps(dict(
            schedule=args.schedule, rows=rows,
            mean_loss={t: statistics.mean(
                r['loss'] for r in rows if r['task'] == t)
                for t in args.tasks.split(',')}), indent=1))


if __name__ == '__main__':
    main()
