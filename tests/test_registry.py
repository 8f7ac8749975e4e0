import importlib

import pytest

import micronet_mm


@pytest.mark.parametrize('package,names', [
    ('mmpretrain', ['MicroNet', 'MicroNetClsHead',
                    'MutualLearningClassifier']),
    ('mmseg', ['MicroNet', 'MicroNetTrunk', 'MRASPPHead']),
    ('mmpose', ['MicroNet', 'MicroKeypointHead']),
])
def test_models_registered_in_each_package(package, names):
    registry = importlib.import_module(f'{package}.registry')
    for name in names:
        cls = registry.MODELS.get(name)
        assert cls is not None, f'{name} missing from {package}'
        assert cls.__module__.startswith('micronet_mm.')


def test_every_table_entry_is_in_its_registry():
    from micronet_mm.registry import _REGISTRATIONS
    for registry_module, entries in _REGISTRATIONS.items():
        package = importlib.import_module(registry_module)
        for module_path, class_name, *rest in entries:
            registry = getattr(package, rest[0] if rest else 'MODELS')
            expected = getattr(importlib.import_module(module_path),
                               class_name)
            # look up in the registry itself, not its parents or children
            assert registry._module_dict.get(class_name) is expected, (
                f'{class_name} not in {registry_module}.{registry.name}')


def test_backbone_is_the_same_class_everywhere():
    from mmpose.registry import MODELS as POSE
    from mmpretrain.registry import MODELS as CLS
    from mmseg.registry import MODELS as SEG
    assert CLS.get('MicroNet') is SEG.get('MicroNet') is POSE.get('MicroNet')


def test_registration_is_idempotent():
    first = micronet_mm.register_all_modules()
    assert micronet_mm.register_all_modules() == first


def test_build_from_each_scope():
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(dict(type='MicroNet', arch='4m'))
    assert type(model).__name__ == 'MicroNet'


def test_cpu_amp_wrapper_registered():
    from mmengine.registry import OPTIM_WRAPPERS
    assert OPTIM_WRAPPERS.get('CPUAmpOptimWrapper') is not None
