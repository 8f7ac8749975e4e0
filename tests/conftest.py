import pytest

from tests.helpers.tools import REPO, SHARED_DATA


@pytest.fixture
def repo_root():
    return REPO


@pytest.fixture
def shared_data():
    return SHARED_DATA
