import pytest
import torch

from micronet_mm.models.layers import (
    ChannelPermutation,
    compose_shuffles,
    shuffle_permutation,
)


def _shuffle(x, groups):
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(
        n, c, h, w)


@pytest.mark.parametrize('channels,groups', [(8, 2), (12, 3), (48, 24),
                                             (6, 6)])
def test_shuffle_permutation_matches_view_transpose(channels, groups):
    x = torch.randn(2, channels, 3, 4)
    perm = shuffle_permutation(channels, groups)
    assert torch.equal(x[:, perm], _shuffle(x, groups))


def test_compose_equals_sequential_shuffles():
    x = torch.randn(1, 48, 2, 2)
    expected = _shuffle(_shuffle(x, 12), 24)
    assert torch.equal(x[:, compose_shuffles(48, [12, 24])], expected)
    layer = ChannelPermutation(48, (12, 24))
    assert torch.equal(layer(x), expected)
    assert not torch.equal(layer.index, torch.arange(48))


def test_permutation_is_not_saved_and_identity_when_empty():
    layer = ChannelPermutation(8, ())
    x = torch.randn(1, 8, 1, 1)
    assert layer(x) is x
    assert torch.equal(layer.index, torch.arange(8))
    assert 'index' not in ChannelPermutation(8, (2, )).state_dict()


def test_bad_groups_message():
    with pytest.raises(ValueError, match='12 channels in 5 groups'):
        shuffle_permutation(12, 5)
