import pytest
import torch
from mmengine.registry import DefaultScope

from tests.helpers.tools import REPO, SHARED_DATA


@pytest.fixture(autouse=True)
def _restore_default_scope():
    # Runners, init_model and init_default_scope create global DefaultScope
    # instances; the newest one decides where every later build looks, so a
    # scope left behind by one test would break registry look-ups in others
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


@pytest.fixture(autouse=True)
def _restore_determinism_flag():
    yield
    # a config's randomness.deterministic switches this on process-wide
    torch.use_deterministic_algorithms(False)


@pytest.fixture
def repo_root():
    return REPO


@pytest.fixture
def shared_data():
    return SHARED_DATA
