"""Checks run by the tools before anything is built.

A missing dataset otherwise surfaces minutes into a run (after the model is
built, or at the first evaluation for pose metrics) as an error from deep
inside a dataset class. :func:`check_data_paths` checks the data root, the
folders and the annotation files of the data loaders a run will use and
names, for each problem, the config key, the path, the layout the config
expects and the document that explains how to prepare the data.
"""
import os.path as osp
from typing import List, Sequence, Tuple

from ..datasets.pose_checks import (
    iter_datasets,
    missing_pose_data_files,
    resolve_data_path,
)

#: Preparation documents per scope.
PREPARE_DOCS = {
    'mmseg': 'docs/en/segmentation.md (section "Data preparation")',
    'mmpose': 'docs/en/pose.md (section "Data")',
    'mmpretrain': 'docs/en/reproduction.md (section "ImageNet")',
}

#: Layout expected by the COCO top-down configs (``{root}``: data_root).
COCO_KEYPOINT_LAYOUT = """\
  {root}/
    annotations/person_keypoints_{{train,val}}*.json
    <image folders named by data_prefix['img'], e.g. train2017/, val2017/>
    person detection results for validation (bbox_file)"""

#: Layout expected by image-folder / ImageNet classification configs.
IMAGE_FOLDER_LAYOUT = """\
  {root}/
    train/<class folder>/<image>   (or the files listed in meta/train.txt)
    val/<class folder>/<image>     (or flat val/ + meta/val.txt)"""


def _generic_problems(cfg, splits: Sequence[str]) -> List[str]:
    """Missing data roots, data_prefix folders and ann_files."""
    problems = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        for key, dataset in iter_datasets(loader.get('dataset'),
                                      f'{split}_dataloader.dataset'):
            root = dataset.get('data_root')
            if root and not osp.isdir(root):
                problems.append(f'{key}.data_root = {root!r}: folder does '
                                f'not exist (absolute: {osp.abspath(root)})')
                continue
            prefix = dataset.get('data_prefix')
            items = prefix.items() if isinstance(prefix, dict) else (
                [('', prefix)] if isinstance(prefix, str) else [])
            for name, value in items:
                if not value or '://' in str(value):
                    continue
                path = resolve_data_path(root, value)
                if not osp.isdir(path):
                    label = f"data_prefix['{name}']" if name else \
                        'data_prefix'
                    problems.append(f'{key}.{label} = {value!r}: folder '
                                    f'{path!r} does not exist')
            ann = dataset.get('ann_file')
            if ann and '://' not in str(ann):
                path = resolve_data_path(root, ann)
                if not osp.isfile(path):
                    problems.append(f'{key}.ann_file = {ann!r}: file '
                                    f'{path!r} does not exist')
    return problems


def _layout(cfg, splits) -> str:
    scope = cfg.get('default_scope')
    roots = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader') or {}
        for _, dataset in iter_datasets(loader.get('dataset'), ''):
            if dataset.get('data_root'):
                roots.append(dataset['data_root'])
    root = (roots[0] if roots else '<data_root>').rstrip('/')
    if scope == 'mmseg':
        from ..datasets.checks import CITYSCAPES_LAYOUT
        return CITYSCAPES_LAYOUT.format(root=root)
    if scope == 'mmpose':
        return COCO_KEYPOINT_LAYOUT.format(root=root)
    return IMAGE_FOLDER_LAYOUT.format(root=root)


def _hints(cfg, splits) -> List[str]:
    hints = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader') or {}
        for _, dataset in iter_datasets(loader.get('dataset'), ''):
            hint = dataset.get('prepare_hint')
            if hint and hint not in hints:
                hints.append(hint)
    return hints


def data_path_problems(cfg, splits: Sequence[str]) -> List[str]:
    """One message per missing data path of the given splits' loaders
    (and, for pose, their metrics' annotation files)."""
    problems = _generic_problems(cfg, splits)
    if cfg.get('default_scope') == 'mmpose':
        known = {p.split(':', 1)[0] for p in problems}
        no_root = {p.split('.data_root', 1)[0] for p in problems
                   if '.data_root = ' in p}
        for problem in missing_pose_data_files(cfg, splits):
            key = problem.split(':', 1)[0]
            # skip what the generic check named, and the files of a
            # dataset whose data_root is missing
            if key not in known and not any(
                    key.startswith(f'{d}.') for d in no_root):
                problems.append(problem)
    return problems


def check_data_paths(cfg, splits: Sequence[str]) -> None:
    """Raise if a data path the run needs is missing.

    Args:
        cfg (Config): The prepared config.
        splits (Sequence[str]): Data loaders the run uses, e.g.
            ``('train', 'val')`` for training.

    Raises:
        FileNotFoundError: Listing each missing path with its config key,
            then the expected layout and how to prepare the data.
    """
    problems = data_path_problems(cfg, splits)
    if not problems:
        return
    scope = cfg.get('default_scope')
    doc = PREPARE_DOCS.get(scope, 'the dataset documentation')
    lines = ['missing data:'] + [f'  {p}' for p in problems]
    lines += ['expected layout:', _layout(cfg, splits)]
    lines += _hints(cfg, splits)
    lines.append(f'see {doc} for how to prepare the data')
    raise FileNotFoundError('\n'.join(lines))


def splits_used(cfg, mode: str) -> Tuple[str, ...]:
    """The data loaders a ``train`` or ``test`` run builds."""
    if mode == 'test':
        return ('test', )
    # val_cfg = dict() (an empty dict) is a validation loop too
    if cfg.get('val_cfg') is not None and cfg.get('val_dataloader') and \
            cfg.get('val_evaluator'):
        return ('train', 'val')
    return ('train', )
