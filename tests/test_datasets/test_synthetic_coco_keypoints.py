"""Tests for the synthetic COCO person-keypoint generator."""
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import mmpose
import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.transforms import (
    GenerateTarget,
    GetBBoxCenterScale,
    LoadImage,
    PackPoseInputs,
    TopdownAffine,
)
from mmpose.evaluation import CocoMetric

from micronet_mm.datasets.synthetic.coco_keypoints import (
    COCO_KEYPOINT_NAMES,
    COCO_SKELETON,
    MIN_LABELLED_KEYPOINTS,
    PROGRESS_FILE,
    SUMMARY_FILE,
    dataset_state,
    generate_synthetic_coco_keypoints,
    read_summary,
    recorded_arguments,
    regenerate,
)

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / 'tools' / 'dataset_converters' / (
    'generate_synthetic_coco_keypoints.py')
SMALL = dict(num_train=16, num_val=10, image_size=(256, 256), seed=7)
TINY = dict(num_train=3, num_val=2, image_size=(160, 160), seed=1)
EXPECTED_NAMES = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle'
]
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 5, 6, 11, 12
# mmpose's own COCO metainfo, shipped inside the installed package
COCO_METAINFO = Path(mmpose.__file__).parent / (
    '.mim/configs/_base_/datasets/coco.py')


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_kpt') / 'data'
    summary = generate_synthetic_coco_keypoints(root, **SMALL)
    return root, summary


def _load(root: Path, split: str) -> dict:
    with open(root / 'annotations' / f'person_keypoints_{split}.json') as f:
        return json.load(f)


def _keypoints(ann: dict) -> np.ndarray:
    return np.array(ann['keypoints'], float).reshape(-1, 3)


def _digest(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def _handedness(kpts: np.ndarray) -> float:
    """Signed area spanned by the torso's up and left->right directions.

    Positive when the person's left shoulder (or hip) is on the image right
    of the right one, measured in the torso's own frame, so it does not
    depend on in-plane rotation. 0 when not computable.
    """
    vis = kpts[:, 2] > 0
    pairs = [(L_SHOULDER, R_SHOULDER), (L_HIP, R_HIP)]
    if not all(vis[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]]):
        return 0.0
    mid_sh = kpts[[L_SHOULDER, R_SHOULDER], :2].mean(0)
    mid_hip = kpts[[L_HIP, R_HIP], :2].mean(0)
    up = mid_sh - mid_hip
    total = 0.0
    for left, right in pairs:
        across = kpts[left, :2] - kpts[right, :2]
        # image y points down, so "up x across" is positive for a person
        # whose left side is on the image right
        total += up[1] * across[0] - up[0] * across[1]
    return -total


# ---------------------------------------------------------------------------
# files and schema
# ---------------------------------------------------------------------------
def test_layout_marker_and_images(dataset):
    root, summary = dataset
    assert dataset_state(root) == 'current'
    assert not (root / PROGRESS_FILE).exists()
    marker = read_summary(root)
    assert marker == {k: v for k, v in summary.items() if k != 'root'}
    assert marker['params']['seed'] == SMALL['seed']
    for split, num in (('train', SMALL['num_train']),
                       ('val', SMALL['num_val'])):
        coco = _load(root, split)
        assert len(coco['images']) == num
        files = sorted(p.name for p in (root / 'images' / split).iterdir())
        assert files == sorted(img['file_name'] for img in coco['images'])
        for img in coco['images']:
            pixels = cv2.imread(str(root / 'images' / split /
                                    img['file_name']))
            assert pixels is not None, img['file_name']
            assert pixels.shape == (img['height'], img['width'], 3)
            assert (img['height'], img['width']) == SMALL['image_size']
    assert (root / 'annotations' / 'person_detections_val.json').is_file()


