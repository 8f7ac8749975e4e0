"""The import-layer contract of pyproject.toml can fail."""
import os
import os.path as osp
import shutil
import subprocess
import sys

from tests.helpers.tools import REPO


def _lint(root) -> subprocess.CompletedProcess:
    # lint-imports finds the root packages through sys.path: run it in
    # ``root`` so that the copy is analysed, not an installed package
    lint = osp.join(osp.dirname(sys.executable), 'lint-imports')
    return subprocess.run([lint, '--no-cache'], cwd=root, text=True,
                          capture_output=True,
                          env=dict(os.environ, PYTHONPATH=str(root)))


def test_wrong_way_import_breaks_the_contract(tmp_path):
    for name in ('micronet_mm', 'benchmarks', 'tests'):
        shutil.copytree(f'{REPO}/{name}', tmp_path / name,
                        ignore=shutil.ignore_patterns('__pycache__',
                                                      'results'))
    shutil.copy(f'{REPO}/pyproject.toml', tmp_path)
    assert _lint(tmp_path).returncode == 0
    stem = tmp_path / 'micronet_mm' / 'models' / 'layers' / 'stem.py'
    stem.write_text(stem.read_text() +
                    'from micronet_mm.engine import hooks  # noqa\n')
    proc = _lint(tmp_path)
    assert proc.returncode == 1
    assert 'micronet_mm.models.layers.stem -> micronet_mm.engine.hooks' \
        in proc.stdout
