"""Shared fixtures of the pose tests: a small generated COCO-keypoint set
and an untrained MicroNet-M0 checkpoint."""
import os.path as osp

import pytest
import torch

from micronet_mm.datasets.synthetic.coco_keypoints import (
    generate_synthetic_coco_keypoints,
)
from tests.helpers.tools import REPO

M0_CONFIG = osp.join(REPO, 'configs/pose/micronet_m0_heatmap_coco-256x192.py')
SYNTHETIC_CONFIG = osp.join(
    REPO, 'configs/pose/micronet_m0_heatmap_synthetic-coco-256x192.py')


@pytest.fixture(scope='session')
def tiny_coco_kpt(tmp_path_factory):
    """8 train / 4 val images of 192x192, 1-3 people each."""
    root = tmp_path_factory.mktemp('pose_data') / 'synthetic_coco_keypoints'
    generate_synthetic_coco_keypoints(
        root, num_train=8, num_val=4, image_size=(192, 192), seed=3)
    return str(root)


@pytest.fixture(scope='session')
def m0_checkpoint(tmp_path_factory):
    """An mmengine-style checkpoint of a freshly initialised M0 model
    (BN statistics randomised so that eval mode is not the identity)."""
    from micronet_mm.utils.config import build_model_from_config
    from micronet_mm.utils.numerics import randomize_batchnorm
    torch.manual_seed(0)
    model, _ = build_model_from_config(SYNTHETIC_CONFIG)
    model.init_weights()
    randomize_batchnorm(model)
    path = tmp_path_factory.mktemp('pose_ckpt') / 'm0_init.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run the pose tests on one thread: on a busy 2-core machine two
    OpenMP threads made these convolutions several times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
