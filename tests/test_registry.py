import importlib

import pytest

import micronet_mm


@pytest.mark.parametrize('package,names', [
    ('mmpretrain', ['MicroNet', 'MicroNetClsHead',
                    'MutualLearningClassifier']),
    ('mmseg', ['MicroNet', 'MRASPPHead']),
    ('mmpose', ['MicroNet']),
])
def test_modules_registered_in_each_package(package, names):
    registry = importlib.import_module(f'{package}.registry')
    for name in names:
        cls = registry.MODELS.get(name)
        assert cls is not None, f'{name} missing from {package}'
        assert cls.__module__.startswith('micronet_mm.')


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
