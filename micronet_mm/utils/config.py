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
        parsed = parse_cfg_options(cfg, cfg_options)
        old_root = cfg.get('data_root')
        cfg.merge_from_dict(parsed)
        if 'data_root' in parsed and isinstance(old_root, str):
            move_data_root(cfg, old_root, cfg.data_root)
    scope = cfg.get('default_scope')
    if scope not in SCOPES:
        raise ValueError(f'{path}: default_scope must be one of {SCOPES}, '
                         f'got {scope!r}')
    return cfg


#: Config sections whose paths a ``data_root`` override moves.
DATA_SECTIONS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
                 'val_evaluator', 'test_evaluator')


def move_data_root(cfg: Config, old: str, new: str) -> int:
    """Re-root every data path that the config derived from ``data_root``.

    A config variable is substituted when the config file is read, so
    ``--cfg-options data_root=X`` alone would change only the variable.
    This rewrites each string in the data loaders and evaluators that
    equals ``old`` or starts with it (``data_root``, and paths built as
    ``data_root + '...'`` such as pose's ``bbox_file`` and the metric's
    ``ann_file``) to start with ``new``.

    Args:
        cfg (Config): Config to change in place.
        old (str): The data root the config was written with.
        new (str): The data root to use.

    Returns:
        int: Number of paths changed.
    """
    if not isinstance(new, str) or not new:
        raise ValueError(f'data_root must be a non-empty path, got {new!r}')
    # keep the separator that the config's derived paths rely on
    if old.endswith('/') and not new.endswith('/'):
        new += '/'

    def visit(node):
        count = 0
        items = node.items() if isinstance(node, dict) else enumerate(
            node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, str) and value.startswith(old) and (
                    value == old or old.endswith('/')
                    or value[len(old)] == '/'):
                node[key] = new + value[len(old):]
                count += 1
            elif isinstance(value, (dict, list)):
                count += visit(value)
        return count

    return sum(visit(cfg[name]) for name in DATA_SECTIONS
               if isinstance(cfg.get(name), (dict, list)))


def _config_value(cfg, key: str):
    """The value at dotted ``key`` (list items by index) or a sentinel."""
    node = cfg
    for part in key.split('.'):
        if hasattr(node, 'keys') and part in node:  # dict or Config
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


_MISSING = object()


def parse_cfg_options(cfg, cfg_options: Sequence[str]) -> dict:
    """``--cfg-options KEY=VALUE`` items as a dict for
    ``Config.merge_from_dict``, values parsed as MMEngine's ``DictAction``
    does.

    Args:
        cfg (Config): The config the options override.
        cfg_options (Sequence[str]): ``KEY=VALUE`` items.

    Raises:
        ValueError: An item without ``=``, or a value that is text where
            the config holds a number or a boolean (a typo such as
            ``channels=abc`` would otherwise fail deep inside the build).
    """
    for item in cfg_options:
        key, sep, _ = item.partition('=')
        if not sep or not key:
            raise ValueError(
                f'--cfg-options {item!r}: expected KEY=VALUE, e.g. '
                'train_cfg.max_iters=100 (no spaces around =)')
    # parsed as tools/train.py parses --cfg-options (mmengine's DictAction:
    # lists, tuples, numbers, None, booleans)
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(['--cfg-options', *cfg_options]).cfg_options
    for key, value in parsed.items():
        old = _config_value(cfg, key)
        if isinstance(old, (bool, int, float)) and isinstance(value, str):
            kind = 'True or False' if isinstance(old, bool) else \
                f'a number ({type(old).__name__})'
            raise ValueError(f'--cfg-options {key}={value}: expected '
                             f'{kind} like the config\'s value {old!r}, '
                             f'got the text {value!r}')
    return parsed


def check_shape(shape: Optional[Sequence[int]],
                cfg: Config) -> Tuple[int, int]:
    """The ``--shape H W`` of a tool, or the config's natural input size.

    Raises:
        ValueError: If a value is not a positive integer.
    """
    if shape is None:
        return natural_input_shape(cfg)
    h, w = shape
    if h <= 0 or w <= 0:
        raise ValueError(f'--shape H W must be positive integers, got '
                         f'{h} {w}')
    return int(h), int(w)


def check_config_task(cfg: Config, scope: str, config: str,
                      tool: str) -> None:
    """Refuse a config of another task than ``tool`` runs.

    Args:
        cfg (Config): The loaded config.
        scope (str): The scope ``tool`` needs (``'mmseg'``, ...).
        config (str): Config path, for the message.
        tool (str): Name of the tool, for the message.

    Raises:
        IncompatibleCheckpointError: Naming both tasks and what runs
            configs of the config's task.
    """
    from .checkpoint import (
        RUNNERS_BY_SCOPE,
        IncompatibleCheckpointError,
        task_name,
    )
    ours = cfg.get('default_scope')
    if ours == scope:
        return
    other = RUNNERS_BY_SCOPE.get(ours)
    raise IncompatibleCheckpointError(
        f'{config} is a {task_name(ours)} config, but {tool} needs a '
        f'{task_name(scope)} config (configs/{_FOLDERS[scope]}/)' +
        (f'; run {task_name(ours).split(" (")[0]} models with {other}'
         if other else ''))


