import ast
import importlib
import subprocess
import sys

import pytest

from micronet_mm.registry import _REGISTRATIONS, register_task
from tests.helpers.tools import REPO

TASK_PACKAGES = ('mmpretrain', 'mmseg', 'mmpose', 'mmdet')


def _task_packages_after(statement: str) -> list:
    code = (f'import sys; {statement}; print(sorted(m for m in '
            f'{TASK_PACKAGES!r} if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, text=True,
                         capture_output=True, check=True).stdout
    return ast.literal_eval(out)


def test_plain_import_loads_no_task_package():
    assert _task_packages_after('import micronet_mm') == []


@pytest.mark.slow  # six interpreters importing the OpenMMLab packages
@pytest.mark.parametrize('task,package', [('cls', 'mmpretrain'),
                                          ('seg', 'mmseg'),
                                          ('pose', 'mmpose')])
def test_task_module_imports_only_what_its_package_does(task, package):
    # mmseg.models itself imports mmpretrain and mmdet, for example
    ours = _task_packages_after(f'import micronet_mm.{task}')
    assert package in ours
    assert ours == _task_packages_after(f'import {package}.models')


@pytest.mark.parametrize('task', ['cls', 'seg', 'pose'])
def test_every_table_entry_is_in_its_registry(task):
    register_task(task)
    for group in ('engine', task):
        for registry_module, entries in _REGISTRATIONS[group].items():
            package = importlib.import_module(registry_module)
            for module_path, class_name, *rest in entries:
                registry = getattr(package, rest[0] if rest else 'MODELS')
                expected = getattr(importlib.import_module(module_path),
                                   class_name)
                # look up in the registry itself, not its parents
                assert registry._module_dict.get(class_name) is expected, (
                    f'{class_name} not in {registry_module}.{registry.name}')


def test_backbone_is_the_same_class_everywhere():
    for task in ('cls', 'seg', 'pose'):
        register_task(task)
    from mmpose.registry import MODELS as POSE
    from mmpretrain.registry import MODELS as CLS
    from mmseg.registry import MODELS as SEG
    assert CLS.get('MicroNet') is SEG.get('MicroNet') is POSE.get('MicroNet')


def test_registration_is_idempotent(monkeypatch):
    from mmseg.registry import MODELS

    import micronet_mm.registry as registry
    first = register_task('seg')
    head = MODELS.get('MRASPPHead')
    assert register_task('seg') == first  # cached: nothing done again
    # registering again for real (as after a module reload) neither fails
    # on the names already there nor changes what they resolve to
    monkeypatch.setattr(registry, '_registered', {})
    assert register_task('seg') == first
    assert MODELS.get('MRASPPHead') is head
    assert first['mmseg.registry'] == [
        entry[1] for entry in _REGISTRATIONS['seg']['mmseg.registry']]


def test_unknown_task_is_named():
    with pytest.raises(ValueError, match="'det'.*'cls'"):
        register_task('det')
