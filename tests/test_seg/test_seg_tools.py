"""tools/train.py, tools/test.py, tools/dist_train.sh, mmseg's inference
API and demo/seg_demo.py with the segmentation configs, on a small
generated Cityscapes-format set."""
import glob
import json
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.helpers.tools import REPO, run_tool

from .helpers import CITYSCAPES_CONFIGS, TOOL_ENV, write_fast_config

pytestmark = pytest.mark.slow  # trains and runs the tools

ITERS = 40


def _losses(work_dir):
    """Logged training losses, in iteration order."""
    scalars = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert scalars, f'no scalars.json under {work_dir}'
    losses = []
    with open(sorted(scalars)[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record:
                losses.append((record['iter'], record['loss']))
    return [loss for _, loss in sorted(losses)]


def _snapshot(work_dir):
    out = {}
    for dirpath, _, names in os.walk(work_dir):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, work_dir)] = f.read()
    return out


@pytest.fixture(scope='module')
def trained(synthetic_root, tmp_path_factory):
    """A few dozen iterations of MicroNet-M0 MR-ASPP on the small set."""
    tmp = tmp_path_factory.mktemp('seg_train')
    config = write_fast_config(tmp / 'fast.py', synthetic_root, ITERS)
    work = tmp / 'work'
    run_tool('tools/train.py', config, '--work-dir', str(work),
             env=TOOL_ENV)
    ckpt = work / f'iter_{ITERS}.pth'
    assert ckpt.is_file()
    return dict(config=config, work=work, ckpt=ckpt, tmp=tmp,
                root=synthetic_root)


def test_training_makes_the_loss_fall(trained):
    losses = _losses(str(trained['work']))
    assert len(losses) == ITERS // 2
    first, last = np.mean(losses[:3]), np.mean(losses[-3:])
    # from ln(19) ~ 2.9 at random init
    assert first > 2.0, losses
    assert last < 0.65 * first, losses


def test_test_tool_reports_miou_and_dumps_predictions(trained):
    out = trained['tmp'] / 'preds.pkl'
    proc = run_tool('tools/test.py', trained['config'], str(trained['ckpt']),
                    '--work-dir', str(trained['tmp'] / 'test'), '--out',
                    str(out), env=TOOL_ENV)
    assert 'mIoU' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 3
    assert tuple(preds[0]['pred_sem_seg']['data'].shape) == (1, 128, 256)
    # --out never replaces an existing file
    before = out.read_bytes()
    proc = run_tool('tools/test.py', trained['config'], str(trained['ckpt']),
                    '--out', str(out), check=False, env=TOOL_ENV)
    assert proc.returncode != 0 and 'refusing to overwrite' in proc.stderr
    assert out.read_bytes() == before


def test_failed_runs_keep_existing_checkpoints_and_logs(trained, tmp_path):
    work = trained['work']
    before = _snapshot(work)
    # a fresh run in a work dir with checkpoints is refused
    proc = run_tool('tools/train.py', trained['config'], '--work-dir',
                    str(work), check=False, env=TOOL_ENV)
    assert proc.returncode != 0 and 'already holds checkpoints' in \
        proc.stderr
    # a resumed run whose data has gone away fails before touching anything
    proc = run_tool('tools/train.py', trained['config'], '--work-dir',
                    str(work), '--resume', '--cfg-options',
                    f'train_dataloader.dataset.data_root={tmp_path}/gone',
                    check=False, env=TOOL_ENV)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    after = _snapshot(work)
    # the failed runs may add their own log folders, nothing else changes
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [k for k in after if k not in before and k.endswith('.pth')]


def test_inference_api_round_trip(trained):
    """Checkpoint -> mmseg.apis.init_model / inference_model gives the
    predictions of tools/test.py."""
    from mmseg.apis import inference_model, init_model

    model = init_model(trained['config'], str(trained['ckpt']),
                       device='cpu')
    assert model.dataset_meta['classes'][0] == 'road'
    out = trained['tmp'] / 'round_trip.pkl'
    run_tool('tools/test.py', trained['config'], str(trained['ckpt']),
             '--work-dir', str(trained['tmp'] / 'rt'), '--out', str(out),
             env=TOOL_ENV)
    with open(out, 'rb') as f:
        dumped = {p['img_path']: p['pred_sem_seg']['data'] for p in
                  pickle.load(f)}
    for img_path, expected in dumped.items():
        result = inference_model(model, img_path)
        pred = result.pred_sem_seg.data.cpu()
        assert pred.shape == (1, 128, 256)
        assert (pred == expected).float().mean() > 0.999


