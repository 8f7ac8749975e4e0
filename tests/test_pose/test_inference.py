"""init_model / inference_topdown round trip, the checked API helper and
the demo, including bad input."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmpose.apis import inference_topdown, init_model

from micronet_mm.apis import (
    check_bboxes,
    inference_pose,
    init_pose_model,
    read_image,
)
from tests.helpers.tools import REPO, run_tool
from tests.test_pose.conftest import SYNTHETIC_CONFIG

COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


@pytest.fixture(scope='module')
def model(m0_checkpoint):
    return init_model(SYNTHETIC_CONFIG, m0_checkpoint, device='cpu')


@pytest.fixture(scope='module')
def image():
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (24, 32, 3)).astype(np.uint8)
    return cv2.resize(small, (320, 240), interpolation=cv2.INTER_CUBIC)


def test_init_model_loads_the_checkpoint(model, m0_checkpoint):
    state = torch.load(m0_checkpoint, map_location='cpu')['state_dict']
    own = model.state_dict()
    for key, value in state.items():
        assert torch.equal(own[key], value), key
    assert model.dataset_meta['num_keypoints'] == 17
    assert list(model.dataset_meta['flip_indices']) == COCO_FLIP
    assert not model.training


def test_inference_topdown_round_trip(model, image):
    boxes = np.array([[10, 20, 110, 220], [150, 5, 300, 235]], np.float32)
    results = inference_topdown(model, image, boxes)
    assert len(results) == 2
    for result, box in zip(results, boxes):
        kpts = result.pred_instances.keypoints
        scores = result.pred_instances.keypoint_scores
        assert kpts.shape == (1, 17, 2) and scores.shape == (1, 17)
        # keypoints map back into the crop: the box padded by 1.25 and
        # widened or heightened to the 3:4 input aspect
        w, h = (box[2:] - box[:2]) * 1.25
        w, h = max(w, h * 0.75), max(h, w / 0.75)
        cx, cy = (box[2:] + box[:2]) / 2
        # (mmpose decodes a heatmap whose maximum is <= 0 as (-1, -1))
        found = scores[0] > 0
        assert found.sum() >= 3
        assert np.all(np.abs(kpts[0, found, 0] - cx) <= w / 2 + 1e-3)
        assert np.all(np.abs(kpts[0, found, 1] - cy) <= h / 2 + 1e-3)
    # the checked helper gives the same numbers
    checked = inference_pose(model, image, boxes)
    for a, b in zip(results, checked):
        np.testing.assert_allclose(a.pred_instances.keypoints,
                                   b.pred_instances.keypoints)


def test_flipped_crop_gives_mirrored_keypoints(model):
    """Flip test makes the predictions exactly flip-equivariant: the
    keypoints of the mirrored crop, mirrored back and with left/right
    swapped, equal those of the crop. Wrong flip indices break this."""
    from mmpose.structures import PoseDataSample
    torch.manual_seed(0)
    crop = torch.rand(1, 3, 256, 192) * 255

    def predict(inputs, flip_indices):
        # what TopdownPoseEstimator.predict does, in input-crop pixels
        sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
        data = model.data_preprocessor(
            dict(inputs=[inputs[0].byte()], data_samples=[sample]))
        x = data['inputs']
        with torch.no_grad():
            feats = [model.extract_feat(x), model.extract_feat(x.flip(-1))]
            return model.head.predict(feats, [sample], dict(
                flip_test=True, flip_mode='heatmap',
                shift_heatmap=False))[0]

    ref = predict(crop, COCO_FLIP)
    mirror = predict(crop.flip(-1), COCO_FLIP)
    # heatmap column j <-> 47 - j, i.e. input x <-> 188 - x
    back = mirror.keypoints[:, COCO_FLIP].copy()
    back[..., 0] = 188.0 - back[..., 0]
    np.testing.assert_allclose(mirror.keypoint_scores[:, COCO_FLIP],
                               ref.keypoint_scores, rtol=1e-4)
    # (a heatmap whose maximum is <= 0 decodes to (-1, -1) either way)
    found = ref.keypoint_scores[0] > 0
    # mmpose's quarter-offset refinement is not mirror-symmetric at the
    # border: it skips dx at heatmap columns 0, 1, 47 and dy at column 0
    # only, so keypoints on the two outer columns of either side are left out
    col = np.round(ref.keypoints[0, :, 0] / 4)
    found &= (col >= 2) & (col <= 45)
    assert found.sum() >= 5
    np.testing.assert_allclose(back[:, found], ref.keypoints[:, found],
                               atol=1e-3)
    # negative control: no left/right swap -> not equivariant
    ref_bad = predict(crop, list(range(17)))
    mirror_bad = predict(crop.flip(-1), list(range(17)))
    back_bad = mirror_bad.keypoints[:, COCO_FLIP].copy()
    back_bad[..., 0] = 188.0 - back_bad[..., 0]
    found = ref_bad.keypoint_scores[0] > 0
    assert not np.allclose(back_bad[:, found], ref_bad.keypoints[:, found],
                           atol=1e-3)


# ---------------------------------------------------------------- bad input
def test_grayscale_and_four_channel_images(model, image, tmp_path):
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    assert read_image(gray).shape == image.shape
    assert read_image(gray[..., None]).shape == image.shape
    np.testing.assert_array_equal(read_image(bgra), image)
    box = [[20, 20, 200, 220]]
    expected = inference_pose(model, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR),
                              box)[0].pred_instances.keypoints
    for img in (gray, gray[..., None]):
        got = inference_pose(model, img, box)[0].pred_instances.keypoints
        np.testing.assert_allclose(got, expected)
    ref = inference_pose(model, image, box)[0].pred_instances.keypoints
    got = inference_pose(model, bgra, box)[0].pred_instances.keypoints
    np.testing.assert_allclose(got, ref)
    # files: grayscale PNG and RGBA PNG are read as 3-channel BGR
    cv2.imwrite(str(tmp_path / 'gray.png'), gray)
    cv2.imwrite(str(tmp_path / 'rgba.png'), bgra)
    assert read_image(str(tmp_path / 'gray.png')).shape == image.shape
    np.testing.assert_array_equal(read_image(str(tmp_path / 'rgba.png')),
                                  image)


@pytest.mark.parametrize('img,error,match', [
    (np.zeros((10, 10, 2), np.uint8), ValueError, r'\(H, W, 4\)'),
    (np.zeros((10, 10, 3), np.float32), ValueError, 'uint8'),
    ('missing.jpg', FileNotFoundError, 'missing.jpg'),
    (42, TypeError, 'file path or a numpy array'),
])
def test_bad_images(img, error, match):
    with pytest.raises(error, match=match):
        read_image(img)


def test_undecodable_image_file(tmp_path):
    path = tmp_path / 'broken.jpg'
    path.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='could not be decoded'):
        read_image(str(path))


def test_empty_box_list_means_nobody(model, image):
    assert inference_pose(model, image, []) == []
    assert inference_pose(model, image, np.zeros((0, 4))) == []
    # None keeps mmpose's convention: one box over the whole image
    assert len(inference_pose(model, image, None)) == 1


def test_boxes_partly_outside_are_estimated(model, image):
    box = np.array([[-50, -40, 100, 150]], np.float32)
    result = inference_pose(model, image, box)[0]
    assert np.isfinite(result.pred_instances.keypoints).all()


@pytest.mark.parametrize('boxes,fmt,match', [
    ([[400, 10, 500, 100]], 'xyxy', 'outside the 320x240'),
    ([[-90, -90, -10, -10]], 'xyxy', 'outside'),
    ([[10, 10, 10, 50]], 'xyxy', 'positive width and height'),
    ([[330, 10, 50, 40]], 'xywh', 'outside'),
    ([[10, 10, 0, 5]], 'xywh', 'positive width'),
    ([[10, np.nan, 50, 40]], 'xyxy', 'non-finite'),
    ([[1, 2, 3]], 'xyxy', r'shape \(N, 4\)'),
    ([[1, 2, 3, 4]], 'cxcywh', 'bbox_format'),
])
def test_bad_boxes(boxes, fmt, match):
    with pytest.raises(ValueError, match=match):
        check_bboxes(boxes, (240, 320), fmt)


def test_box_with_score_column_and_single_box():
    boxes = check_bboxes([[1, 2, 30, 40, 0.9]], (100, 100))
    np.testing.assert_array_equal(boxes, [[1, 2, 30, 40]])
    boxes = check_bboxes([5, 5, 10, 20], (100, 100), 'xywh')
    np.testing.assert_array_equal(boxes, [[5, 5, 15, 25]])


def test_init_pose_model_missing_files(m0_checkpoint):
    with pytest.raises(FileNotFoundError, match='config file'):
        init_pose_model('nope.py', m0_checkpoint)
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        init_pose_model(SYNTHETIC_CONFIG, 'nope.pth')


# ---------------------------------------------------------------- demo
def _demo():
    spec = importlib.util.spec_from_file_location(
        'pose_demo', osp.join(REPO, 'demo', 'pose_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_draws_and_refuses_to_overwrite(image, m0_checkpoint, tmp_path,
                                             capsys):
    demo = _demo()
    img_path = str(tmp_path / 'in.jpg')
    cv2.imwrite(img_path, image)
    out = str(tmp_path / 'out' / 'pose.png')
    args = [img_path, SYNTHETIC_CONFIG, m0_checkpoint, '--out-file', out,
            '--kpt-thr', '0', '--bboxes', '10', '20', '110', '220', '150',
            '5', '300', '235']
    assert demo.main(args) == 0
    stdout = capsys.readouterr().out
    assert 'box 0' in stdout and 'box 1' in stdout
    drawn = cv2.imread(out)
    assert drawn.shape == image.shape
    # skeletons were drawn on the image
    assert np.abs(drawn.astype(int) - image.astype(int)).sum() > 0
    before = osp.getmtime(out)
    # the command line refuses before loading anything
    proc = run_tool('demo/pose_demo.py', *args, check=False)
    assert proc.returncode == 1 and 'exists' in proc.stderr
    assert osp.getmtime(out) == before
    assert demo.main(args + ['--force']) == 0


@pytest.mark.parametrize('extra,code,match', [
    (['--bboxes'], 0, 'no person boxes'),
    (['--bboxes', '1', '2', '3'], 2, '4 numbers per box'),
    (['--bboxes', '500', '500', '600', '600'], 2, 'outside'),
    (['--bboxes', '10', '10', '5', '60'], 2, 'positive width'),
])
def test_demo_box_handling(image, m0_checkpoint, tmp_path, capsys, extra,
                           code, match):
    img_path = str(tmp_path / 'in.png')
    cv2.imwrite(img_path, cv2.cvtColor(image, cv2.COLOR_BGR2BGRA))
    out = str(tmp_path / 'out.png')
    assert _demo().main([img_path, SYNTHETIC_CONFIG, m0_checkpoint,
                         '--out-file', out, *extra]) == code
    captured = capsys.readouterr()
    assert match in captured.out + captured.err
    assert osp.exists(out) == (code == 0)


@pytest.mark.parametrize('which', ['img', 'config', 'checkpoint'])
def test_demo_missing_inputs(m0_checkpoint, tmp_path, capsys, which):
    img_path = str(tmp_path / 'in.png')
    cv2.imwrite(img_path, np.zeros((64, 48, 3), np.uint8))
    paths = dict(img=img_path, config=SYNTHETIC_CONFIG,
                 checkpoint=m0_checkpoint)
    paths[which] = str(tmp_path / f'no_{which}')
    out = str(tmp_path / 'out.png')
    assert _demo().main([paths['img'], paths['config'], paths['checkpoint'],
                         '--out-file', out]) == 2
    assert f'no_{which}' in capsys.readouterr().err
    assert not osp.exists(out)
