"""Atomic writes keep the permissions of an ordinary write (the umask) for
every kind of file the project writes, and create missing folders."""
import glob
import importlib.util
import os
import os.path as osp
import stat

import numpy as np
import pytest
import torch

from micronet_mm.utils.fileio import atomic_write, atomic_write_text
from tests.helpers.tools import REPO


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o077], ids=['umask022', 'umask077'])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _tool(path):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_atomic_write_keeps_umask_and_creates_folders(tmp_path, umask):
    path = tmp_path / 'new' / 'deeper' / 'file.txt'
    atomic_write_text(str(path), 'one')
    assert path.read_text() == 'one'
    assert _mode(path) == 0o666 & ~umask
    with atomic_write(str(path)) as tmp:
        with open(tmp, 'wb') as f:  # a writer that truncates by name
            f.write(b'two')
    assert path.read_text() == 'two' and _mode(path) == 0o666 & ~umask
    assert os.listdir(path.parent) == ['file.txt']


def test_failed_atomic_write_keeps_the_old_file(tmp_path):
    path = tmp_path / 'file.txt'
    path.write_text('old')
    with pytest.raises(RuntimeError, match='writer died'):
        with atomic_write(str(path)) as tmp:
            with open(tmp, 'w') as f:
                f.write('half')
            raise RuntimeError('writer died')
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['file.txt']


def test_project_outputs_keep_umask(tmp_path, umask):
    expected = 0o666 & ~umask
    # ONNX export (into a folder that does not exist yet)
    from micronet_mm.deploy.export import export_onnx
    onnx = tmp_path / 'exports' / 'conv.onnx'
    export_onnx(torch.nn.Conv2d(3, 4, 3), str(onnx), (32, 32))
    # converted weights
    converted = tmp_path / 'converted.pth'
    _tool('tools/model_converters/official2mm.py').write_atomically(
        dict(state_dict={}), str(converted), force=False)
    # a demo drawing
    from micronet_mm.utils.image_io import write_rgb_image
    drawing = tmp_path / 'drawing.png'
    write_rgb_image(str(drawing), np.zeros((8, 8, 3), np.uint8))
    # generated data sets: their summaries and annotation files
    from micronet_mm.datasets.synthetic.cityscapes import (
        SUMMARY_FILE,
        generate_synthetic_cityscapes,
    )
    seg_root = tmp_path / 'seg'
    generate_synthetic_cityscapes(str(seg_root), num_train=1, num_val=1,
                                  image_size=(32, 64))
    from micronet_mm.datasets.synthetic.coco_keypoints import (
        generate_synthetic_coco_keypoints,
    )
    pose_root = tmp_path / 'pose'
    generate_synthetic_coco_keypoints(str(pose_root), num_train=1,
                                      num_val=1, image_size=(96, 96))
    written = [onnx, converted, drawing, seg_root / SUMMARY_FILE]
    written += glob.glob(str(pose_root / 'annotations' / '*.json'))
    assert len(written) > 4
    assert {str(p): oct(_mode(p)) for p in written} == {
        str(p): oct(expected) for p in written}
