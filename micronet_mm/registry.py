"""The one place where micronet_mm registers its modules.

``import micronet_mm`` calls :func:`register_all_modules`, which adds the
backbone to the model registries of mmpretrain, mmsegmentation and mmpose,
and each task module to its own package's registry. A package that is not
installed is skipped; configs then fail with the registry's usual "not in
the registry" message.
"""
import importlib
from typing import Dict, List

# package registry module -> [(our module, class name[, registry name])];
# the registry defaults to MODELS
_REGISTRATIONS: Dict[str, List[tuple]] = {
    'mmpretrain.registry': [
        ('micronet_mm.models.backbones', 'MicroNet'),
        ('micronet_mm.models.heads.cls_head', 'MicroNetClsHead'),
        ('micronet_mm.models.classifiers', 'MutualLearningClassifier'),
    ],
    'mmengine.registry': [
        ('micronet_mm.engine', 'CPUAmpOptimWrapper', 'OPTIM_WRAPPERS'),
        ('micronet_mm.engine', 'AtomicCheckpointHook', 'HOOKS'),
        ('micronet_mm.engine', 'NonFiniteLossHook', 'HOOKS'),
        ('micronet_mm.engine', 'RNGStateHook', 'HOOKS'),
        ('micronet_mm.engine', 'CheckpointTaskHook', 'HOOKS'),
        ('micronet_mm.engine', 'BadImageReportHook', 'HOOKS'),
        ('micronet_mm.datasets.transforms', 'CheckedLoad', 'TRANSFORMS'),
    ],
    'mmseg.registry': [
        ('micronet_mm.models.backbones', 'MicroNet'),
        ('micronet_mm.models.heads.mraspp_head', 'MRASPPHead'),
        ('micronet_mm.models.backbones.micronet_trunk', 'MicroNetTrunk'),
        ('micronet_mm.datasets.checks', 'CheckedCityscapesDataset',
         'DATASETS'),
        ('micronet_mm.datasets.checks', 'CheckSegMap', 'TRANSFORMS'),
        ('micronet_mm.engine.seg_progress', 'TrainProgressBarHook',
         'HOOKS'),
    ],
    'mmpose.registry': [
        ('micronet_mm.models.backbones', 'MicroNet'),
        ('micronet_mm.models.heads.keypoint_head', 'MicroKeypointHead'),
    ],
}

_registered: Dict[str, List[str]] = {}


def _import_optional(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        # only a missing third-party package is tolerated, never our own
        if err.name is None or err.name.split('.')[0] == 'micronet_mm':
            raise
        return None


def register_all_modules() -> Dict[str, List[str]]:
    """Register every micronet_mm module; safe to call more than once.

    Returns:
        dict: Registry module name -> names registered in it.
    """
    for registry_module, entries in _REGISTRATIONS.items():
        if registry_module in _registered:
            continue
        registry = _import_optional(registry_module)
        if registry is None:
            continue
        names = []
        for module_path, class_name, *rest in entries:
            registry_name = rest[0] if rest else 'MODELS'
            module = _import_optional(module_path)
            if module is None:
                continue
            cls = getattr(module, class_name)
            getattr(registry, registry_name).register_module(
                module=cls, force=True)
            names.append(class_name)
        _registered[registry_module] = names
    return dict(_registered)
