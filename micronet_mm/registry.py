"""The one table of what micronet_mm registers, split by task.

``import micronet_mm`` registers nothing and imports no OpenMMLab task
package. A config pulls in its task with
``custom_imports=dict(imports=['micronet_mm.seg'])`` (or ``.cls``,
``.pose``), as mmseg/mmpose add-ons do; that module calls
:func:`register_task`, which registers the task's modules into its
package's registries and the shared training pieces (hooks, optimizer
wrapper, data checks) into mmengine's root registries, which every task's
registries fall back to.
"""
import importlib
from typing import Dict, List

# task -> registry module -> [(our module, class name[, registry name])];
# the registry defaults to MODELS. 'engine' goes with every task.
_REGISTRATIONS: Dict[str, Dict[str, List[tuple]]] = {
    'engine': {
        'mmengine.registry': [
            ('micronet_mm.engine', 'CPUAmpOptimWrapper', 'OPTIM_WRAPPERS'),
            ('micronet_mm.engine', 'AtomicCheckpointHook', 'HOOKS'),
            ('micronet_mm.engine', 'NonFiniteLossHook', 'HOOKS'),
            ('micronet_mm.engine', 'RNGStateHook', 'HOOKS'),
            ('micronet_mm.engine', 'CheckpointTaskHook', 'HOOKS'),
            ('micronet_mm.engine', 'BadImageReportHook', 'HOOKS'),
            ('micronet_mm.engine.seg_progress', 'TrainProgressBarHook',
             'HOOKS'),
            ('micronet_mm.datasets.transforms', 'CheckedLoad', 'TRANSFORMS'),
        ],
    },
    'cls': {
        'mmpretrain.registry': [
            ('micronet_mm.models.backbones', 'MicroNet'),
            ('micronet_mm.models.heads.cls_head', 'MicroNetClsHead'),
            ('micronet_mm.models.classifiers', 'MutualLearningClassifier'),
        ],
    },
    'seg': {
        'mmseg.registry': [
            ('micronet_mm.models.backbones', 'MicroNet'),
            ('micronet_mm.models.heads.mraspp_head', 'MRASPPHead'),
            ('micronet_mm.models.backbones.micronet_trunk', 'MicroNetTrunk'),
            ('micronet_mm.datasets.checks', 'CheckedCityscapesDataset',
             'DATASETS'),
            ('micronet_mm.datasets.checks', 'CheckSegMap', 'TRANSFORMS'),
        ],
    },
    'pose': {
        'mmpose.registry': [
            ('micronet_mm.models.backbones', 'MicroNet'),
            ('micronet_mm.models.heads.keypoint_head', 'MicroKeypointHead'),
        ],
    },
}
_PACKAGES = dict(engine='mmengine', cls='mmpretrain', seg='mmsegmentation',
                 pose='mmpose')
# config default_scope -> task
SCOPE_TASKS = dict(mmpretrain='cls', mmseg='seg', mmpose='pose')

_registered: Dict[str, List[str]] = {}


def _register(registry_module: str, entries: List[tuple]) -> List[str]:
    if registry_module not in _registered:
        registry = importlib.import_module(registry_module)
        names = []
        for module_path, class_name, *rest in entries:
            cls = getattr(importlib.import_module(module_path), class_name)
            getattr(registry, rest[0] if rest else 'MODELS').register_module(
                module=cls, force=True)
            names.append(class_name)
        _registered[registry_module] = names
    return _registered[registry_module]


def register_task(task: str) -> Dict[str, List[str]]:
    """Register the modules of one task (and the shared training pieces);
    calling it again does nothing.

    Args:
        task (str): ``'cls'``, ``'seg'`` or ``'pose'``, or ``'engine'`` for
            the shared training pieces alone (mmengine only).

    Returns:
        dict: Registry module name -> names registered in it.

    Raises:
        ImportError: If the task's OpenMMLab package is not installed.
    """
    if task not in _REGISTRATIONS:
        raise ValueError(f'unknown task {task!r}; expected one of '
                         f'{sorted(_REGISTRATIONS)}')
    done = {}
    for group in dict.fromkeys(('engine', task)):
        for registry_module, entries in _REGISTRATIONS[group].items():
            try:
                done[registry_module] = _register(registry_module, entries)
            except ModuleNotFoundError as err:
                # only a missing third-party package gets this message
                if err.name is None or err.name.startswith('micronet_mm'):
                    raise
                raise ImportError(
                    f'micronet_mm.{task} needs {_PACKAGES[task]}, which is '
                    f'not installed ({err})') from err
    return done

