"""Helpers of the training-survival tests: a tiny classification folder,
checkpoint readers and tool processes to start, kill and wait for. The
tiny configs themselves are in ``benchmarks/tiny_runs.py``."""
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

from benchmarks.tiny_runs import TOOL_ENV
from tests.helpers.tools import REPO


def write_two_class_folder(root, size) -> str:
    """An mmpretrain ``CustomDataset`` folder of dark and bright noise images
    (8 train, 4 val) of ``size`` = (h, w); returns ``root`` as str."""
    rng = np.random.default_rng(0)
    for split, n in (('train', 8), ('val', 4)):
        for label, colour in (('dark', 40), ('bright', 200)):
            path = root / split / label
            path.mkdir(parents=True)
            for i in range(n // 2):
                img = rng.integers(0, 50, (*size, 3)) + colour
                Image.fromarray(img.astype(np.uint8)).save(path / f'{i}.png')
    return str(root)


def weights(path: str) -> dict:
    """The ``state_dict`` of a checkpoint file."""
    import micronet_mm  # noqa: F401  (safe loading of mmengine checkpoints)
    return torch.load(path, map_location='cpu')['state_dict']


def assert_same_weights(path_a: str, path_b: str) -> None:
    """Checkpoints ``path_a`` and ``path_b`` hold bit-identical weights."""
    a, b = weights(path_a), weights(path_b)
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, (f'{len(differ)} of {len(a)} tensors differ, e.g. '
                        f'{differ[:3]}')


def start_tool(*args, env=None, log=None) -> subprocess.Popen:
    """Start ``python <args>`` from the repo root without waiting; output
    goes to ``log`` (a path) or is discarded."""
    full_env = dict(os.environ, **TOOL_ENV)
    full_env['PYTHONPATH'] = REPO + os.pathsep + full_env.get(
        'PYTHONPATH', '')
    full_env.update(env or {})
    out = open(log, 'ab') if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, *args], cwd=REPO,
                                env=full_env, stdout=out,
                                stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` (no clean-up handlers run) and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 300,
             interval: float = 0.005) -> bool:
    """Poll ``predicate`` until it holds (True) or ``proc`` exits
    (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return bool(predicate())
        time.sleep(interval)
    raise TimeoutError(f'condition not reached in {timeout} s')


def free_port() -> int:
    """A TCP port of this machine that nothing listens on (for torchrun's
    and Slurm's rendezvous)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_script(*args, env=None) -> subprocess.CompletedProcess:
    """Run ``bash <args>`` (a launch script) from the repo root with
    :data:`TOOL_ENV` and this interpreter as ``PYTHON``; asserts success."""
    full_env = dict(os.environ, **TOOL_ENV, PYTHON=sys.executable)
    full_env.update(env or {})
    proc = subprocess.run(['bash', *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def log_text(work) -> str:
    """The text log of the run in ``work`` (rank 0 writes the only one)."""
    logs = [osp.join(r, f) for r, _, files in os.walk(work) for f in files
            if f.endswith('.log')]
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return f.read()
