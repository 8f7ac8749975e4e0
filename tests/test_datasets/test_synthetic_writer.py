"""The writer both synthetic generators share: states, overwrite rules,
markers and JSON formats, on a toy set format."""
import json

import pytest

from micronet_mm.datasets.synthetic.writer import SetFormat, write_json_atomic

FMT = SetFormat(name='toy', summary_file='summary.json',
                progress_file='.running', version=3,
                version_key=('meta', 'version'),
                outputs=('images', 'labels/all.json'), summary_indent=None,
                cli='make-toy')


def _write(root, overwrite=False, version=3):
    root = FMT.begin(root, overwrite, dict(seed=1))
    assert FMT.dataset_state(root) == 'incomplete'
    (root / 'images').mkdir()
    (root / 'images' / 'a.png').write_bytes(b'x')
    (root / 'labels').mkdir()
    (root / 'labels' / 'all.json').write_text('[]')
    FMT.finish(root, dict(meta=dict(version=version)))
    return root


def test_states_and_summary(tmp_path):
    root = tmp_path / 'set'
    assert FMT.dataset_state(root) == 'missing'
    root.mkdir()
    assert FMT.dataset_state(root) == 'missing'  # empty
    _write(root)
    assert FMT.dataset_state(root) == 'current'
    assert FMT.read_summary(root) == dict(meta=dict(version=3))
    assert not (root / '.running').exists()
    # compact JSON unless the format asks for an indent
    assert (root / 'summary.json').read_text() == '{"meta":{"version":3}}'
    (root / 'summary.json').write_text(json.dumps(dict(meta={})))
    assert FMT.dataset_state(root) == 'outdated'
    (root / 'summary.json').write_text('{broken')
    assert FMT.read_summary(root) is None
    assert FMT.dataset_state(root) == 'foreign'
    with pytest.raises(FileNotFoundError, match='make-toy'):
        FMT.require_summary(root)
    (root / 'summary.json').unlink()
    (root / '.running').write_text('{}')
    assert FMT.dataset_state(root) == 'incomplete'
    (tmp_path / 'file').write_text('x')
    with pytest.raises(NotADirectoryError, match='not a directory'):
        FMT.dataset_state(tmp_path / 'file')


@pytest.mark.parametrize('state', ['current', 'outdated', 'foreign'])
def test_overwrite_rules_keep_other_files(tmp_path, state):
    root = tmp_path / 'set'
    root.mkdir()
    (root / 'notes.txt').write_text('keep me')
    if state != 'foreign':
        _write(root, overwrite=True, version=3 if state == 'current' else 2)
    assert FMT.dataset_state(root) == state
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(FileExistsError, match='--force'):
        FMT.begin(root, False, {})
    assert sorted(p.name for p in root.iterdir()) == before
    FMT.begin(root, True, {})
    # only the generator's outputs (and empty parents) are gone
    assert sorted(p.name for p in root.iterdir()) == ['.running',
                                                      'notes.txt']


def test_interrupted_run_is_replaced_without_overwrite(tmp_path):
    root = _write(tmp_path / 'set')
    (root / '.running').write_text('{}')
    (root / 'images' / 'stale.png').write_bytes(b'y')
    _write(root)
    assert sorted(p.name for p in (root / 'images').iterdir()) == ['a.png']
    assert FMT.dataset_state(root) == 'current'


def test_atomic_json_with_indent(tmp_path):
    write_json_atomic(tmp_path / 'a.json', dict(b=[1]), indent=2)
    assert (tmp_path / 'a.json').read_text() == '{\n  "b": [\n    1\n  ]\n}'
    assert [p.name for p in tmp_path.iterdir()] == ['a.json']
