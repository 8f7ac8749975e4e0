"""tools/train.py logs the effective schedule in one line, the same line
tools/analysis/print_schedule.py prints for that cluster, and the run does
what the line says (iterations, learning rate), on 1 and 2 gloo
processes."""
import re

import pytest

from benchmarks.tiny_runs import TOOL_ENV, read_scalars, write_config
from tests.helpers.tools import run_tool
from tests.helpers.training import free_port, log_text, run_script

LINE = re.compile(r'effective schedule: .*')


def _logged_line(work) -> str:
    lines = LINE.findall(log_text(work))
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture(scope='module')
def cls_config(tmp_path_factory, cls_data):
    """The tiny cls config: 8 images, batch 4 per process, lr 0.01 at
    total batch 4, 2 epochs."""
    folder = tmp_path_factory.mktemp('schedule_line')
    return write_config(folder, 'cls', cls_data, epochs=2,
                        extra='num_train_samples = 8\n')


@pytest.mark.parametrize('gpus', [1, 2])
def test_train_line_matches_the_dry_run(cls_config, tmp_path, gpus):
    work = tmp_path / 'work'
    if gpus == 1:
        run_tool('tools/train.py', cls_config, '--work-dir', str(work),
                 env=TOOL_ENV)
    else:
        run_script('tools/dist_train.sh', cls_config, '2', '--work-dir',
                   str(work), env=dict(PORT=str(free_port())))
    line = _logged_line(work)
    dry = run_tool('tools/analysis/print_schedule.py', cls_config, '--gpus',
                   str(gpus)).stdout.strip()
    assert line == dry
    # 8 images over gpus x 4 per step; lr 0.01 scaled from total batch 4
    steps = 2 // gpus
    assert f'total batch {4 * gpus}' in line
    assert f'2 epochs of 8 samples = {2 * steps} iterations' in line
    records = [r for r in read_scalars(work) if 'loss' in r]
    assert max(r['iter'] for r in records) == 2 * steps
    assert all(r['lr'] == pytest.approx(0.01 * gpus) for r in records)
