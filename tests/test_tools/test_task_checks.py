"""The demos and tools check configs and checkpoints as tools/train.py
does (task, arch, data), and bad command-line values give one clear
message naming the value and what to use instead."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from micronet_mm.utils.config import build_model_from_config, load_config
from tests.helpers.tools import REPO

SEG = osp.join(REPO, 'configs/seg/micronet_m0_mraspp_cityscapes.py')
SEG_M1 = osp.join(REPO, 'configs/seg/micronet_m1_mraspp_cityscapes.py')
SEG_SYNTH = osp.join(REPO,
                 'configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py')
POSE = osp.join(REPO,
            'configs/pose/micronet_m0_heatmap_synthetic-coco-256x192.py')
CLS = osp.join(REPO, 'configs/cls/micronet_m0_in1k.py')


def _module(path):
    spec = importlib.util.spec_from_file_location(
        'tool_' + osp.splitext(osp.basename(path))[0], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _checkpoint(folder, config, name, meta=True):
    """A checkpoint of ``config``'s model, with the meta tools/train.py
    saves (the config text, dataset meta, experiment name) or none."""
    model, cfg = build_model_from_config(osp.join(REPO, config))
    ckpt = dict(state_dict=model.state_dict())
    if meta:
        stem = osp.splitext(osp.basename(config))[0]
        ckpt['meta'] = dict(cfg=cfg.pretty_text,
                            experiment_name=f'{stem}_20250101_120000')
        if cfg.default_scope == 'mmseg':  # all seg configs: Cityscapes
            from mmseg.datasets import CityscapesDataset
            ckpt['meta']['dataset_meta'] = dict(CityscapesDataset.METAINFO)
    path = osp.join(str(folder), name)
    torch.save(ckpt, path)
    return path


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    folder = tmp_path_factory.mktemp('ckpts')
    return dict(
        seg=_checkpoint(folder, SEG, 'seg.pth'),
        seg_m1=_checkpoint(folder, SEG_M1, 'seg_m1.pth'),
        synth=_checkpoint(folder, SEG_SYNTH, 'synth.pth'),
        synth_bare=_checkpoint(folder, SEG_SYNTH, 'bare.pth', meta=False),
        pose=_checkpoint(folder, POSE, 'pose.pth'))


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('img') / 'street.png')
    rng = np.random.default_rng(0)
    cv2.imwrite(path, rng.integers(0, 255, (128, 256, 3), dtype=np.uint8))
    return path


def _seg_demo(capsys, *args):
    code = _module('demo/seg_demo.py').main([str(a) for a in args])
    return code, capsys.readouterr()


def _pose_demo(capsys, *args):
    code = _module('demo/pose_demo.py').main([str(a) for a in args])
    return code, capsys.readouterr()


@pytest.mark.parametrize('config,words', [
    (POSE, 'is a pose estimation (mmpose) config, but segmentation '
     'inference needs a segmentation (mmseg) config (configs/seg/); run '
     'pose estimation models with demo/pose_demo.py'),
    (CLS, 'is a classification (mmpretrain) config, but segmentation '
     'inference needs a segmentation (mmseg) config'),
])
def test_seg_demo_refuses_other_task_configs(capsys, tmp_path, ckpts, image,
                                             config, words):
    code, out = _seg_demo(capsys, image, config, ckpts['seg'], '--out-file',
                          tmp_path / 'o.png')
    assert code == 2 and words in out.err, out.err
    assert 'Traceback' not in out.err and not (tmp_path / 'o.png').exists()


def test_pose_demo_refuses_a_seg_config_and_checkpoint(capsys, tmp_path,
                                                       ckpts, image):
    code, out = _pose_demo(capsys, image, SEG, ckpts['seg'], '--out-file',
                           tmp_path / 'o.png')
    assert code == 2
    assert 'is a segmentation (mmseg) config, but pose inference needs a ' \
        'pose estimation (mmpose) config' in out.err
    assert 'demo/seg_demo.py' in out.err
    code, out = _pose_demo(capsys, image, POSE, ckpts['seg'], '--out-file',
                           tmp_path / 'o.png')
    assert code == 2
    assert f"checkpoint {ckpts['seg']} is a segmentation (mmseg) " \
        'checkpoint, but the config is a pose estimation (mmpose)' in out.err
    assert 'run this one with demo/seg_demo.py' in out.err
    assert 'micronet_m0_mraspp_cityscapes.py' in out.err
    assert not (tmp_path / 'o.png').exists()


def test_seg_demo_refuses_checkpoints_of_another_task_or_arch(
        capsys, tmp_path, ckpts, image):
    code, out = _seg_demo(capsys, image, SEG, ckpts['pose'], '--out-file',
                          tmp_path / 'o.png')
    assert code == 2
    assert 'is a pose estimation (mmpose) checkpoint' in out.err
    assert 'run this one with demo/pose_demo.py' in out.err
    code, out = _seg_demo(capsys, image, SEG, ckpts['seg_m1'], '--out-file',
                          tmp_path / 'o.png')
    assert code == 2
    assert 'does not fit the model of' in out.err
    assert 'trained with micronet_m1_mraspp_cityscapes.py' in out.err
    assert 'tensors differ in shape' in out.err


def test_seg_demo_refuses_a_synthetic_checkpoint_with_cityscapes_config(
        capsys, tmp_path, ckpts, image):
    code, out = _seg_demo(capsys, image, SEG, ckpts['synth'], '--out-file',
                          tmp_path / 'o.png')
    assert code == 2
    assert "was trained on data/synthetic_cityscapes/ with 128x256 " \
        'inputs (trained with micronet_m0_mraspp_synthetic-cityscapes.py)' \
        in out.err
    assert 'is for data/cityscapes/ at 1024x2048' in out.err
    assert 'Use the config it was trained with' in out.err


def test_seg_demo_runs_a_checkpoint_without_meta(capsys, tmp_path, ckpts,
                                                 image):
    out_file = tmp_path / 'new' / 'o.png'  # a folder that does not exist
    code, out = _seg_demo(capsys, image, SEG_SYNTH, ckpts['synth_bare'],
                          '--out-file', out_file)
    assert code == 0, out.err
    assert 'has no meta (class names, palette): using those of the ' \
        'dataset' in out.out
    assert out_file.is_file()
    # the matching checkpoint with meta runs too
    code, out = _seg_demo(capsys, image, SEG_SYNTH, ckpts['synth'],
                          '--out-file', tmp_path / 'o2.png')
    assert code == 0 and 'no meta' not in out.out


def test_export_refuses_a_checkpoint_of_another_task(tmp_path, ckpts):
    with pytest.raises(SystemExit) as err:
        _module('tools/deploy/export_onnx.py').main(
            [CLS, ckpts['seg'], '--out', str(tmp_path / 'x.onnx')])
    assert 'is a segmentation (mmseg) checkpoint, but the config is a ' \
        'classification (mmpretrain) config' in str(err.value.code)
    assert not (tmp_path / 'x.onnx').exists()


@pytest.mark.parametrize('option,words', [
    ('model.decode_head.channels',
     "--cfg-options 'model.decode_head.channels': expected KEY=VALUE"),
    ('model.decode_head.channels=abc',
     '--cfg-options model.decode_head.channels=abc: expected a number '
     "(int) like the config's value 192, got the text 'abc'"),
    ('model.decode_head.align_corners=yes', 'expected True or False'),
])
def test_cfg_options_mistakes(option, words):
    with pytest.raises(ValueError) as err:
        load_config(osp.join(REPO, SEG), [option])
    assert words in str(err.value)
    # a valid value of another type, and a new key, still work
    cfg = load_config(osp.join(REPO, SEG), [
        'model.decode_head.channels=64', 'train_cfg.max_iters=7',
        'brand_new_key=abc'])
    assert cfg.model.decode_head.channels == 64
    assert cfg.brand_new_key == 'abc'


def test_cfg_options_mistake_through_train_tool(tmp_path):
    with pytest.raises(SystemExit) as err:
        _module('tools/train.py').main([
            SEG, '--work-dir', str(tmp_path), '--cfg-options',
            'model.decode_head.channels'])
    assert str(err.value.code).startswith(
        "train: --cfg-options 'model.decode_head.channels': expected "
        'KEY=VALUE')


def test_get_flops_negative_shape():
    with pytest.raises(SystemExit) as err:
        _module('tools/analysis/get_flops.py').main(
            [CLS, '--shape', '-5', '10'])
    assert str(err.value.code) == ('get_flops: --shape H W must be positive '
                                   'integers, got -5 10')


def test_export_onnx_low_opset(capsys, tmp_path):
    with pytest.raises(SystemExit) as err:
        _module('tools/deploy/export_onnx.py').main(
            [CLS, '--out', str(tmp_path / 'x.onnx'), '--opset', '9'])
    assert err.value.code == 2
    assert '--opset must be 11 or higher' in capsys.readouterr().err


def test_model_table_missing_readme_fails_before_counting(monkeypatch,
                                                         tmp_path):
    tool = _module('tools/analysis/model_table.py')

    def no_table():
        raise AssertionError('the table was computed')

    monkeypatch.setattr(tool, 'build_table', no_table)
    with pytest.raises(SystemExit) as err:
        tool.main(['--readme', str(tmp_path / 'missing.md')])
    assert 'missing.md' in str(err.value.code)
    assert 'No such file' in str(err.value.code)
    (tmp_path / 'plain.md').write_text('no markers here\n')
    with pytest.raises(SystemExit) as err:
        tool.main(['--readme', str(tmp_path / 'plain.md'), '--check'])
    assert 'no <!-- model-table:start -->' in str(err.value.code)


def test_zero_size_box_names_the_option():
    from micronet_mm.apis import check_bboxes
    with pytest.raises(ValueError) as err:
        check_bboxes([[10, 10, 5, 5]], (100, 100), 'xyxy')
    assert '--bbox-format' in str(err.value)


def test_seg_resolution_ceiling_help(capsys):
    tool = _module('tools/analysis/seg_resolution_ceiling.py')
    with pytest.raises(SystemExit):
        tool.main(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert 'measured on a dataset\'s label maps.' in text
    for words in ('data set in the Cityscapes layout', 'gtFine split to '
                  'read', 'network input heights to score', 'output stride '
                  'of the logits', 'number of classes', 'label value left '
                  'out of the score'):
        assert words in text, words
    with pytest.raises(SystemExit) as err:
        tool.main(['somewhere', '--heights', '4', '--stride', '8'])
    assert err.value.code == 2
    assert 'need --heights >= --stride' in capsys.readouterr().err

