"""Pre-flight checks of the data files a pose config refers to.

mmpose's ``CocoDataset`` checks its annotation file only when the runner
builds the dataloader, with an ``AssertionError`` from deep inside the
build, and ``CocoMetric`` reads its own copy of the annotations (a full
path, not relative to ``data_root``) only at the end of the first
evaluation. :func:`check_pose_data_files` checks all of them up front and
names the config key, the value and the path it resolved to.
"""
import os.path as osp
from typing import Iterator, List, Tuple

_SPLITS = ('train', 'val', 'test')


def iter_datasets(node, key: str) -> Iterator[Tuple[str, dict]]:
    """Dataset dicts under ``node`` (wrappers such as ConcatDataset or
    RepeatDataset included), with their config key."""
    if not isinstance(node, dict):
        return
    yield key, node
    inner = node.get('dataset')
    if isinstance(inner, dict):
        yield from iter_datasets(inner, f'{key}.dataset')
    for i, item in enumerate(node.get('datasets') or []):
        yield from iter_datasets(item, f'{key}.datasets[{i}]')


def resolve_data_path(data_root, path):
    """``path`` as mmengine's BaseDataset reads it: relative paths are
    joined onto ``data_root``; empty paths are returned as they are."""
    if data_root and path and not osp.isabs(path):
        return osp.join(data_root, path)
    return path


def _evaluators(node, key: str) -> Iterator[Tuple[str, dict]]:
    if isinstance(node, dict):
        yield key, node
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from _evaluators(item, f'{key}[{i}]')


def missing_pose_data_files(cfg, splits=_SPLITS) -> List[str]:
    """Describe every data file of ``cfg`` that does not exist.

    Checked: ``ann_file`` (resolved against ``data_root`` as mmengine
    does), ``bbox_file`` (used as given: mmpose does not join it with
    ``data_root``) and the image folder
    ``data_prefix['img']`` of each ``{split}_dataloader.dataset``, and the
    ``ann_file`` of each ``{split}_evaluator``.

    Args:
        cfg (Config | dict): A pose config.
        splits (Sequence[str]): Which of 'train', 'val', 'test' to check.

    Returns:
        list[str]: One message per missing file or folder.
    """
    problems = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        for key, dataset in iter_datasets(
                loader.get('dataset'), f'{split}_dataloader.dataset'):
            root = dataset.get('data_root')
            for name in ('ann_file', 'bbox_file'):
                value = dataset.get(name)
                if not value or '://' in str(value):
                    continue
                path = resolve_data_path(root, value) if name == 'ann_file' \
                    else value
                if not osp.isfile(path):
                    problems.append(
                        f'{key}.{name} = {value!r}: file {path!r} does not '
                        f'exist (data_root = {root!r})')
            prefix = (dataset.get('data_prefix') or {}).get('img')
            if prefix is not None and '://' not in str(prefix):
                # as mmengine's BaseDataset: an empty prefix is data_root
                # itself (images beside the annotations), or the working
                # directory without a data_root
                path = resolve_data_path(root, prefix or '.')
                if not osp.isdir(path):
                    problems.append(
                        f"{key}.data_prefix['img'] = {prefix!r}: image "
                        f'folder {path!r} does not exist (data_root = '
                        f'{root!r})')
        for key, metric in _evaluators(
                cfg.get(f'{split}_evaluator'), f'{split}_evaluator'):
            value = metric.get('ann_file')
            if value and '://' not in str(value) and not osp.isfile(value):
                problems.append(
                    f'{key}.ann_file = {value!r}: file does not exist (the '
                    'metric reads it as given, not relative to data_root)')
    return problems


def check_pose_data_files(cfg, splits=_SPLITS) -> None:
    """Raise if a data file of a pose config is missing.

    Args:
        cfg (Config | dict): A pose config.
        splits (Sequence[str]): Which of 'train', 'val', 'test' to check.

    Raises:
        FileNotFoundError: Listing every missing file with its config key,
            e.g. ``val_dataloader.dataset.ann_file = '...': file '...'
            does not exist``.
    """
    problems = missing_pose_data_files(cfg, splits)
    if problems:
        raise FileNotFoundError(
            'missing data files:\n  ' + '\n  '.join(problems) +
            '\n(for the generated set run tools/dataset_converters/'
            'generate_synthetic_coco_keypoints.py DATA_ROOT; for COCO see '
            'docs/en/pose.md)')
