import importlib
import subprocess
import sys

import pytest

from micronet_mm.registry import _REGISTRATIONS, register_task
from tests.helpers.tools import REPO

TASK_PACKAGES = ('mmpretrain', 'mmseg', 'mmpose', 'mmdet')


def test_plain_import_loads_no_task_package():
    code = ('import sys, micronet_mm; print(sorted(m for m in '
            f'{TASK_PACKAGES!r} if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, text=True,
                         capture_output=True, check=True).stdout
    assert out.strip() == '[]'


@pytest.mark.parametrize('task,package,others', [
    ('cls', 'mmpretrain', ('mmseg', 'mmpose')),
    ('seg', 'mmseg', ('mmpretrain', 'mmpose')),
    ('pose', 'mmpose', ('mmpretrain', 'mmseg')),
])
def test_task_module_registers_only_its_task(task, package, others):
    code = (f'import sys, micronet_mm.{task}; '
            f'from {package}.registry import MODELS; '
            "print(MODELS.get('MicroNet').__module__, "
            f'[m for m in {others!r} if m in sys.modules])')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, text=True,
                         capture_output=True, check=True).stdout
    assert out.split() == ['micronet_mm.models.backbones.micronet', '[]']


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