def test_multi_gpu_config_runs_on_cpu_with_mmseg_init_model(trained):
    """The Cityscapes configs use SyncBN and mmseg's init_model does not
    revert it: eval-mode CPU inference must still work (whole 1024x2048
    image, the config's test resize)."""
    from mmseg.apis import inference_model, init_model

    model = init_model(CITYSCAPES_CONFIGS[0], str(trained['ckpt']),
                       device='cpu')
    assert any(type(m).__name__ == 'SyncBatchNorm' for m in model.modules())
    img = sorted(glob.glob(str(trained['root'] / 'leftImg8bit' / 'val' / '*'
                               / '*.png')))[0]
    with torch.no_grad():
        result = inference_model(model, img)
    assert result.pred_sem_seg.data.shape == (1, 128, 256)
    assert result.seg_logits.data.shape == (19, 128, 256)


def test_seg_demo_writes_overlay_and_refuses_to_overwrite(trained):
    import cv2

    img = sorted(glob.glob(str(trained['root'] / 'leftImg8bit' / 'val' / '*'
                               / '*.png')))[0]
    out = trained['tmp'] / 'demo' / 'overlay.png'
    args = ('demo/seg_demo.py', img, trained['config'], str(trained['ckpt']),
            '--out-file', str(out))
    proc = run_tool(*args, env=TOOL_ENV)
    assert 'overlay written' in proc.stdout
    overlay = cv2.imread(str(out))
    source = cv2.imread(img)
    assert overlay.shape == source.shape
    assert np.abs(overlay.astype(int) - source).mean() > 5
    before = out.read_bytes()
    proc = run_tool(*args, check=False, env=TOOL_ENV)
    assert proc.returncode == 1 and '--force' in proc.stderr
    assert out.read_bytes() == before
    run_tool(*args, '--force', '--opacity', '0.9', env=TOOL_ENV)
    assert out.read_bytes() != before
    proc = run_tool('demo/seg_demo.py', str(trained['tmp'] / 'no.png'),
                    trained['config'], str(trained['ckpt']), '--out-file',
                    str(trained['tmp'] / 'x.png'), check=False)
    assert proc.returncode == 2 and 'no.png' in proc.stderr
    proc = run_tool(*args[:4], '--out-file', str(out.parent / 'x.xyz'),
                    check=False, env=TOOL_ENV)
    assert proc.returncode == 2 and "'.xyz'" in proc.stderr
    assert [p.name for p in out.parent.iterdir()] == ['overlay.png']


def test_dist_train_two_cpu_processes(synthetic_root, tmp_path):
    config = write_fast_config(tmp_path / 'fast.py', synthetic_root, 4)
    work = tmp_path / 'dist'
    env = dict(os.environ, PORT='29517', **TOOL_ENV)
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         str(work)], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    # mmengine's runtime environment: two processes over gloo
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert "'backend': 'gloo'" in log
    assert (work / 'iter_4.pth').is_file()
    state = torch.load(work / 'iter_4.pth', weights_only=False)
    # SyncBN would have failed on CPU; the configs' BN trained across ranks
    assert state['meta']['iter'] == 4


def test_mim_train_mmseg_runs_our_config(synthetic_root, tmp_path):
    """``mim train mmseg CONFIG`` runs mmseg's own train.py, which loads
    micronet_mm through the config's custom_imports."""
    config = write_fast_config(tmp_path / 'fast.py', synthetic_root, 2)
    mim = shutil.which('mim') or osp.join(osp.dirname(sys.executable),
                                          'mim')
    work = tmp_path / 'mim'
    proc = subprocess.run(
        [mim, 'train', 'mmseg', config, '--work-dir', str(work)],
        capture_output=True, text=True, timeout=900, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO, **TOOL_ENV))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    state = torch.load(work / 'iter_2.pth', weights_only=False)
    assert any(k.startswith('backbone.layer0') for k in state['state_dict'])