@pytest.mark.parametrize('split', ['train', 'val'])
def test_coco_schema(dataset, split):
    root, summary = dataset
    coco = _load(root, split)
    assert set(coco) == {
        'info', 'licenses', 'images', 'annotations', 'categories'
    }
    assert coco['categories'] == [
        dict(
            supercategory='person',
            id=1,
            name='person',
            keypoints=EXPECTED_NAMES,
            skeleton=[list(p) for p in COCO_SKELETON])
    ]
    assert list(COCO_KEYPOINT_NAMES) == EXPECTED_NAMES
    # every skeleton link joins two different, existing keypoints
    assert all(1 <= a <= 17 and 1 <= b <= 17 and a != b
               for a, b in COCO_SKELETON)
    images = {img['id']: img for img in coco['images']}
    assert len(images) == len(coco['images'])
    assert {'id', 'file_name', 'width', 'height'} <= set(coco['images'][0])

    ann_ids = [ann['id'] for ann in coco['annotations']]
    assert len(set(ann_ids)) == len(ann_ids)
    vis_counts = np.zeros(3, int)
    for ann in coco['annotations']:
        assert {
            'id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd',
            'keypoints', 'num_keypoints'
        } <= set(ann)
        img = images[ann['image_id']]
        width, height = img['width'], img['height']
        assert ann['category_id'] == 1 and ann['iscrowd'] == 0
        assert len(ann['keypoints']) == 3 * 17
        kpts = _keypoints(ann)
        vis = kpts[:, 2]
        assert set(vis.tolist()) <= {0, 1, 2}
        assert all(isinstance(v, int) for v in ann['keypoints'][2::3])
        vis_counts += np.bincount(vis.astype(int), minlength=3)
        assert ann['num_keypoints'] == int((vis > 0).sum())
        assert ann['num_keypoints'] >= MIN_LABELLED_KEYPOINTS
        # unlabelled: exactly (0, 0); labelled: inside the image
        assert np.all(kpts[vis == 0, :2] == 0)
        lab = kpts[vis > 0, :2]
        assert np.all(lab >= 0)
        assert np.all(lab[:, 0] <= width - 1) and np.all(
            lab[:, 1] <= height - 1)
        x, y, w, h = ann['bbox']
        assert w > 0 and h > 0
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
        # the box is the silhouette's box, so it holds every labelled joint
        assert np.all(lab[:, 0] >= x - 1) and np.all(lab[:, 0] <= x + w)
        assert np.all(lab[:, 1] >= y - 1) and np.all(lab[:, 1] <= y + h)
        assert 0 < ann['area'] <= w * h
        assert ann['facing'] in ('front', 'back')

    stats = summary['splits'][split]
    assert stats['instances'] == len(coco['annotations'])
    assert [stats['keypoints_v0'], stats['keypoints_v1'],
            stats['keypoints_v2']] == vis_counts.tolist()


def test_dataset_is_not_trivial(dataset):
    root, _ = dataset
    anns = _load(root, 'train')['annotations'] + _load(root,
                                                       'val')['annotations']
    vis = np.stack([_keypoints(a)[:, 2] for a in anns])
    people_per_image = np.bincount([a['image_id'] for a in anns])
    assert (vis == 1).mean() > 0.05, 'expected occluded joints (v=1)'
    assert (vis == 2).mean() > 0.6
    # some body joints (not just far-side face points) fall outside
    assert (vis[:, 5:] == 0).any(), 'expected people cut by the border'
    assert people_per_image.max() >= 2
    facing = [a['facing'] for a in anns]
    assert 0.2 < facing.count('back') / len(facing) < 0.8
    heights = [a['bbox'][3] for a in anns]
    assert max(heights) / min(heights) > 2


def test_detection_file(dataset):
    root, _ = dataset
    coco = _load(root, 'val')
    with open(root / 'annotations' / 'person_detections_val.json') as f:
        dets = json.load(f)
    images = {img['id']: img for img in coco['images']}
    assert isinstance(dets, list) and dets
    for det in dets:
        assert set(det) == {'image_id', 'category_id', 'bbox', 'score'}
        assert det['category_id'] == 1 and det['image_id'] in images
        assert 0 < det['score'] <= 1
        x, y, w, h = det['bbox']
        img = images[det['image_id']]
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= img['width'] + 1e-6 and y + h <= img['height'] + 1e-6

    def iou(a, b):
        ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
        iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
        ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
        inter = iw * ih
        return inter / (a[2] * a[3] + b[2] * b[3] - inter)

    # every person is found by a confident box; false alarms score low
    for ann in coco['annotations']:
        same = [d for d in dets if d['image_id'] == ann['image_id']]
        assert max(iou(ann['bbox'], d['bbox']) for d in same) > 0.6
    confident = [d for d in dets if d['score'] >= 0.5]
    assert len(confident) == len(coco['annotations'])
    assert len(dets) > len(confident), 'expected low-score false positives'


