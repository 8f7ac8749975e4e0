"""Helpers shared by the tools, benchmarks and tests: load a config, build
a model in its registry scope, find the input size it is meant for, and
explain a failed build by the config key behind it."""
import argparse
import contextlib
import copy
import difflib
import inspect
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope, init_default_scope

from ..registry import SCOPE_TASKS, register_task

SCOPES = tuple(SCOPE_TASKS)


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
        bad = [item for item in cfg_options if '=' not in item]
        if bad:
            raise ValueError(f'cfg options must be KEY=VALUE, got {bad}')
        # parsed as tools/train.py parses --cfg-options (mmengine's
        # DictAction: lists, tuples, numbers, None, booleans)
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument('--cfg-options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(
            ['--cfg-options', *cfg_options]).cfg_options)
    scope = cfg.get('default_scope')
    if scope not in SCOPES:
        raise ValueError(f'{path}: default_scope must be one of {SCOPES}, '
                         f'got {scope!r}')
    return cfg


def installed_config(package: str, relative: str) -> str:
    """Path of a config shipped in an installed OpenMMLab package's
    ``.mim/configs`` folder (where ``mim`` installs them).

    Args:
        package (str): Import name, e.g. ``'mmseg'``.
        relative (str): Path under ``configs/``.

    Returns:
        str: The config's absolute path.

    Raises:
        ImportError: If the package is not installed.
        FileNotFoundError: If this version does not ship the config.
    """
    import importlib
    module = importlib.import_module(package)
    path = osp.join(osp.dirname(module.__file__), '.mim', 'configs',
                    relative)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{package} config {relative} is not '
                                f'shipped with this {package} ({path})')
    return path


def check_model_files(config: str, checkpoint: Optional[str] = None):
    """Raise a clear error when a config or checkpoint file is missing.

    Args:
        config (str): Config path.
        checkpoint (str, optional): Checkpoint path; None is allowed.

    Raises:
        FileNotFoundError: Naming the missing file.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')


def build_in_scope(model_cfg, scope: str):
    """Build a model config in the registry scope of an OpenMMLab package.

    micronet_mm's modules of that package's task are registered first, and
    the package's own modules are imported by mmengine's default scope.

    Args:
        model_cfg (dict): The model config (``cfg.model``).
        scope (str): ``'mmpretrain'``, ``'mmseg'`` or ``'mmpose'``.

    Returns:
        nn.Module: The model as built (training mode, CPU).
    """
    if scope not in SCOPE_TASKS:
        raise ValueError(f'scope must be one of {SCOPES}, got {scope!r}')
    register_task(SCOPE_TASKS[scope])
    init_default_scope(scope)
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(copy.deepcopy(model_cfg))


def build_model_from_config(path: str,
                            cfg_options: Optional[Sequence[str]] = None):
    """Build the model of a config in its own registry scope.

    Returns:
        tuple: ``(model, cfg)``, the model in eval mode on the CPU.
    """
    cfg = load_config(path, cfg_options)
    with clear_build_errors(cfg):
        model = build_in_scope(cfg.model, cfg.default_scope)
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


class ConfigError(KeyError):
    """A config names something that does not exist (a registry type or a
    constructor argument). A ``KeyError`` so existing handlers catch it;
    ``str()`` gives the message itself rather than its ``repr``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


_UNKNOWN_TYPE = re.compile(
    r'(?P<type>[\w.]+) is not in the (?:(?P<scope>\w+)::)?(?P<name>[\w ]+) '
    r'registry')
_UNEXPECTED_ARG = re.compile(
    r'(?P<owner>[\w.]+)\(\) got an unexpected keyword argument '
    r"'(?P<arg>\w+)'")
# config keys whose registry entries are recognisable by module path
_KIND_BY_KEY = (('backbone', '.backbones'), ('head', 'head'),
                ('neck', '.necks'), ('loss', '.losses'))


