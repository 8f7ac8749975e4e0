"""The import-layer contract of pyproject.toml can fail."""
import shutil
import subprocess
import sys

from tests.helpers.tools import REPO


def _lint(root) -> subprocess.CompletedProcess:
    # lint-imports finds the root packages through sys.path: run it in
    # ``root`` so that the copy is analysed, not an installed package
    code = 'import sys; from importlinter.cli import lint_imports_command; ' \
        'sys.exit(lint_imports_command())'
    return subprocess.run([sys.executable, '-c', code, '--no-cache'],
                          cwd=root, capture_output=True, text=True,
                          env={'PYTHONPATH': str(root), 'PATH': ''})


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
