"""Helpers for tests that run the command-line tools."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED_DATA = osp.join(osp.dirname(REPO), 'shared', 'data')


def run_tool(*args, timeout=900, check=True, cwd=REPO, env=None):
    """Run ``python <args>`` from the repo root and return the process.

    Raises AssertionError with the tail of stdout/stderr when ``check`` and
    the process fails.
    """
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = REPO + os.pathsep + full_env.get(
        'PYTHONPATH', '')
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc
