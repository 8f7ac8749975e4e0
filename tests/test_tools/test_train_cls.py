"""tools/train.py + tools/test.py on a tiny generated image-folder dataset:
training, resume and load_from under torch >= 2.6 (weights_only load)."""
import os
import shutil
import subprocess
import sys

import pytest
import torch

from benchmarks.tiny_runs import write_config
from tests.helpers.tools import REPO, run_tool

pytestmark = pytest.mark.slow  # runs the tools


def _config(tmp_path, root, epochs):
    """The tiny classification config, trained for ``epochs`` epochs."""
    return write_config(tmp_path, 'cls', root, name=f'cls_{epochs}e',
                        epochs=epochs)


def test_train_resume_load_from_and_test(tmp_path, cls_data):
    work = tmp_path / 'work'
    run_tool('tools/train.py', _config(tmp_path, cls_data, 2),
             '--work-dir', str(work))
    ckpt2 = work / 'epoch_2.pth'
    assert ckpt2.is_file()

    # full checkpoints (message hub, numpy values) load with torch's
    # default weights_only=True once micronet_mm is imported
    import micronet_mm  # noqa: F401
    state = torch.load(ckpt2)
    assert state['meta']['epoch'] == 2 and 'message_hub' in state

    # a fresh run must not replace the existing checkpoints
    before = ckpt2.read_bytes()
    proc = run_tool('tools/train.py', _config(tmp_path, cls_data, 3),
                    '--work-dir', str(work), check=False)
    assert proc.returncode != 0 and 'already holds checkpoints' in \
        proc.stderr and '--resume' in proc.stderr
    assert ckpt2.read_bytes() == before

    proc = run_tool('tools/train.py', _config(tmp_path, cls_data, 3),
                    '--work-dir', str(work), '--resume')
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr
    after = torch.load(work / 'epoch_3.pth')
    assert after['meta']['epoch'] == 3
    # the resumed run continued the iteration count instead of restarting
    assert after['meta']['iter'] == 3 * state['meta']['iter'] // 2

    other = tmp_path / 'finetune'
    run_tool('tools/train.py', _config(tmp_path, cls_data, 1),
             '--work-dir', str(other), '--cfg-options',
             f'load_from={ckpt2}')
    assert (other / 'epoch_1.pth').is_file()

    proc = run_tool('tools/test.py', _config(tmp_path, cls_data, 1),
                    str(work / 'epoch_3.pth'), '--work-dir',
                    str(tmp_path / 'test'))
    assert 'accuracy/top1' in proc.stdout + proc.stderr


def test_missing_checkpoint_and_config_messages(tmp_path, cls_data):
    proc = run_tool('tools/test.py', _config(tmp_path, cls_data, 1),
                    str(tmp_path / 'missing.pth'), check=False)
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr and 'does not exist' in proc.stderr
    proc = run_tool('tools/train.py', str(tmp_path / 'nope.py'),
                    check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr


def test_mim_train_mmpretrain_runs_our_config(tmp_path, cls_data):
    """``mim train mmpretrain CONFIG`` runs mmpretrain's own train.py, which
    loads micronet_mm through the config's custom_imports."""
    mim = shutil.which('mim') or os.path.join(os.path.dirname(
        sys.executable), 'mim')
    proc = subprocess.run(
        [mim, 'train', 'mmpretrain', _config(tmp_path, cls_data, 1),
         '--work-dir', str(tmp_path / 'mim')],
        capture_output=True, text=True, timeout=900, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (tmp_path / 'mim' / 'epoch_1.pth').is_file()
