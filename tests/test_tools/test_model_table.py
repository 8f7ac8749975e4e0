"""The README's model tables are what tools/analysis/model_table.py
computes from the configs today (not typed, not stale)."""
import pytest

from tests.helpers.tools import run_tool

pytestmark = pytest.mark.slow  # runs the tools


def test_readme_model_table_is_up_to_date():
    proc = run_tool('tools/analysis/model_table.py', '--check', check=False)
    assert proc.returncode == 0, (
        'README model table is stale: run .venv/bin/python '
        'tools/analysis/model_table.py\n' + proc.stdout[-2000:] +
        proc.stderr[-2000:])


def test_check_reports_a_stale_table(tmp_path):
    stale = tmp_path / 'README.md'
    stale.write_text('# x\n<!-- model-table:start -->\nold\n'
                     '<!-- model-table:end -->\n')
    proc = run_tool('tools/analysis/model_table.py', '--check', '--readme',
                    str(stale), check=False)
    assert proc.returncode != 0
    # --check never writes
    assert 'old' in stale.read_text()
