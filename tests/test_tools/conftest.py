"""Generated data sets and reference runs shared by the tool tests (one of
each per session)."""
import pytest

from benchmarks.tiny_runs import TOOL_ENV, write_config
from micronet_mm.datasets import (
    generate_synthetic_cityscapes,
    generate_synthetic_coco_keypoints,
)
from tests.helpers.tools import run_tool
from tests.helpers.training import write_two_class_folder


@pytest.fixture(scope='session')
def seg_data(tmp_path_factory):
    """16 train + 4 val generated street scenes of 64x128."""
    root = tmp_path_factory.mktemp('survive_seg') / 'synthetic_cityscapes'
    generate_synthetic_cityscapes(str(root), num_train=16, num_val=4,
                                  image_size=(64, 128), seed=0)
    return str(root)


@pytest.fixture(scope='session')
def pose_data(tmp_path_factory):
    """16 train + 4 val generated COCO-keypoint images of 96x96."""
    root = tmp_path_factory.mktemp('survive_pose') / 'coco_keypoints'
    generate_synthetic_coco_keypoints(root, num_train=16, num_val=4,
                                      image_size=(96, 96), seed=0,
                                      max_people=2)
    return str(root)


@pytest.fixture(scope='session')
def cls_data(tmp_path_factory):
    """A two-class image folder (8 train, 4 val images of 40x48)."""
    return write_two_class_folder(tmp_path_factory.mktemp('survive_cls'),
                                  (40, 48))


@pytest.fixture(scope='session')
def seg_reference(tmp_path_factory, seg_data):
    """An uninterrupted deterministic seg run: 8 iterations, a checkpoint
    after each, validation after 4 and 8. Returns (config, work dir)."""
    folder = tmp_path_factory.mktemp('seg_reference')
    config = write_config(folder, 'seg', seg_data)
    work = folder / 'work'
    run_tool('tools/train.py', config, '--work-dir', str(work),
             env=TOOL_ENV)
    return config, work


@pytest.fixture(scope='session')
def pose_reference(tmp_path_factory, pose_data):
    """An uninterrupted deterministic pose run: 3 epochs of 4 iterations,
    one persistent data loader worker. Returns (config, work dir)."""
    folder = tmp_path_factory.mktemp('pose_reference')
    config = write_config(folder, 'pose', pose_data, workers=1)
    work = folder / 'work'
    run_tool('tools/train.py', config, '--work-dir', str(work),
             env=TOOL_ENV)
    return config, work
