"""Tests of the synthetic Cityscapes-format dataset generator."""
import filecmp
import importlib.util
import json
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from micronet_mm.datasets.synthetic import cityscapes as sc
from micronet_mm.datasets.synthetic.cityscapes import (
    dataset_state,
    generate_synthetic_cityscapes,
    read_summary,
    regenerate,
    render_scene,
    train_ids_to_label_ids,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'dataset_converters',
               'generate_synthetic_cityscapes.py')
SMALL = dict(num_train=6, num_val=3, image_size=(128, 256), seed=0)
NAME_RE = re.compile(r'^([a-z][a-z0-9-]*)_(\d{6})_(\d{6})_leftImg8bit\.png$')


def _files(root):
    """All files under ``root`` as sorted relative paths."""
    out = []
    for dirpath, _, names in os.walk(root):
        out += [osp.relpath(osp.join(dirpath, n), root) for n in names]
    return sorted(out)


def _images(root, split):
    """Sorted (image path, trainIds path, labelIds path) of a split."""
    img_dir = osp.join(root, 'leftImg8bit', split)
    triples = []
    for rel in sorted(_files(img_dir)):
        stem = rel[:-len(sc.IMG_SUFFIX)]
        gt = osp.join(root, 'gtFine', split, stem)
        triples.append((osp.join(img_dir, rel), gt + sc.TRAIN_ID_SUFFIX,
                        gt + sc.LABEL_ID_SUFFIX))
    return triples


def _read(path):
    arr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert arr is not None, path
    return arr


@pytest.fixture(scope='module')
def small_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synth') / 'cityscapes')
    summary = generate_synthetic_cityscapes(root, **SMALL)
    return root, summary


def test_layout_and_label_values(small_root):
    root, summary = small_root
    h, w = SMALL['image_size']
    assert dataset_state(root) == 'current'
    assert read_summary(root) == summary
    assert not osp.exists(osp.join(root, sc.PROGRESS_FILE))
    for split, count, cities in (('train', 6, sc.DEFAULT_TRAIN_CITIES),
                                 ('val', 3, sc.DEFAULT_VAL_CITIES)):
        triples = _images(root, split)
        assert len(triples) == count
        assert summary['splits'][split]['num_images'] == count
        for img_path, tid_path, lid_path in triples:
            city = osp.basename(osp.dirname(img_path))
            match = NAME_RE.match(osp.basename(img_path))
            assert match and match.group(1) == city and city in cities
            img, tid, lid = _read(img_path), _read(tid_path), _read(lid_path)
            assert img.shape == (h, w, 3) and img.dtype == np.uint8
            assert tid.shape == (h, w) and tid.dtype == np.uint8
            assert lid.shape == (h, w) and lid.dtype == np.uint8
            values = set(np.unique(tid).tolist())
            assert values <= set(range(19)) | {255}, values
            assert len(values - {255}) >= 8  # a scene, not a blank frame
            # labelIds are the official ids of the same pixels.
            lut = dict(zip(range(19), sc.LABEL_IDS))
            lut[255] = 0
            for v in values:
                assert np.all(lid[tid == v] == lut[v])
    fractions = summary['splits']['train']['class_pixel_fraction']
    assert list(fractions) == list(sc.CLASSES)
    assert abs(sum(fractions.values()) - 1) < 1e-3


def test_train_ids_to_label_ids():
    tid = np.array([[0, 18, 255], [10, 16, 5]], np.uint8)
    assert train_ids_to_label_ids(tid).tolist() == [[7, 33, 0], [23, 31, 17]]
    with pytest.raises(ValueError, match='19'):
        train_ids_to_label_ids(np.array([[19]], np.uint8))


def test_every_class_appears_at_default_size():
    present = np.zeros(256, bool)
    for i in range(12):
        img, lab = render_scene(np.random.default_rng(i), sc.DEFAULT_SIZE)
        assert img.shape == sc.DEFAULT_SIZE + (3, )
        present[np.unique(lab)] = True
    missing = [c for k, c in enumerate(sc.CLASSES) if not present[k]]
    assert not missing


def test_deterministic(small_root, tmp_path):
    root, _ = small_root
    again = str(tmp_path / 'again')
    generate_synthetic_cityscapes(again, **SMALL)
    files = _files(root)
    assert files == _files(again)
    match, mismatch, errors = filecmp.cmpfiles(root, again, files,
                                               shallow=False)
    assert not mismatch and not errors and len(match) == len(files)

    other = str(tmp_path / 'other_seed')
    generate_synthetic_cityscapes(other, **dict(SMALL, seed=1))
    first = _images(root, 'train')[0][0]
    assert not filecmp.cmp(first, first.replace(root, other), shallow=False)
    # Splits draw from different streams: no val image repeats a train one.
    train = [_read(t[0]) for t in _images(root, 'train')]
    for img_path, _, _ in _images(root, 'val'):
        val = _read(img_path)
        assert not any(np.array_equal(val, t) for t in train)


