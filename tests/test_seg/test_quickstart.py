"""tools/quickstart.sh end to end (a few iterations on the small set):
data reuse (a set an older generator wrote is regenerated), train, test,
overlay, and re-runs that keep earlier runs."""
import json
import os
import subprocess

import pytest

from micronet_mm.datasets.synthetic import cityscapes as sc
from tests.helpers.tools import REPO

from .helpers import TOOL_ENV

pytestmark = pytest.mark.slow  # runs tools/quickstart.sh twice


def _quickstart(env):
    proc = subprocess.run(['bash', 'tools/quickstart.sh'], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_quickstart_twice_keeps_the_first_run(synthetic_root, tmp_path):
    runs = tmp_path / 'runs'
    env = dict(os.environ, QUICKSTART_DATA=str(synthetic_root),
               QUICKSTART_WORK_ROOT=str(runs), QUICKSTART_ITERS='4',
               **TOOL_ENV)
    before = sorted(p.name for p in synthetic_root.rglob('*'))
    out = _quickstart(env)
    assert 'complete synthetic set found' in out
    assert 'val mIoU:' in out and 'overlay:' in out
    first = sorted(p for p in runs.iterdir() if p.name != 'latest')
    assert len(first) == 1
    run1 = first[0]
    for name in ('iter_4.pth', 'overlay.png', 'train.log', 'test.log'):
        assert (run1 / name).is_file(), name
    snapshot = {p: p.read_bytes() for p in run1.rglob('*') if p.is_file()}

    # a set written by an older generator is regenerated, same settings
    summary_path = synthetic_root / sc.SUMMARY_FILE
    summary = json.loads(summary_path.read_text())
    summary_path.write_text(
        json.dumps(dict(summary, generator_version=sc.GENERATOR_VERSION - 1)))
    out = _quickstart(env)
    assert 'older version of the generator' in out
    assert json.loads(summary_path.read_text()) == summary
    runs_now = sorted(p for p in runs.iterdir() if p.name != 'latest')
    assert len(runs_now) == 2
    run2 = [p for p in runs_now if p != run1][0]
    assert (run2 / 'overlay.png').is_file()
    assert os.readlink(runs / 'latest') == run2.name
    # the first run is untouched, the data set was reused as it was
    assert {p: p.read_bytes() for p in snapshot} == snapshot
    assert sorted(p.name for p in synthetic_root.rglob('*')) == before
