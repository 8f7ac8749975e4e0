"""The generated set and the real COCO sample through mmpose's dataset,
pipeline and CocoMetric with our configs; data file checks; bad images
and boxes inside a dataset."""
import copy
import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.datasets import CocoDataset
from mmpose.evaluation import CocoMetric

from micronet_mm.datasets.pose_checks import (
    check_pose_data_files,
    missing_pose_data_files,
)
from tests.helpers.tools import SHARED_DATA
from tests.test_pose.conftest import SYNTHETIC_CONFIG

COCO_SAMPLE = osp.join(SHARED_DATA, 'mmpose', 'coco')


def _config_for(root):
    """The synthetic config pointed at ``root``."""
    cfg = Config.fromfile(SYNTHETIC_CONFIG)
    root = root.rstrip('/') + '/'
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = root
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'].dataset.bbox_file = \
            root + 'annotations/person_detections_val.json'
        cfg[f'{split}_evaluator'].ann_file = \
            root + 'annotations/person_keypoints_val.json'
    return cfg


def _build(dataset_cfg):
    init_default_scope('mmpose')
    cfg = copy.deepcopy(dataset_cfg)
    cfg.pop('type')
    return CocoDataset(**cfg)


def _perfect_metric(dataset, ann_file):
    """CocoMetric over ground-truth keypoints given as predictions."""
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        samples.append(dict(
            id=info['id'], img_id=info['img_id'],
            category_id=info.get('category_id', 1),
            gt_instances=dict(bbox_scales=np.array([[100.0, 100.0]]),
                              bbox_scores=np.ones(1)),
            pred_instances=dict(
                keypoints=info['keypoints'],
                keypoint_scores=info['keypoints_visible'].astype(float)),
            raw_ann_info=copy.deepcopy(info['raw_ann_info'])))
    metric.process([], samples)
    return metric.evaluate(size=len(samples))


def test_generated_set_through_config_dataset_and_metric(tiny_coco_kpt):
    cfg = _config_for(tiny_coco_kpt)
    assert missing_pose_data_files(cfg) == []
    # training split with the full augmentation pipeline
    train = _build(cfg.train_dataloader.dataset)
    sample = train[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 192)
    assert tuple(sample['data_samples'].gt_fields.heatmaps.shape) == (
        17, 64, 48)
    # validation with detector-style boxes: one sample per detection
    val = _build(cfg.val_dataloader.dataset)
    with open(cfg.val_dataloader.dataset.bbox_file) as f:
        assert len(val) == len(json.load(f))
    # ground-truth boxes and keypoints as a perfect prediction: AP 1.0
    gt_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    gt_cfg.pop('bbox_file')
    gt_cfg.pipeline = []
    gt = _build(gt_cfg)
    metrics = _perfect_metric(gt, cfg.val_evaluator.ann_file)
    assert metrics['coco/AP'] == pytest.approx(1.0)


@pytest.mark.parametrize('key', [
    'train_dataloader.dataset.ann_file', 'val_dataloader.dataset.bbox_file',
    'val_evaluator.ann_file', "train_dataloader.dataset.data_prefix['img']"
])
def test_missing_data_files_are_named(tiny_coco_kpt, tmp_path, key):
    root = tmp_path / 'copy'
    shutil.copytree(tiny_coco_kpt, root)
    cfg = _config_for(str(root))
    removed = {
        'train_dataloader.dataset.ann_file':
        root / 'annotations/person_keypoints_train.json',
        'val_dataloader.dataset.bbox_file':
        root / 'annotations/person_detections_val.json',
        'val_evaluator.ann_file':
        root / 'annotations/person_keypoints_val.json',
        "train_dataloader.dataset.data_prefix['img']": root / 'images/train',
    }[key]
    if removed.is_dir():
        shutil.rmtree(removed)
    else:
        removed.unlink()
    with pytest.raises(FileNotFoundError) as info:
        check_pose_data_files(cfg)
    assert key in str(info.value) and str(removed) in str(info.value)
    assert 'generate_synthetic_coco_keypoints' in str(info.value)


