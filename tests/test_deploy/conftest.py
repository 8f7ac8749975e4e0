import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    """The deploy tests run many small forwards: one intra-op thread avoids
    oversubscription on shared CI machines (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
