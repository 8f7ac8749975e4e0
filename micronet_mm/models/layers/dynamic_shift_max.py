"""Dynamic Shift-Max and its static ablation.

Dynamic Shift-Max (DSM) fuses every channel with ``J - 1`` circularly shifted
partners from other channel groups and takes the maximum over ``K`` such
fusions::

    y_c = max_k  sum_j  a[k, j, c](x) * x[shift_j(c)]

The coefficients ``a`` come from a hyper-function of the whole input (global
average pool, two linear layers, as in SE and Dynamic ReLU). With ``J = 1``
it is Dynamic ReLU without intercepts; with ``J = 2`` each channel also sees
one channel of the next group, which raises the connectivity between the
groups of the surrounding grouped convolutions.

Behaviour matched to the released MicroNet weights:

* the shift moves to the next group *and* rotates by one channel inside the
  group: ``shift(c) = ((i + 1) % G) * (C // G) + (r + 1) % (C // G)`` for
  ``c = i * (C // G) + r``; shift ``j`` applies it ``j`` times;
* the hyper-function's outputs pass through ``h_sigmoid`` and are rescaled to
  ``[-coef_range, coef_range]`` before the per-(k, j) offsets are added;
* coefficients are laid out ``k``-major: ``(a[0, 0], a[0, 1], a[1, 0], ...)``,
  each ``C`` long (the official ``a1, b1, a2, b2``).
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn


def make_divisible(value: float, divisor: int = 4, min_ratio: float = 0.9):
    """Round ``value`` to a multiple of ``divisor`` (at least ``divisor``),
    never going below ``min_ratio`` of it."""
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new_value < min_ratio * value:
        new_value += divisor
    return new_value


def group_shift_index(channels: int, groups: int, shift: int = 1):
    """Channel index of the ``shift``-th group shift.

    Args:
        channels (int): Number of channels ``C``.
        groups (int): Number of groups ``G``; must divide ``C``.
        shift (int): How many times to apply the one-group shift.

    Returns:
        torch.Tensor: Long tensor ``idx`` of shape ``(C,)``; the shifted map
        is ``x[:, idx]``.
    """
    if groups <= 0 or channels % groups:
        raise ValueError(f'Dynamic Shift-Max needs channels ({channels}) '
                         f'divisible by groups ({groups})')
    per_group = channels // groups
    grid = torch.arange(channels).view(groups, per_group)
    # roll by -shift on both axes == next group, next channel within group
    return torch.roll(grid, shifts=(-shift, -shift), dims=(0, 1)).reshape(-1)


def _expand_offsets(values: Sequence[float], num_fusions: int, name: str):
    values = tuple(float(v) for v in values)
    if len(values) < num_fusions:
        raise ValueError(f'{name} needs one value per fusion (K='
                         f'{num_fusions}), got {values}')
    return values[:num_fusions]


class _ShiftMaxBase(BaseModule):
    """Shared shift index, coefficient offsets and fusion of the two
    Shift-Max variants."""

    def __init__(self,
                 channels: int,
                 groups: int,
                 num_fusions: int = 2,
                 num_shifts: int = 2,
                 init_a: Sequence[float] = (1.0, 0.0),
                 init_b: Sequence[float] = (0.0, 0.0),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_fusions < 1 or num_shifts < 1:
            raise ValueError('num_fusions (K) and num_shifts (J) must be >= '
                             f'1, got K={num_fusions}, J={num_shifts}')
        self.channels = channels
        self.groups = groups
        self.num_fusions = num_fusions
        self.num_shifts = num_shifts
        init_a = _expand_offsets(init_a, num_fusions, 'init_a')
        init_b = _expand_offsets(init_b, num_fusions, 'init_b')
        # offset of a[k, 0] is init_a[k]; of every shifted term, init_b[k]
        offsets = torch.tensor([[init_a[k]] + [init_b[k]] * (num_shifts - 1)
                                for k in range(num_fusions)])
        self.register_buffer(
            'coef_offset', offsets.view(1, num_fusions, num_shifts, 1, 1, 1),
            persistent=False)
        for j in range(1, num_shifts):
            self.register_buffer(
                f'shift_index{j}',
                group_shift_index(channels, groups, j),
                persistent=False)

    @property
    def num_coefficients(self) -> int:
        return self.num_fusions * self.num_shifts * self.channels

    def shifted_inputs(self, x: torch.Tensor):
        """``[x, shift_1(x), ..., shift_{J-1}(x)]``."""
        return [x] + [
            x.index_select(1, getattr(self, f'shift_index{j}'))
            for j in range(1, self.num_shifts)
        ]

    def fuse(self, x: torch.Tensor, coefs: torch.Tensor) -> torch.Tensor:
        """Max over K of the coefficient-weighted sums of the shifts.

        Args:
            x (Tensor): Input of shape (N, C, H, W).
            coefs (Tensor): Coefficients broadcastable to
                (N, K, J, C, H, W).

        Returns:
            Tensor: Output of shape (N, C, H, W).
        """
        shifts = self.shifted_inputs(x)
        out = None
        for k in range(self.num_fusions):
            fused = coefs[:, k, 0] * shifts[0]
            for j in range(1, self.num_shifts):
                fused = fused + coefs[:, k, j] * shifts[j]
            out = fused if out is None else torch.maximum(out, fused)
        return out

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, groups={self.groups}, '
                f'K={self.num_fusions}, J={self.num_shifts}')


class SpatialAttention(nn.Module):
    """Dynamic ReLU's spatial attention: ``min(HW * softmax(BN(conv(x))) / 3,
    1)`` over all positions, one map shared by the channels.

    Args:
        channels (int): Input channels.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1)
        self.bn = nn.BatchNorm2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        logits = self.bn(self.conv(x)).flatten(1)
        attention = F.softmax(logits, dim=1) * (h * w / 3.0)
        return attention.clamp(max=1.0).view(n, 1, h, w)