_FOLDERS = dict(mmpretrain='cls', mmseg='seg', mmpose='pose')


def _trained_with(checkpoint: dict) -> str:
    """``' (trained with NAME.py)'`` from MMEngine's experiment name
    (config name and a timestamp), or ''."""
    name = (checkpoint.get('meta') or {}).get('experiment_name')
    if not isinstance(name, str):
        return ''
    config = re.sub(r'_\d{8}_\d{6}$', '', name)
    return f' (trained with {config}.py)'


def config_dataset_meta(cfg: Config) -> dict:
    """Meta information (``classes``, ``palette``, ...) of the test set of
    ``cfg``: the dataset class's ``METAINFO`` updated by the config's
    ``metainfo``; empty if unknown."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    meta = {}
    registry = _find_registry(cfg.get('default_scope'), 'dataset')
    if isinstance(dataset.get('type'), str) and registry is not None:
        cls = registry.get(dataset['type'])
        meta.update(getattr(cls, 'METAINFO', None) or {})
    meta.update(dataset.get('metainfo') or {})
    return meta


def check_checkpoint(path: str, cfg: Config, model=None,
                     config: str = '<config>') -> dict:
    """Load a checkpoint and check that it belongs to ``cfg``.

    Checked: the task (as ``tools/train.py`` does through
    ``CheckpointTaskHook``), the tensors (keys and shapes of ``model``:
    another arch), the class names, and the data: a checkpoint trained on
    another ``data_root`` *and* at another input size (e.g. one of the
    synthetic set, 128x256, with a Cityscapes config, 1024x2048) predicts
    nonsense.

    Args:
        path (str): Checkpoint file.
        cfg (Config): The loaded config.
        model (nn.Module, optional): The model built from ``cfg``, to
            compare tensors with.
        config (str): Config path, for the messages.

    Returns:
        dict: The checkpoint (``state_dict`` and, if saved, ``meta``).

    Raises:
        FileNotFoundError: The checkpoint does not exist.
        IncompatibleCheckpointError: It does not fit; the message says
            what to use instead.
    """
    from .checkpoint import (
        RUNNERS_BY_SCOPE,
        IncompatibleCheckpointError,
        check_state_dict_fits,
        checkpoint_scope,
        read_checkpoint,
        task_mismatch,
        task_name,
        training_config,
    )
    checkpoint = read_checkpoint(path)
    ours, theirs = cfg.get('default_scope'), checkpoint_scope(checkpoint)
    trained = _trained_with(checkpoint)
    if ours and theirs and ours != theirs:
        raise IncompatibleCheckpointError(
            f'{task_mismatch(path, theirs, ours)}. Use a '
            f'{task_name(ours)} checkpoint with {config}, or run this one '
            f'with {RUNNERS_BY_SCOPE.get(theirs, theirs)} and the config it '
            f'was trained with{trained}')
    if model is not None:
        check_state_dict_fits(model.state_dict(), checkpoint['state_dict'],
                              path, config, trained)
    meta = checkpoint.get('meta') or {}
    theirs_classes = (meta.get('dataset_meta') or {}).get('classes')
    ours_classes = config_dataset_meta(cfg).get('classes') \
        if theirs_classes else None
    if ours_classes and tuple(theirs_classes) != tuple(ours_classes):
        raise IncompatibleCheckpointError(
            f'checkpoint {path} predicts {len(theirs_classes)} classes '
            f'({", ".join(map(str, theirs_classes[:4]))}, ...), {config} '
            f'has {len(ours_classes)} ({", ".join(ours_classes[:4])}, ...);'
            f' use the config it was trained with{trained}')
    trained_cfg = training_config(checkpoint)
    root = (cfg.get('test_dataloader') or {}).get('dataset', {}).get(
        'data_root')
    if trained_cfg.get('data_root') and root and \
            trained_cfg['data_root'].rstrip('/') != root.rstrip('/'):
        try:
            size = natural_input_shape(Config(trained_cfg))
        except (KeyError, AttributeError, TypeError, ValueError):
            size = None
        h, w = natural_input_shape(cfg)
        if size is not None and size != (h, w):
            raise IncompatibleCheckpointError(
                f'checkpoint {path} was trained on {trained_cfg["data_root"]}'
                f' with {size[0]}x{size[1]} inputs{trained}, but {config} '
                f'is for {root} at {h}x{w}; its predictions would be '
                'meaningless. Use the config it was trained with')
    return checkpoint


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