# ---------------------------------------------------------------------------
# determinism, arguments, overwrite protection
# ---------------------------------------------------------------------------
def test_same_seed_gives_identical_files(tmp_path):
    first = generate_synthetic_coco_keypoints(tmp_path / 'a', **TINY)
    second = generate_synthetic_coco_keypoints(tmp_path / 'b', **TINY)
    assert {k: v for k, v in first.items() if k != 'root'} == {
        k: v for k, v in second.items() if k != 'root'
    }
    digest_a, digest_b = _digest(tmp_path / 'a'), _digest(tmp_path / 'b')
    assert len(digest_a) == TINY['num_train'] + TINY['num_val'] + 4
    assert digest_a == digest_b

    generate_synthetic_coco_keypoints(tmp_path / 'c', **dict(TINY, seed=2))
    digest_c = _digest(tmp_path / 'c')
    ann = 'annotations/person_keypoints_train.json'
    assert digest_c[ann] != digest_a[ann]
    assert digest_c['images/train/000001.jpg'] != digest_a[
        'images/train/000001.jpg']


@pytest.mark.parametrize('kwargs, match', [
    (dict(image_size=(64, 256)), 'image_size'),
    (dict(image_size=(256, )), 'image_size'),
    (dict(num_train=0), 'num_train'),
    (dict(num_val=-3), 'num_val'),
    (dict(seed=-1), 'seed'),
    (dict(max_people=4), 'max_people'),
    (dict(difficulty=1.5), 'difficulty'),
])
def test_bad_arguments_are_rejected(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_synthetic_coco_keypoints(tmp_path / 'x', **dict(TINY,
                                                                 **kwargs))
    assert not (tmp_path / 'x').exists()


def test_overwrite_protection_and_resume(tmp_path):
    root = tmp_path / 'data'
    generate_synthetic_coco_keypoints(root, **TINY)
    before = _digest(root)
    with pytest.raises(FileExistsError, match=str(root)):
        generate_synthetic_coco_keypoints(root, **dict(TINY, seed=5))
    assert _digest(root) == before

    # an interrupted run (progress marker, no summary) is redone
    (root / SUMMARY_FILE).unlink()
    (root / PROGRESS_FILE).write_text('{}')
    (root / 'images' / 'train' / '000002.jpg').unlink()
    assert dataset_state(root) == 'incomplete'
    assert read_summary(root) is None
    generate_synthetic_coco_keypoints(root, **TINY)
    assert _digest(root) == before

    # overwrite=True replaces it, keeping files the generator does not own
    (root / 'notes.txt').write_text('keep me')
    generate_synthetic_coco_keypoints(
        root, overwrite=True, **dict(TINY, num_train=2, seed=5))
    assert (root / 'notes.txt').read_text() == 'keep me'
    assert sorted(p.name for p in (root / 'images' / 'train').iterdir()) == [
        '000001.jpg', '000002.jpg'
    ]
    assert read_summary(root)['params']['seed'] == 5

    # a non-empty directory that is not ours is refused
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'thesis.tex').write_text('x')
    assert dataset_state(foreign) == 'foreign'
    with pytest.raises(FileExistsError, match='other files'):
        generate_synthetic_coco_keypoints(foreign, **TINY)
    assert sorted(p.name for p in foreign.iterdir()) == ['thesis.tex']


def _cli(*args):
    return subprocess.run([sys.executable, str(CLI), *map(str, args)],
                          capture_output=True,
                          text=True,
                          cwd=str(REPO))