def test_loads_with_mmseg_cityscapes_dataset(small_root):
    from mmcv.transforms import LoadImageFromFile
    from mmseg.datasets import CityscapesDataset
    from mmseg.datasets.transforms import LoadAnnotations

    root, _ = small_root
    h, w = SMALL['image_size']
    for split, count in (('train', 6), ('val', 3)):
        dataset = CityscapesDataset(
            data_root=root,
            data_prefix=dict(img_path=f'leftImg8bit/{split}',
                             seg_map_path=f'gtFine/{split}'),
            pipeline=[LoadImageFromFile(), LoadAnnotations()])
        assert len(dataset) == count
        assert tuple(dataset.metainfo['classes']) == sc.CLASSES
        for i in range(len(dataset)):
            sample = dataset[i]
            assert sample['img'].shape == (h, w, 3)
            assert sample['gt_seg_map'].shape == (h, w)
            expected = _read(sample['seg_map_path'])
            assert np.array_equal(sample['gt_seg_map'], expected)


def _miou(preds, gts):
    """mIoU (%) of mmseg's IoUMetric for lists of (H, W) label maps."""
    from mmseg.evaluation import IoUMetric

    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=sc.CLASSES)
    for pred, gt in zip(preds, gts):
        metric.process({}, [
            dict(pred_sem_seg=dict(data=torch.from_numpy(
                pred.astype(np.int64))[None]),
                 gt_sem_seg=dict(data=torch.from_numpy(
                     gt.astype(np.int64))[None]))
        ])
    return metric.evaluate(len(gts))['mIoU']