def test_mmpose_dataset_names_a_missing_annotation_file(tmp_path):
    """What a config without the pre-flight check gets: still the path."""
    with pytest.raises(AssertionError, match='nope.json'):
        CocoDataset(data_root=str(tmp_path), ann_file='nope.json',
                    pipeline=[])


def test_grayscale_rgba_images_and_odd_boxes_in_a_dataset(tiny_coco_kpt,
                                                          tmp_path):
    """Stored grayscale and 4-channel images load as 3 channels; detector
    boxes partly or fully outside the image or of zero size still give a
    (padded) crop instead of an error."""
    root = tmp_path / 'odd'
    shutil.copytree(tiny_coco_kpt, root)
    val_dir = root / 'images' / 'val'
    first, second = sorted(val_dir.iterdir())[:2]
    image = cv2.imread(str(first))
    cv2.imwrite(str(first), cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    # PNG bytes under the .jpg name: decoders go by content
    ok, png = cv2.imencode('.png', cv2.cvtColor(cv2.imread(str(second)),
                                                cv2.COLOR_BGR2BGRA))
    second.write_bytes(png.tobytes())
    assert cv2.imread(str(second), cv2.IMREAD_UNCHANGED).shape[2] == 4
    dets_path = root / 'annotations' / 'person_detections_val.json'
    h, w = image.shape[:2]
    dets = [dict(image_id=1, category_id=1, bbox=bbox, score=0.9)
            for bbox in ([-40.0, -30.0, 80.0, 120.0],
                         [w + 50.0, h + 50.0, 40.0, 80.0],
                         [10.0, 10.0, 0.0, 0.0],
                         [5.0, 5.0, 60.0, 90.0])]
    dets.append(dict(image_id=2, category_id=1,
                     bbox=[5.0, 5.0, 60.0, 90.0], score=0.9))
    dets_path.write_text(json.dumps(dets))
    cfg = _config_for(str(root))
    val = _build(cfg.val_dataloader.dataset)
    assert len(val) == len(dets)
    for i in range(len(val)):
        item = val[i]
        assert tuple(item['inputs'].shape) == (3, 256, 192)
        assert np.isfinite(item['data_samples'].metainfo['input_scale']).all()


@pytest.fixture
def coco_sample():
    if not osp.isfile(osp.join(COCO_SAMPLE, 'test_coco.json')):
        pytest.skip(f'optional COCO sample not found under {COCO_SAMPLE}')
    return COCO_SAMPLE


def test_real_coco_sample(coco_sample, m0_checkpoint):
    """The 4 COCO val images: loading with the config's pipelines, the
    inference API on the annotated boxes, CocoMetric on the predictions
    (and 1.0 for the ground truth)."""
    from mmpose.apis import init_model

    from micronet_mm.apis import inference_pose
    cfg = Config.fromfile(SYNTHETIC_CONFIG)
    ann = osp.join(coco_sample, 'test_coco.json')
    dets = osp.join(coco_sample, 'test_coco_det_AP_H_56.json')
    common = dict(data_root=coco_sample, ann_file='test_coco.json',
                  data_prefix=dict(img=''))
    train_cfg = dict(cfg.train_dataloader.dataset, **common)
    train = _build(train_cfg)
    assert len(train) == 12
    assert tuple(train[0]['inputs'].shape) == (3, 256, 192)
    val_cfg = dict(cfg.val_dataloader.dataset, bbox_file=dets, **common)
    val = _build(val_cfg)
    assert len(val) > 0
    assert tuple(val[0]['inputs'].shape) == (3, 256, 192)
    gt_cfg = dict(cfg.val_dataloader.dataset, **common)
    gt_cfg.pop('bbox_file')
    gt_cfg['pipeline'] = []
    gt = _build(gt_cfg)
    assert _perfect_metric(gt, ann)['coco/AP'] == pytest.approx(1.0)

    model = init_model(SYNTHETIC_CONFIG, m0_checkpoint, device='cpu')
    with open(ann) as f:
        coco = json.load(f)
    image = coco['images'][0]
    boxes = [a['bbox'] for a in coco['annotations']
             if a['image_id'] == image['id'] and not a['iscrowd']]
    results = inference_pose(model, osp.join(coco_sample,
                                             image['file_name']),
                             boxes, bbox_format='xywh')
    assert len(results) == len(boxes)
    assert results[0].pred_instances.keypoints.shape == (1, 17, 2)

    # the untrained model through CocoMetric: runs, AP within [0, 1]
    metric = CocoMetric(ann_file=ann)
    metric.dataset_meta = gt.metainfo
    samples = []
    for i in range(len(gt)):
        info = gt.get_data_info(i)
        if info['img_path'] != osp.join(coco_sample, image['file_name']):
            continue
        x, y, w, h = info['raw_ann_info']['bbox']
        pred = inference_pose(model, info['img_path'], [[x, y, w, h]],
                              bbox_format='xywh')[0].pred_instances
        samples.append(dict(
            id=info['id'], img_id=info['img_id'], category_id=1,
            gt_instances=dict(bbox_scales=np.array([[w, h]]),
                              bbox_scores=np.ones(1)),
            pred_instances=dict(keypoints=pred.keypoints,
                                keypoint_scores=pred.keypoint_scores),
            raw_ann_info=copy.deepcopy(info['raw_ann_info'])))
    metric.process([], samples)
    ap = metric.evaluate(size=len(samples))['coco/AP']
    assert 0.0 <= ap <= 1.0


def test_relative_data_root_is_checked_as_mmpose_reads_it(
        tiny_coco_kpt, tmp_path, monkeypatch):
    """As in the COCO configs: a relative data_root, and a bbox_file that
    already starts with it (mmpose does not join bbox_file with data_root,
    unlike ann_file)."""
    shutil.copytree(tiny_coco_kpt, tmp_path / 'data' / 'kpt')
    monkeypatch.chdir(tmp_path)
    cfg = _config_for('data/kpt')
    assert missing_pose_data_files(cfg) == []
    assert osp.isfile(cfg.val_dataloader.dataset.bbox_file)
    # the same bbox_file given relative to data_root is not where mmpose
    # looks, and is reported
    cfg.val_dataloader.dataset.bbox_file = \
        'annotations/person_detections_val.json'
    problems = missing_pose_data_files(cfg)
    assert any('val_dataloader.dataset.bbox_file' in p for p in problems)


@pytest.mark.parametrize('root,prefix', [
    ('{sample}', ''),  # images beside the annotation file
    ('{sample}/', ''),
    ('{parent}', 'coco/'),
    (None, '{sample}'),  # absolute prefix, no data_root
])
def test_data_check_accepts_what_mmpose_loads(coco_sample, root, prefix):
    """Every data_root / data_prefix.img combination with which mmpose's
    own CocoDataset loads the shared COCO sample passes the check."""
    names = dict(sample=coco_sample, parent=osp.dirname(coco_sample))
    root = root.format(**names) if root else None
    prefix = prefix.format(**names)
    ann = osp.join(coco_sample, 'test_coco.json')  # absolute: any root
    init_default_scope('mmpose')
    dataset = CocoDataset(data_root=root, ann_file=ann,
                          data_prefix=dict(img=prefix), pipeline=[])
    assert len(dataset) == 12
    assert osp.isfile(dataset[0]['img_path'])
    cfg = dict(train_dataloader=dict(dataset=dict(
        type='CocoDataset', data_root=root, ann_file=ann,
        data_prefix=dict(img=prefix))))
    assert missing_pose_data_files(cfg, ('train', )) == []
    check_pose_data_files(cfg, ('train', ))
    # a prefix that does not exist is still named
    cfg['train_dataloader']['dataset']['data_prefix'] = dict(img='nope/')
    assert "data_prefix['img'] = 'nope/'" in missing_pose_data_files(
        cfg, ('train', ))[0]