def _cli_main():
    spec = importlib.util.spec_from_file_location('kpt_cli', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_cli_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / 'cli'
    size = TINY['image_size']
    common = [
        '--num-train', TINY['num_train'], '--num-val', TINY['num_val'],
        '--image-size', size[0], size[1], '--seed', TINY['seed']
    ]
    first = _cli(out, *common)
    assert first.returncode == 0, first.stderr
    assert 'train: 3 images' in first.stdout
    marker = read_summary(out)
    assert marker['params']['image_size'] == list(size)
    before = _digest(out)

    again = _cli(out, *common)
    assert again.returncode == 1
    assert 'is not empty' in again.stderr
    assert '--force' in again.stderr
    assert _digest(out) == before

    # the remaining cases run in-process to save interpreter start-ups
    main = _cli_main()
    common = [str(v) for v in common]
    assert main([str(out), *common, '--skip-existing']) == 0
    assert main([str(out), *common[:-1], '9', '--skip-existing']) == 1
    assert '--force' in capsys.readouterr().err
    assert _digest(out) == before

    assert main([str(out), *common[:-1], '9', '--force']) == 0
    assert read_summary(out)['params']['seed'] == 9

    assert main([str(tmp_path / 'bad'), '--image-size', '32', '32']) == 2
    assert 'image_size' in capsys.readouterr().err
    assert not (tmp_path / 'bad').exists()


def test_outdated_set_is_regenerated_with_its_arguments(tmp_path):
    root = tmp_path / 'old'
    settings = dict(TINY, max_people=2, difficulty=0.5)
    summary = generate_synthetic_coco_keypoints(root, **settings)
    before = _digest(root)
    assert recorded_arguments(summary) == dict(settings, max_people=2)
    # a summary that an older generator version wrote
    marker = json.loads((root / SUMMARY_FILE).read_text())
    marker['params']['format_version'] = 0
    (root / SUMMARY_FILE).write_text(json.dumps(marker))
    assert dataset_state(root) == 'outdated'
    regenerate(root)
    assert dataset_state(root) == 'current'
    assert _digest(root) == before
    with pytest.raises(FileNotFoundError, match='no complete'):
        regenerate(tmp_path / 'absent')


def test_difficulty_is_recorded_and_valid(tmp_path):
    summary = generate_synthetic_coco_keypoints(
        tmp_path / 'easy', difficulty=0.0, **TINY)
    assert summary['params']['difficulty'] == 0.0
    coco = _load(tmp_path / 'easy', 'train')
    assert coco['info']['generator']['difficulty'] == 0.0
    assert all(a['num_keypoints'] >= MIN_LABELLED_KEYPOINTS
               for a in coco['annotations'])


# ---------------------------------------------------------------------------
# mmpose compatibility
# ---------------------------------------------------------------------------
def _mmpose_dataset(root: Path, split: str = 'val', **kwargs) -> CocoDataset:
    kwargs.setdefault('test_mode', True)
    return CocoDataset(
        data_root=str(root),
        ann_file=f'annotations/person_keypoints_{split}.json',
        data_prefix=dict(img=f'images/{split}/'),
        metainfo=dict(from_file=str(COCO_METAINFO)),
        **kwargs)


def test_mmpose_coco_dataset_loads(dataset):
    root, _ = dataset
    assert COCO_METAINFO.is_file()
    for split in ('train', 'val'):
        coco = _load(root, split)
        topdown = _mmpose_dataset(root, split, data_mode='topdown')
        assert len(topdown) == len(coco['annotations'])
        info = topdown.get_data_info(0)
        assert Path(info['img_path']).is_file()
        assert info['keypoints'].shape == (1, 17, 2)
        bottomup = _mmpose_dataset(root, split, data_mode='bottomup')
        assert len(bottomup) == len(coco['images'])
    meta = topdown.metainfo
    assert [meta['keypoint_id2name'][i] for i in range(17)] == EXPECTED_NAMES

    with open(root / 'annotations' / 'person_detections_val.json') as f:
        dets = json.load(f)
    det_file = str(root / 'annotations' / 'person_detections_val.json')
    detected = _mmpose_dataset(root, bbox_file=det_file)
    assert len(detected) == len(dets)
    confident = _mmpose_dataset(
        root, bbox_file=det_file, filter_cfg=dict(bbox_score_thr=0.5))
    assert len(confident) == len(_load(root, 'val')['annotations'])


def test_mmpose_topdown_pipeline_targets(dataset):
    """256x192 crops and 64x48 heatmaps peak at the annotated joints."""
    root, _ = dataset
    codec = dict(
        type='MSRAHeatmap',
        input_size=(192, 256),
        heatmap_size=(48, 64),
        sigma=2)
    pipeline = [
        LoadImage(),
        GetBBoxCenterScale(),
        TopdownAffine(input_size=(192, 256)),
        GenerateTarget(encoder=codec),
        PackPoseInputs(pack_transformed=True)
    ]
    ds = _mmpose_dataset(root, data_mode='topdown', pipeline=pipeline)
    checked = 0
    for idx in range(len(ds)):
        packed = ds[idx]
        assert tuple(packed['inputs'].shape) == (3, 256, 192)
        sample = packed['data_samples']
        heatmaps = sample.gt_fields.heatmaps.numpy()
        assert heatmaps.shape == (17, 64, 48)
        kpts = sample.gt_instances.transformed_keypoints[0]
        vis = sample.gt_instance_labels.keypoint_weights[0].numpy()
        for j in np.flatnonzero(vis > 0):
            peak = np.unravel_index(heatmaps[j].argmax(), (64, 48))
            assert np.allclose(np.array(peak[::-1]) * 4, kpts[j], atol=4)
            checked += 1
    assert checked > 10 * len(ds)


def _coco_ap(root: Path, make_prediction) -> float:
    """AP of mmpose's CocoMetric for per-instance keypoint predictions."""
    ds = _mmpose_dataset(root, data_mode='topdown')
    metric = CocoMetric(
        ann_file=str(root / 'annotations' / 'person_keypoints_val.json'),
        nms_mode='none')
    metric.dataset_meta = ds.metainfo
    rng = np.random.default_rng(0)
    samples = []
    for idx in range(len(ds)):
        info = ds.get_data_info(idx)
        kpts = make_prediction(info, rng)
        samples.append(
            dict(
                id=info['id'],
                img_id=info['img_id'],
                pred_instances=dict(
                    keypoints=kpts, keypoint_scores=np.ones(kpts.shape[:2])),
                gt_instances=dict()))
    metric.process([], samples)
    return metric.evaluate(len(samples))['coco/AP']


def test_coco_metric_on_ground_truth_and_perturbations(dataset):
    root, _ = dataset

    def exact(info, rng):
        return info['keypoints'].copy()

    def noisy(scale):

        def predict(info, rng):
            sigma = scale * np.sqrt(info['raw_ann_info']['area'])
            return info['keypoints'] + rng.normal(0, sigma, (1, 17, 2))

        return predict

    def mirrored_labels(info, rng):
        flip = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
        return info['keypoints'][:, flip].copy()

    assert _coco_ap(root, exact) == pytest.approx(1.0)
    small, large = _coco_ap(root, noisy(0.03)), _coco_ap(root, noisy(0.1))
    assert 0 < large < small < 1
    # left and right sit far apart: swapping them is a wrong pose
    assert _coco_ap(root, mirrored_labels) < 0.1


# ---------------------------------------------------------------------------
# the left/right cue
# ---------------------------------------------------------------------------
def test_face_only_on_people_facing_the_camera(dataset):
    root, _ = dataset
    for split in ('train', 'val'):
        for ann in _load(root, split)['annotations']:
            vis = _keypoints(ann)[:, 2]
            if ann['facing'] == 'back':
                # no face is drawn, so nose and eyes are never labelled
                assert np.all(vis[:3] == 0), ann['id']


def test_labels_follow_the_facing_direction(dataset):
    """Left/right labels agree with the drawn facing direction.

    A person facing the camera has their left shoulder and hip on the image
    right (in the torso frame); facing away, on the image left. A mirrored
    image whose labels were not swapped breaks this for every person, so
    the labels carry a handedness a model can read from the face.
    """
    root, _ = dataset
    checked = 0
    total = 0
    for split in ('train', 'val'):
        coco = _load(root, split)
        widths = {img['id']: img['width'] for img in coco['images']}
        for ann in coco['annotations']:
            total += 1
            kpts = _keypoints(ann)
            sign = _handedness(kpts)
            if sign == 0:
                continue
            checked += 1
            expected = 1 if ann['facing'] == 'front' else -1
            assert np.sign(sign) == expected, (split, ann['id'])
            mirrored = kpts.copy()
            lab = mirrored[:, 2] > 0
            mirrored[lab, 0] = widths[ann['image_id']] - 1 - mirrored[lab, 0]
            assert np.sign(_handedness(mirrored)) == -expected
    assert checked >= 0.8 * total


def test_eyes_are_painted_where_labelled(dataset):
    """Labelled visible eyes sit on dark pupils painted on the face."""
    root, _ = dataset
    darker, eligible = 0, 0
    for split in ('train', 'val'):
        coco = _load(root, split)
        files = {img['id']: img['file_name'] for img in coco['images']}
        for ann in coco['annotations']:
            kpts = _keypoints(ann)
            if not (kpts[1, 2] == 2 and kpts[2, 2] == 2):
                continue
            eye_dist = np.linalg.norm(kpts[1, :2] - kpts[2, :2])
            if eye_dist < 4:  # too small to resolve after JPEG
                continue
            grey = cv2.imread(
                str(root / 'images' / split / files[ann['image_id']]),
                cv2.IMREAD_GRAYSCALE).astype(float)
            r = int(round(eye_dist))
            for eye in (1, 2):
                x, y = np.round(kpts[eye, :2]).astype(int)
                patch = grey[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1]
                eligible += 1
                darker += grey[y, x] < np.median(patch) - 30
    assert eligible >= 10
    assert darker >= 0.9 * eligible