def _config_paths(node, pred, prefix='') -> List[str]:
    """Dotted config keys of every dict in ``node`` for which ``pred``
    holds (list items as ``key[i]``)."""
    found = []
    if isinstance(node, dict):
        if pred(node):
            found.append(prefix or '<root>')
        for key, value in node.items():
            found += _config_paths(value, pred,
                                   f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            found += _config_paths(value, pred, f'{prefix}[{i}]')
    return found


def _find_registry(scope: Optional[str], name: str):
    """The registry called ``name`` of package ``scope`` (mmengine's root
    registry when the scope is unknown)."""
    import importlib
    modules = [f'{scope}.registry'] if scope else []
    modules.append('mmengine.registry')
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = [
            getattr(module, attr) for attr in dir(module)
            if getattr(getattr(module, attr), 'name', None) == name
            and hasattr(getattr(module, attr), 'module_dict')
        ]
        # a package module also re-exports mmengine's root registries
        for registry in sorted(found, key=lambda r: r.scope != scope):
            return registry
    return None


def _registry_names(registry) -> dict:
    """``name -> class`` of a registry and its ancestors (the names a
    config in its scope can use)."""
    names = {}
    while registry is not None:
        registry.import_from_location()
        for key, value in registry.module_dict.items():
            names.setdefault(key, value)
        registry = registry.parent
    return names


def _wrap_names(names: Sequence[str], width: int = 76) -> str:
    lines, line = [], ''
    for name in names:
        piece = f'{name}, '
        if line and len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = ''
        line += piece
    lines.append(line.rstrip(', '))
    return '\n    '.join(lines)


def _explain_unknown_type(match, cfg) -> str:
    obj_type, scope, name = match['type'], match['scope'], match['name']
    keys = _config_paths(cfg, lambda d: d.get('type') == obj_type)
    where = ', '.join(f'{k}.type' for k in keys) if keys else 'the config'
    registry = _find_registry(scope, name)
    head = (f'{where} = {obj_type!r}: no such {name} in the '
            f'{scope + "::" if scope else ""}{name} registry')
    if registry is None:
        return head
    names = _registry_names(registry)
    close = difflib.get_close_matches(obj_type, names, n=3, cutoff=0.6)
    # narrow the list to the kind of module the key asks for
    kind = next((part for word, part in _KIND_BY_KEY for key in keys
                 if word in key.rsplit('.', 1)[-1]), None)
    own = registry.module_dict
    shown = sorted(
        n for n, c in (own.items() if kind is None else names.items())
        if kind is None or kind in getattr(c, '__module__', ''))
    if not shown:
        shown = sorted(own)
    label = f'valid {name} types' + (
        f' (modules under *{kind}*)' if kind else
        f' registered by {registry.scope}')
    text = head
    if close:
        text += f' (did you mean {" or ".join(map(repr, close))}?)'
    return f'{text}.\n  {label}:\n    {_wrap_names(shown)}'


def _accepted_arguments(cls) -> List[str]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up
    the class hierarchy."""
    names = []
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        names += [p.name for p in params if p.name != 'self' and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def _explain_unexpected_argument(match, cfg) -> Optional[str]:
    owner, arg = match['owner'], match['arg']
    cls_name = owner.split('.')[0]
    keys = _config_paths(cfg, lambda d: arg in d and isinstance(
        d.get('type'), str))
    if not keys:
        return None
    # the dicts holding the bad key; prefer the one of the class that
    # complained (a parent class may raise for its subclass's config)
    nodes = []
    for key in keys:
        node = cfg
        for part in re.findall(r'[^.\[\]]+', key):
            node = node[int(part)] if isinstance(node, (list, tuple)) \
                else node[part]
        nodes.append((key, node))
    key, node = next(((k, n) for k, n in nodes if n['type'] == cls_name),
                     nodes[0])
    cls = None
    scope = cfg.get('default_scope') if hasattr(cfg, 'get') else None
    for name in ('model', 'dataset', 'transform', 'hook', 'metric'):
        registry = _find_registry(scope, name)
        if registry is not None:
            cls = _registry_names(registry).get(node['type'])
            if cls is not None:
                break
    text = (f'config key {key}.{arg}: {node["type"]} has no argument '
            f'{arg!r}')
    if cls is None or not inspect.isclass(cls):
        return text
    valid = _accepted_arguments(cls)
    close = difflib.get_close_matches(arg, valid, n=2, cutoff=0.6)
    if close:
        text += f' (did you mean {" or ".join(map(repr, close))}?)'
    return f'{text}.\n  valid arguments: {", ".join(valid)}'


def explain_build_error(err: BaseException, cfg) -> Optional[str]:
    """A message naming the config key behind a failed build, or None.

    Handles the two errors a misspelt config gives: mmengine's registry
    ``KeyError`` ("X is not in the scope::name registry"), answered with
    the key that names ``X``, close matches and the valid types, and
    Python's ``TypeError`` for an unexpected keyword argument, answered
    with the key and the constructor's valid arguments.

    Args:
        err (BaseException): The exception raised while building.
        cfg (Config | dict): The config being built.

    Returns:
        str | None: The message, or None if ``err`` is neither case.
    """
    text = str(err.args[0]) if err.args else ''
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    if isinstance(err, KeyError) and not isinstance(err, ConfigError):
        match = _UNKNOWN_TYPE.search(text)
        if match:
            return _explain_unknown_type(match, cfg)
    if isinstance(err, TypeError):
        match = _UNEXPECTED_ARG.search(text)
        if match:
            return _explain_unexpected_argument(match, cfg)
    return None


@contextlib.contextmanager
def clear_build_errors(cfg):
    """Re-raise registry and argument errors of a build as
    :class:`ConfigError` with the message of :func:`explain_build_error`;
    any other exception passes through unchanged.

    Args:
        cfg (Config | dict): The config being built.
    """
    try:
        yield
    except (KeyError, TypeError) as err:
        message = explain_build_error(err, cfg)
        if message is None:
            raise
        raise ConfigError(message) from err