class DynamicShiftMax(_ShiftMaxBase):
    """Dynamic Shift-Max activation.

    Args:
        channels (int): Number of input/output channels ``C``.
        groups (int): Number of channel groups ``G`` the shift moves across.
        num_fusions (int): ``K``, the number of fusions the max runs over.
            Defaults to 2.
        num_shifts (int): ``J``, the input plus ``J - 1`` group shifts.
            ``J = 1`` gives Dynamic ReLU. Defaults to 2.
        reduction (int): Squeeze ratio of the hyper-function; the hidden
            width is ``make_divisible(C // reduction, 4)``. Defaults to 4.
        init_a (Sequence[float]): Offset added to each fusion's unshifted
            coefficient ``a[k, 0]``. Defaults to (1.0, 0.0).
        init_b (Sequence[float]): Offset added to each fusion's shifted
            coefficients ``a[k, j>0]``. Defaults to (0.0, 0.0).
        coef_range (float): Dynamic part of each coefficient lies in
            ``[-coef_range, coef_range]``. Defaults to 2.0.
        spatial_attention (bool): Scale the output by Dynamic ReLU's spatial
            attention map. Defaults to False.
        init_cfg (dict, optional): Initialization config.

    Shape:
        Input (N, C, H, W), output (N, C, H, W).
    """

    def __init__(self,
                 channels: int,
                 groups: int,
                 num_fusions: int = 2,
                 num_shifts: int = 2,
                 reduction: int = 4,
                 init_a: Sequence[float] = (1.0, 0.0),
                 init_b: Sequence[float] = (0.0, 0.0),
                 coef_range: float = 2.0,
                 spatial_attention: bool = False,
                 init_cfg=None):
        super().__init__(channels, groups, num_fusions, num_shifts, init_a,
                         init_b, init_cfg)
        self.reduction = reduction
        self.coef_range = float(coef_range)
        squeeze = make_divisible(channels // reduction, 4)
        self.fc = nn.Sequential(
            nn.Linear(channels, squeeze), nn.ReLU(inplace=True),
            nn.Linear(squeeze, self.num_coefficients))
        self.spatial = SpatialAttention(channels) \
            if spatial_attention else None

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample coefficients of shape (N, K, J, C, 1, 1)."""
        z = self.fc(x.mean((2, 3)))
        # (h_sigmoid(z) - 0.5) * 2 * range == clamp(z, -3, 3) * range / 3
        z = torch.clamp(z, -3.0, 3.0) * (self.coef_range / 3.0)
        z = z.view(-1, self.num_fusions, self.num_shifts, self.channels, 1, 1)
        return z + self.coef_offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fuse(x, self.coefficients(x))
        if self.spatial is not None:
            out = out * self.spatial(x)
        return out


class StaticShiftMax(_ShiftMaxBase):
    """Shift-Max with learned, input-independent coefficients (ablation).

    Same shift and max as :class:`DynamicShiftMax` but the coefficients are
    plain parameters initialised to the offsets, so it starts as the same
    function as a freshly initialised Dynamic Shift-Max. Extra keyword
    arguments of the dynamic variant (``reduction``, ``coef_range``) are
    accepted and ignored so the two are interchangeable in configs.

    Args:
        channels (int): Number of channels.
        groups (int): Number of channel groups.
        num_fusions (int): ``K``. Defaults to 2.
        num_shifts (int): ``J``. Defaults to 2.
        init_a (Sequence[float]): See :class:`DynamicShiftMax`.
        init_b (Sequence[float]): See :class:`DynamicShiftMax`.
    """

    def __init__(self,
                 channels: int,
                 groups: int,
                 num_fusions: int = 2,
                 num_shifts: int = 2,
                 init_a: Sequence[float] = (1.0, 0.0),
                 init_b: Sequence[float] = (0.0, 0.0),
                 reduction: int = 4,
                 coef_range: float = 2.0,
                 spatial_attention: bool = False,
                 init_cfg=None):
        super().__init__(channels, groups, num_fusions, num_shifts, init_a,
                         init_b, init_cfg)
        if spatial_attention:
            raise ValueError('StaticShiftMax has no spatial attention; use '
                             'DynamicShiftMax(spatial_attention=True)')
        self.weight = nn.Parameter(
            torch.zeros(num_fusions, num_shifts, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coefs = self.weight.unsqueeze(0) + self.coef_offset
        return self.fuse(x, coefs)
