import pytest

from micronet_mm.datasets import generate_synthetic_cityscapes


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """A small generated Cityscapes-format set: 16 train + 3 val images of
    128x256 (about 3 s to generate)."""
    root = tmp_path_factory.mktemp('seg') / 'synthetic_cityscapes'
    generate_synthetic_cityscapes(str(root), num_train=16, num_val=3,
                                  image_size=(128, 256), seed=0)
    return root
