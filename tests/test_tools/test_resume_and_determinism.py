"""tools/train.py runs that are killed (SIGKILL, at random moments and
while checkpoints are written) and resumed end with the weights of an
uninterrupted run; two runs with one seed log identical losses."""
import glob
import os
import os.path as osp
import random
import re
import shutil
import time

import pytest

from benchmarks.tiny_runs import TOOL_ENV, read_scalars, train_losses
from micronet_mm.engine.config_setup import (
    find_resume_checkpoint,
    is_complete_checkpoint,
)
from tests.helpers.tools import run_tool
from tests.helpers.training import (
    assert_same_weights,
    kill,
    start_tool,
    wait_for,
)

pytestmark = pytest.mark.slow  # runs the tools


def test_same_seed_same_losses_and_weights(seg_reference, tmp_path):
    config, reference = seg_reference
    twin = tmp_path / 'twin'
    run_tool('tools/train.py', config, '--work-dir', str(twin), env=TOOL_ENV)
    first, second = train_losses(reference), train_losses(twin)
    assert sorted(first) == list(range(1, 9))
    # identical, not just close: same seed, same machine
    assert first == second
    assert_same_weights(reference / 'iter_8.pth', twin / 'iter_8.pth')


def _assert_resumable(work):
    """What a kill may leave: the pointer names a complete checkpoint (or
    none exists yet); never a corrupt 'latest' checkpoint."""
    pointer = work / 'last_checkpoint'
    if pointer.exists():
        assert is_complete_checkpoint(pointer.read_text().strip())
    found = find_resume_checkpoint(str(work))  # raises if all are corrupt
    assert found is None or is_complete_checkpoint(found)
    return found


def _partials(work):
    # temporary checkpoint files (.XXXXXXXX-iter_N.pth.partial)
    return glob.glob(osp.join(str(work), '.*.pth.partial'))


def _step(path):
    return int(re.findall(r'\d+', osp.basename(path))[-1]) if path else 0


def test_sigkill_at_random_moments_always_resumes(seg_reference, tmp_path):
    """Kill the run three times with SIGKILL: at a random moment after it
    saved a new checkpoint, while a checkpoint is half written (a slow
    disk widens that window), and at a random moment again; resume each
    time. Every kill leaves a resumable work dir, each resume continues
    from a later checkpoint, and the finished run has the reference's
    weights and logged the reference's losses."""
    config, reference = seg_reference
    slow = tmp_path / 'slow.py'
    slow.write_text(f'_base_ = [{config!r}]\ncustom_imports = dict(imports='
                    "['micronet_mm.seg', 'tests.helpers.slow_disk'], "
                    'allow_failed_imports=False)\n')
    work = tmp_path / 'work'
    log = str(tmp_path / 'train.log')
    rng = random.Random(0)
    killed_in_save, resumed_from = 0, [0]
    for attempt, mode in enumerate(['random', 'save', 'random']):
        args = ['tools/train.py', str(slow), '--work-dir', str(work)]
        if attempt:
            args.append('--resume')
        start = resumed_from[-1]
        proc = start_tool(*args, log=log)
        if mode == 'save':
            # a checkpoint beyond the resumed one is being written
            reached = wait_for(lambda: any(
                _step(p) > start + 1 for p in _partials(work)), proc)
        else:
            reached = wait_for(lambda: _step(find_resume_checkpoint(
                str(work))) > start, proc, interval=0.02)
        assert reached and proc.poll() is None, (
            f'attempt {attempt}: run ended before the kill; see {log}')
        if mode == 'random':
            # somewhere in training, logging or saving
            time.sleep(rng.uniform(0.0, 0.5))
        kill(proc)
        killed_in_save += bool(_partials(work))
        resumed_from.append(_step(_assert_resumable(work)))
        assert resumed_from[-1] > start, resumed_from

    assert killed_in_save >= 1, 'no kill landed inside a checkpoint write'
    # the stale partial file of the last kill is removed on resume
    run_tool('tools/train.py', str(slow), '--work-dir', str(work),
             '--resume', env=TOOL_ENV)
    assert not _partials(work)
    assert_same_weights(reference / 'iter_8.pth', work / 'iter_8.pth')
    # every resumed segment logged the reference's losses
    expected = train_losses(reference)
    for record in read_scalars(work):
        if 'loss' in record:
            assert record['loss'] == expected[record['iter']], record


def test_pose_killed_mid_epoch_resumes_exactly(pose_reference, tmp_path):
    """Epoch-based loop with a data loader worker: killed in epoch 2,
    resumed from epoch 1's checkpoint, same final weights."""
    config, reference = pose_reference
    per_epoch = max(train_losses(reference)) // 3
    work = tmp_path / 'work'
    log = str(tmp_path / 'train.log')
    proc = start_tool('tools/train.py', config, '--work-dir', str(work),
                      log=log)
    wait_for(lambda: max(train_losses(work) or [0]) > per_epoch, proc,
             interval=0.02)
    kill(proc)
    found = _assert_resumable(work)
    assert found is not None and found.endswith('epoch_1.pth'), (
        f'expected a kill in epoch 2, resumable from {found}; see {log}')
    proc = run_tool('tools/train.py', config, '--work-dir', str(work),
                    '--resume', env=TOOL_ENV)
    assert 'restored the random number generator states' in \
        proc.stdout + proc.stderr
    assert_same_weights(reference / 'epoch_3.pth', work / 'epoch_3.pth')


def test_nan_loss_stops_and_names_last_good_checkpoint(seg_reference,
                                                       tmp_path):
    """Resume the reference with a loss that turns NaN: training stops at
    the first new iteration, naming it and the last good checkpoint, and
    no checkpoint of the bad weights is written."""
    config, reference = seg_reference
    work = tmp_path / 'work'
    shutil.copytree(reference, work)
    # as if the run had been written here
    (work / 'last_checkpoint').write_text(str(work / 'iter_8.pth'))
    bad = tmp_path / 'nan.py'
    bad.write_text(f"_base_ = [{config!r}]\ntrain_cfg = dict(max_iters=10)\n"
                   "model = dict(decode_head=dict(loss_decode=dict("
                   "loss_weight=float('nan'))))\n")
    proc = run_tool('tools/train.py', str(bad), '--work-dir', str(work),
                    '--resume', check=False, env=TOOL_ENV)
    assert proc.returncode != 0
    text = proc.stderr
    assert 'FloatingPointError: non-finite loss at iteration 9' in text
    assert f'last good checkpoint is {work}/iter_8.pth' in text
    assert not os.path.exists(work / 'iter_9.pth')
    assert _assert_resumable(work) == str(work / 'iter_8.pth')
