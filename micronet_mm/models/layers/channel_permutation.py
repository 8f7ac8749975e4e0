"""Channel shuffles and general channel permutations.

MicroNet interleaves grouped convolutions with channel shuffles. A shuffle with
``g`` groups views the channels as ``(g, C // g)`` and transposes them, so
``out[k * g + j] = in[j * (C // g) + k]``. The released models apply up to two
shuffles back to back; composing them into one permutation is exact and costs
one pass over memory instead of two.
"""
from typing import Sequence

import torch
from torch import nn


def shuffle_permutation(channels: int, groups: int) -> torch.Tensor:
    """Index ``p`` such that ``x[:, p]`` is the ``groups``-way shuffle.

    Args:
        channels (int): Number of channels ``C``; must be divisible by
            ``groups``.
        groups (int): Number of groups ``g``.

    Returns:
        torch.Tensor: Long tensor of shape ``(C,)``.
    """
    if groups <= 0 or channels % groups:
        raise ValueError(f'cannot shuffle {channels} channels in {groups} '
                         'groups: channels must be a positive multiple of '
                         'groups')
    return torch.arange(channels).view(groups, channels // groups).t().reshape(
        -1)


def compose_shuffles(channels: int, groups: Sequence[int]) -> torch.Tensor:
    """Single permutation equal to the shuffles ``groups`` applied in order.

    Args:
        channels (int): Number of channels.
        groups (Sequence[int]): Group counts of the shuffles, first applied
            first.

    Returns:
        torch.Tensor: Long tensor ``p`` of shape ``(C,)`` with
        ``x[:, p] == shuffle_g[-1](... shuffle_g[0](x))``.
    """
    perm = torch.arange(channels)
    for g in groups:
        # y = x[:, perm] then z = y[:, s]  =>  z = x[:, perm[s]]
        perm = perm[shuffle_permutation(channels, g)]
    return perm


class ChannelPermutation(nn.Module):
    """Reorder channels by a fixed permutation.

    The permutation is a non-persistent buffer: it is rebuilt from the
    architecture, follows ``.to(device)`` and is not stored in checkpoints.

    Args:
        channels (int): Number of channels.
        groups (Sequence[int]): Group counts of the channel shuffles that this
            layer performs, in order. Empty means identity.
    """

    def __init__(self, channels: int, groups: Sequence[int] = ()):
        super().__init__()
        self.channels = channels
        self.groups = tuple(int(g) for g in groups)
        self.register_buffer(
            'index', compose_shuffles(channels, self.groups), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Permute the channels of ``x`` (N, C, H, W)."""
        if not self.groups:
            return x
        return x.index_select(1, self.index)

    def extra_repr(self) -> str:
        return f'channels={self.channels}, shuffle_groups={self.groups}'