def test_iou_metric_on_ground_truth(small_root):
    root, _ = small_root
    gts = [_read(t[1]) for t in _images(root, 'val')]
    assert _miou(gts, gts) == pytest.approx(100.0)
    corrupted = []
    for gt in gts:
        pred = gt.copy()
        half = pred[:, :pred.shape[1] // 2]
        labelled = half != 255
        half[labelled] = (half[labelled] + 1) % 19
        corrupted.append(pred)
    assert _miou(corrupted, gts) < 90.0


def _colour_features(img, bits=4):
    """Quantised RGB bin of every pixel, shape (H*W,)."""
    q = (img.reshape(-1, 3) >> (8 - bits)).astype(np.int64)
    return (q[:, 0] << (2 * bits)) | (q[:, 1] << bits) | q[:, 2]


def _pixel_miou(pred, gt, num_classes=19):
    keep = gt != 255
    pred, gt = pred[keep], gt[keep]
    ious = []
    for k in range(num_classes):
        union = np.sum((pred == k) | (gt == k))
        if np.any(gt == k):
            ious.append(np.sum((pred == k) & (gt == k)) / union)
    return float(np.mean(ious)), float(np.mean(pred == gt))


def test_pixel_colour_alone_is_a_weak_classifier(tmp_path):
    """A class must not be readable from a pixel's colour (requirement 3).

    A colour histogram classifier (per quantised RGB bin: the most frequent
    class, or the most likely class ignoring class priors) is fit on the
    train split and scored on val.
    """
    root = str(tmp_path / 'colour')
    generate_synthetic_cityscapes(root, num_train=16, num_val=8,
                                  image_size=(128, 256), seed=3)
    bins = 1 << 12
    counts = np.zeros((bins, 19), np.float64)
    for img_path, tid_path, _ in _images(root, 'train'):
        feats = _colour_features(_read(img_path))
        lab = _read(tid_path).ravel()
        keep = lab != 255
        np.add.at(counts, (feats[keep], lab[keep].astype(np.int64)), 1)
    prior = counts.sum(0)
    majority = counts.argmax(1)
    majority[counts.sum(1) == 0] = prior.argmax()
    likelihood = (counts + 0.5) / (prior + 0.5 * bins)
    balanced = likelihood.argmax(1)

    preds = {'majority': [], 'balanced': []}
    gts = []
    for img_path, tid_path, _ in _images(root, 'val'):
        feats = _colour_features(_read(img_path))
        gts.append(_read(tid_path).ravel())
        preds['majority'].append(majority[feats])
        preds['balanced'].append(balanced[feats])
    gt = np.concatenate(gts)
    for name, pred in preds.items():
        miou, acc = _pixel_miou(np.concatenate(pred), gt)
        # Measured here: mIoU 0.07-0.09, pixel accuracy 0.2-0.4 (always
        # predicting 'road' scores about 0.3).
        assert miou < 0.25, (name, miou, acc)
        assert acc < 0.6, (name, miou, acc)


def test_refuses_to_overwrite_non_empty_root(tmp_path):
    root = tmp_path / 'busy'
    root.mkdir()
    (root / 'notes.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match='not empty'):
        generate_synthetic_cityscapes(str(root), num_train=1, num_val=1,
                                      image_size=(64, 128))
    assert sorted(os.listdir(root)) == ['notes.txt']
    # overwrite replaces only the generator's own entries.
    generate_synthetic_cityscapes(str(root), num_train=1, num_val=1,
                                  image_size=(64, 128), overwrite=True)
    assert (root / 'notes.txt').read_text() == 'keep me'
    assert dataset_state(str(root)) == 'current'


def _mark_outdated(root):
    """Make the summary say an older generator wrote the set."""
    path = osp.join(root, sc.SUMMARY_FILE)
    summary = read_summary(root)
    summary['generator_version'] = sc.GENERATOR_VERSION - 1
    with open(path, 'w') as f:
        json.dump(summary, f)


def test_outdated_set_is_regenerated_with_its_settings(tmp_path):
    root = str(tmp_path / 'old')
    settings = dict(num_train=2, num_val=1, image_size=(64, 128), seed=3,
                    train_cities=('ulm', ), val_cities=('bonn', ))
    generate_synthetic_cityscapes(root, **settings)
    before = _snapshot(root)
    assert dataset_state(root) == 'current'
    _mark_outdated(root)
    assert dataset_state(root) == 'outdated'

    summary = regenerate(root)
    assert dataset_state(root) == 'current'
    config = dict(settings)
    del config['image_size']
    assert summary['config'] == dict(config, size=[64, 128],
                                     train_cities=['ulm'],
                                     val_cities=['bonn'])
    # same settings, same generator: the same files, byte for byte
    assert _snapshot(root) == before
    with pytest.raises(FileNotFoundError, match='no complete'):
        regenerate(str(tmp_path / 'absent'))
    assert dataset_state(str(tmp_path / 'absent')) == 'missing'


@pytest.mark.parametrize('kwargs, match', [
    (dict(image_size=(16, 128)), 'size'),
    (dict(image_size=(64, )), 'size'),
    (dict(num_train=-1), 'num_train'),
    (dict(seed=1.5), 'seed'),
    (dict(train_cities=('a_b', )), 'a_b'),
    (dict(val_cities=()), 'val_cities'),
])
def test_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_synthetic_cityscapes(str(tmp_path / 'x'), **kwargs)
    assert not osp.exists(tmp_path / 'x')


def _cli_main():
    """The CLI's ``main`` loaded in-process (its package import is slow)."""
    spec = importlib.util.spec_from_file_location('synthetic_cli', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _snapshot(root):
    return {f: open(osp.join(root, f), 'rb').read() for f in _files(root)}


@pytest.mark.slow  # generates sets through the CLI
def test_cli_refuses_to_overwrite_without_force(tmp_path):
    out = str(tmp_path / 'cli')
    args = ['--num-train', '2', '--num-val', '1', '--image-size', '64',
            '128']
    main = _cli_main()
    assert main([out, *args]) == 0
    assert dataset_state(out) == 'current'
    before = _snapshot(out)
    assert len(before) == 3 * 3 + 1  # 3 PNGs per image plus the summary

    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    refused = subprocess.run([sys.executable, CLI, out, *args, '--seed', '1'],
                             cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=600)
    assert refused.returncode != 0
    assert '--force' in refused.stderr and out in refused.stderr
    assert _snapshot(out) == before


def test_cli_force_skip_and_interrupted_runs(tmp_path, capsys):
    out = str(tmp_path / 'cli')
    args = ['--num-train', '2', '--num-val', '1', '--image-size', '64',
            '128']
    main = _cli_main()
    assert main([out, *args]) == 0
    before = _snapshot(out)

    assert main([out, *args, '--skip-existing']) == 0
    assert 'nothing to do' in capsys.readouterr().out
    # --skip-existing still refuses when the settings differ.
    assert main([out, *args, '--seed', '1', '--skip-existing']) != 0
    assert '--force' in capsys.readouterr().err
    assert _snapshot(out) == before

    assert main([out, *args, '--seed', '1', '--force']) == 0
    assert read_summary(out)['config']['seed'] == 1
    assert _files(out) == sorted(before)
    assert _snapshot(out) != before

    # An interrupted run (marker present, no summary) is not mistaken for a
    # dataset: it is regenerated without --force, stale files removed.
    os.remove(osp.join(out, sc.SUMMARY_FILE))
    open(osp.join(out, sc.PROGRESS_FILE), 'w').close()
    stale = osp.join(out, 'leftImg8bit', 'train', 'aachen', 'stale.png')
    open(stale, 'w').close()
    assert dataset_state(out) == 'incomplete'
    assert main([out, *args]) == 0
    assert dataset_state(out) == 'current' and not osp.exists(stale)
    assert _snapshot(out) == before
