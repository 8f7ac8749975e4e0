"""Helpers shared by the tools: load a config, build its model, find the
input size it is meant for."""
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope, init_default_scope

SCOPES = ('mmpretrain', 'mmseg', 'mmpose')


def load_config(path: str,
                cfg_options: Optional[Sequence[str]] = None) -> Config:
    """``Config.fromfile`` with a clear message for a missing file and
    ``--cfg-options KEY=VALUE`` overrides applied."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'config file {path!r} does not exist; configs live under '
            'configs/{cls,seg,pose}/')
    cfg = Config.fromfile(path)
    if cfg_options:
        action = DictAction(option_strings=[], dest='cfg_options')
        parsed = {}
        for item in cfg_options:
            key, value = item.split('=', 1)
            parsed[key] = action._parse_iterable(value)
        cfg.merge_from_dict(parsed)
    scope = cfg.get('default_scope')
    if scope not in SCOPES:
        raise ValueError(f'{path}: default_scope must be one of {SCOPES}, '
                         f'got {scope!r}')
    return cfg


def build_model_from_config(path: str,
                            cfg_options: Optional[Sequence[str]] = None):
    """Build the model of a config in its own registry scope.

    Returns:
        tuple: ``(model, cfg)``, the model in eval mode on the CPU.
    """
    cfg = load_config(path, cfg_options)
    init_default_scope(cfg.default_scope)
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    if hasattr(model, 'dataset_meta') and cfg.get('dataset_meta'):
        model.dataset_meta = cfg.dataset_meta
    return model.eval(), cfg


def _find_transform(pipeline, name):
    for transform in pipeline or []:
        if transform.get('type') == name:
            return transform
    return None


def natural_input_shape(cfg: Config) -> Tuple[int, int]:
    """``(H, W)`` the config's model is evaluated at."""
    scope = cfg.default_scope
    if scope == 'mmpose':
        codec = cfg.model.head.get('decoder') or cfg.get('codec')
        w, h = codec['input_size']
        return int(h), int(w)
    pipeline = cfg.get('test_pipeline') or \
        cfg.test_dataloader.dataset.get('pipeline')
    if scope == 'mmseg':
        resize = _find_transform(pipeline, 'Resize')
        if resize is not None:
            w, h = resize['scale']  # mmseg scales are (w, h)
            return int(h), int(w)
        h, w = cfg.crop_size
        return int(h), int(w)
    crop = _find_transform(pipeline, 'CenterCrop')
    size = crop['crop_size'] if crop else 224
    if isinstance(size, int):
        return size, size
    w, h = size
    return int(h), int(w)
