"""tools/analysis/seg_resolution_ceiling.py: the best mIoU logits at a
given input size and output stride can reach."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from tests.helpers.tools import REPO

pytestmark = pytest.mark.slow  # runs the tools

TOOL = osp.join(REPO, 'tools', 'analysis', 'seg_resolution_ceiling.py')


def _tool():
    spec = importlib.util.spec_from_file_location('ceiling', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scene():
    """64x128 labels: class 0 left half, class 1 right half, a 2-pixel
    wide class-2 bar and an ignored corner; classes 3+ absent."""
    lab = np.zeros((64, 128), np.uint8)
    lab[:, 64:] = 1
    lab[8:56, 30:32] = 2
    lab[:4, :4] = 255
    return lab


def test_full_resolution_stride_one_is_perfect():
    iou = _tool().ceiling_iou([_scene()], height=64, stride=1,
                              num_classes=4)
    np.testing.assert_allclose(iou[:3], 1.0)
    assert np.isnan(iou[3])  # absent everywhere: left out of the mean


def test_coarse_logits_lose_thin_classes_first():
    tool = _tool()
    coarse = tool.ceiling_iou([_scene()], height=32, stride=8,
                              num_classes=3)
    fine = tool.ceiling_iou([_scene()], height=64, stride=2, num_classes=3)
    # the bar is 2 of 128 columns: invisible on a 16-column grid
    assert coarse[2] < 0.5 <= fine[2]
    assert coarse[1] > 0.9  # the halves survive any grid
    assert np.nanmean(coarse) < np.nanmean(fine) <= 1.0


def test_cli_reads_the_cityscapes_layout(tmp_path, capsys):
    folder = tmp_path / 'gtFine' / 'val' / 'bonn'
    os.makedirs(folder)
    Image.fromarray(_scene()).save(
        folder / 'bonn_000000_000019_gtFine_labelTrainIds.png')
    result = _tool().main([str(tmp_path), '--heights', '16', '64',
                           '--stride', '2', '--num-classes', '3'])
    assert set(result) == {16, 64} and result[16] < result[64] <= 100.0
    assert 'ceiling mIoU' in capsys.readouterr().out


def test_cli_names_a_missing_layout(tmp_path):
    with pytest.raises(SystemExit, match='gtFine.*val.*Cityscapes layout'):
        _tool().main([str(tmp_path)])
    with pytest.raises(ValueError, match='height'):
        _tool().ceiling_iou([_scene()], height=4, stride=8)
