"""Independent re-implementation of the official MicroNet classifier.

This module is used only by the test-suite as the "official model": the
official checkpoints cannot be downloaded in CI, so tests build a random
state_dict in the official key layout (:func:`random_official_state_dict`),
run it through this reference (:func:`build_official_micronet`), convert it
with the project converter, and compare the logits of both models.

It deliberately imports nothing from ``micronet_mm``: a shared bug would
otherwise go unnoticed. The semantics follow the official repository
``liyunsheng13/micronet`` (commit ``ed89b26``, files ``backbone/micronet.py``,
``backbone/activation.py``, ``backbone/microconfig.py`` and the
``scripts/eval_micronet_m*.sh`` options), re-written from scratch around a
single row builder driven by the configuration tables below.

The ``state_dict`` keys and shapes equal the official model's exactly::

    features.0.stem.0.conv.{0,1,2,3}.*   stem: 3x1 conv, BN, 1x3 conv, BN
    features.{i}.layers.{j}.conv.{k}.*   convs / BNs of row i
    features.{i}.layers.{j}.fc.{0,2}.*   Dynamic Shift-Max hyper-function
    classifier.{0,2}.linear.{0,1}.*      Linear + BatchNorm1d

The shift indices of Dynamic Shift-Max are non-persistent buffers, so they
are not part of the ``state_dict`` (the official code does not store them
either).
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

#: Column names of one configuration row (``backbone/microconfig.py``).
ROW_FIELDS = ('s', 'n', 'c', 'ks', 'c1', 'c2', 'g1', 'g2', 'c3', 'g3', 'g4',
              'y1', 'y2', 'y3', 'r')

# Settings shared by every released model (scripts/eval_micronet_m*.sh):
# ACT_MAX 2.0, REDUCTION 8, INIT_A_BLOCK3 (1.0, 0.0), SHUFFLE True,
# DEPTHSEP True, POINTWISE group, STEM_MODE spatialsepsf, BLOCK DYMicroBlock.
_SHARED = dict(act_max=2.0, reduction=8, init_ab_k1=(1.0, 0.0))

# yapf: disable
OFFICIAL_CONFIGS = {
    'official-m0': dict(
        _SHARED, net_config='msnx_dy6_exp4_4M_221', budget='4M',
        stem_groups=(2, 2), out_channels=640, dropout=0.05,
        init_a=(1.0, 1.0), init_b=(0.0, 0.0), num_params=1_019_590,
        rows=(
            # s  n    c ks c1 c2  g1  g2  c3  g3  g4 y1 y2 y3  r
            (2, 1,   8, 3, 2, 2,  0,  4,   8,  2,  2, 2, 0, 1, 1),
            (2, 1,  12, 3, 2, 2,  0,  8,  12,  4,  4, 2, 2, 1, 1),
            (2, 1,  16, 5, 2, 2,  0, 12,  16,  4,  4, 2, 2, 1, 1),
            (1, 1,  32, 5, 1, 4,  4,  4,  32,  4,  4, 2, 2, 1, 1),
            (2, 1,  64, 5, 1, 4,  8,  8,  64,  8,  8, 2, 2, 1, 1),
            (1, 1,  96, 3, 1, 4,  8,  8,  96,  8,  8, 2, 2, 1, 2),
            (1, 1, 384, 3, 1, 4, 12, 12,   0,  0,  0, 2, 2, 1, 2),
        )),
    'official-m1': dict(
        _SHARED, net_config='msnx_dy6_exp6_6M_221', budget='6M',
        stem_groups=(3, 2), out_channels=960, dropout=0.05,
        init_a=(1.0, 1.0), init_b=(0.0, 0.0), num_params=1_777_587,
        rows=(
            (2, 1,   8, 3, 2, 2,  0,  6,   8,  2,  2, 2, 0, 1, 1),
            (2, 1,  16, 3, 2, 2,  0,  8,  16,  4,  4, 2, 2, 1, 1),
            (2, 1,  16, 5, 2, 2,  0, 16,  16,  4,  4, 2, 2, 1, 1),
            (1, 1,  32, 5, 1, 6,  4,  4,  32,  4,  4, 2, 2, 1, 1),
            (2, 1,  64, 5, 1, 6,  8,  8,  64,  8,  8, 2, 2, 1, 1),
            (1, 1,  96, 3, 1, 6,  8,  8,  96,  8,  8, 2, 2, 1, 2),
            (1, 1, 576, 3, 1, 6, 12, 12,   0,  0,  0, 2, 2, 1, 2),
        )),
    'official-m2': dict(
        _SHARED, net_config='msnx_dy9_exp6_12M_221', budget='12M',
        stem_groups=(4, 2), out_channels=1024, dropout=0.1,
        init_a=(1.0, 1.0), init_b=(0.0, 0.0), num_params=2_393_876,
        rows=(
            (2, 1,  12, 3, 2, 2,  0,  8,  12,  4,  4, 2, 0, 1, 1),
            (2, 1,  16, 3, 2, 2,  0, 12,  16,  4,  4, 2, 2, 1, 1),
            (1, 1,  24, 3, 2, 2,  0, 16,  24,  4,  4, 2, 2, 1, 1),
            (2, 1,  32, 5, 1, 6,  6,  6,  32,  4,  4, 2, 2, 1, 1),
            (1, 1,  32, 5, 1, 6,  8,  8,  32,  4,  4, 2, 2, 1, 2),
            (1, 1,  64, 5, 1, 6,  8,  8,  64,  8,  8, 2, 2, 1, 2),
            (2, 1,  96, 5, 1, 6,  8,  8,  96,  8,  8, 2, 2, 1, 2),
            (1, 1, 128, 3, 1, 6, 12, 12, 128,  8,  8, 2, 2, 1, 2),
            (1, 1, 768, 3, 1, 6, 16, 16,   0,  0,  0, 2, 2, 1, 2),
        )),
    'official-m3': dict(
        _SHARED, net_config='msnx_dy12_exp6_20M_020', budget='21M',
        stem_groups=(4, 3), out_channels=1024, dropout=0.1,
        init_a=(1.0, 0.5), init_b=(0.0, 0.5), num_params=2_622_960,
        rows=(
            (2, 1,  16, 3, 2, 2,  0, 12,  16,  4,  4, 0, 2, 0, 1),
            (2, 1,  24, 3, 2, 2,  0, 16,  24,  4,  4, 0, 2, 0, 1),
            (1, 1,  24, 3, 2, 2,  0, 24,  24,  4,  4, 0, 2, 0, 1),
            (2, 1,  32, 5, 1, 6,  6,  6,  32,  4,  4, 0, 2, 0, 1),
            (1, 1,  32, 5, 1, 6,  8,  8,  32,  4,  4, 0, 2, 0, 2),
            (1, 1,  64, 5, 1, 6,  8,  8,  48,  8,  8, 0, 2, 0, 2),
            (1, 1,  80, 5, 1, 6,  8,  8,  80,  8,  8, 0, 2, 0, 2),
            (1, 1,  80, 5, 1, 6, 10, 10,  80,  8,  8, 0, 2, 0, 2),
            (2, 1, 120, 5, 1, 6, 10, 10, 120, 10, 10, 0, 2, 0, 2),
            (1, 1, 120, 5, 1, 6, 12, 12, 120, 10, 10, 0, 2, 0, 2),
            (1, 1, 144, 3, 1, 6, 12, 12, 144, 12, 12, 0, 2, 0, 2),
            (1, 1, 864, 3, 1, 6, 12, 12,   0,  0,  0, 0, 2, 0, 2),
        )),
}
# yapf: enable

#: Budget (README MAdds) -> reference name, and back.
BUDGET_TO_NAME = {c['budget']: name for name, c in OFFICIAL_CONFIGS.items()}
NAME_TO_BUDGET = {name: c['budget'] for name, c in OFFICIAL_CONFIGS.items()}
#: Reference name -> official ``NET_CONFIG`` string.
NAME_TO_NET_CONFIG = {
    name: cfg['net_config']
    for name, cfg in OFFICIAL_CONFIGS.items()
}
#: Reference name -> exact parameter count of the official model.
OFFICIAL_PARAM_COUNTS = {
    name: cfg['num_params']
    for name, cfg in OFFICIAL_CONFIGS.items()
}


def get_official_config(name):
    """Return the configuration dict of a released model.

    Args:
        name (str): ``'official-m0'`` .. ``'official-m3'``, a budget
            (``'4M'``, ``'6M'``, ``'12M'``, ``'21M'``) or an official
            ``NET_CONFIG`` string such as ``'msnx_dy6_exp4_4M_221'``.

    Returns:
        dict: the entry of :data:`OFFICIAL_CONFIGS`.
    """
    if name in OFFICIAL_CONFIGS:
        return OFFICIAL_CONFIGS[name]
    if name in BUDGET_TO_NAME:
        return OFFICIAL_CONFIGS[BUDGET_TO_NAME[name]]
    for cfg in OFFICIAL_CONFIGS.values():
        if cfg['net_config'] == name:
            return cfg
    raise KeyError(f'unknown official MicroNet {name!r}; expected one of '
                   f'{sorted(OFFICIAL_CONFIGS)}, a budget in '
                   f'{sorted(BUDGET_TO_NAME)} or an official NET_CONFIG')


# ---------------------------------------------------------------------------
# Small parameter-free operators
# ---------------------------------------------------------------------------


class Shuffle(nn.Module):
    """Channel shuffle: view channels as (groups, C/groups) and transpose.

    out[k * groups + j] = in[j * (C / groups) + k].

    Args:
        groups (int): number of groups of the (groups, C/groups) view.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = int(groups)

    def forward(self, x):
        """(B, C, H, W) -> (B, C, H, W), channels permuted."""
        b, c, h, w = x.shape
        x = x.reshape(b, self.groups, c // self.groups, h, w)
        return x.transpose(1, 2).reshape(b, c, h, w)


class HardSigmoid(nn.Module):
    """ReLU6(x + 3) scaled by ``1/6``, with the two float orderings used.

    Args:
        divide (bool): compute ``relu6(x + 3) / 6`` (classifier h-swish) when
            True, ``relu6(x + 3) * (1 / 6)`` (Dynamic Shift-Max) when False.
            The two differ only in the last bit; kept for bitwise closeness.
    """

    def __init__(self, divide=False):
        super().__init__()
        self.divide = divide

    def forward(self, x):
        y = F.relu6(x + 3.0)
        return y / 6.0 if self.divide else y * (1.0 / 6.0)


class HardSwish(nn.Module):
    """x * relu6(x + 3) / 6 (the official ``h_swish``)."""

    def forward(self, x):
        return x * (F.relu6(x + 3.0) / 6.0)


class Holder(nn.Module):
    """Wraps a Sequential under the attribute name ``conv`` (key layout).

    Args:
        *mods (nn.Module): modules of the inner Sequential.
    """

    def __init__(self, *mods):
        super().__init__()
        self.conv = nn.Sequential(*mods)

    def forward(self, x):
        return self.conv(x)


class LinearBNHSwish(nn.Module):
    """Linear -> BatchNorm1d -> h-swish, stored under ``linear.{0,1}``.

    Args:
        in_features (int): input width.
        out_features (int): output width.
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Sequential(
            nn.Linear(in_features, out_features),
            nn.BatchNorm1d(out_features), HardSwish())

    def forward(self, x):
        """(B, in_features) -> (B, out_features)."""
        return self.linear(x)


# ---------------------------------------------------------------------------
# Dynamic Shift-Max
# ---------------------------------------------------------------------------


def squeeze_width(channels, reduction):
    """Hidden width of the DSM hyper-function.

    ``make_divisible(channels // reduction, 4)`` with a floor of 4, where the
    rounding goes to the nearest multiple of 4 and is bumped by 4 when it
    dropped more than 10 %.
    """
    v = channels // reduction
    width = max(4, (v + 2) // 4 * 4)
    if width < 0.9 * v:
        width += 4
    return max(width, 4)


def shift_index(channels, groups):
    """Gather index of the DSM partner channel.

    Channel ``j * gc + k`` (group j, position k, ``gc = channels // groups``)
    reads channel ``((j + 1) % groups) * gc + (k + 1) % gc``: the next group
    *and* the next position inside the group.
    """
    if channels % groups:
        raise ValueError(f'DSM: {channels} channels not divisible into '
                         f'{groups} groups')
    grid = torch.arange(channels).view(groups, channels // groups)
    return torch.roll(grid, shifts=(-1, -1), dims=(0, 1)).reshape(-1)


class DynamicShiftMax(nn.Module):
    """Dynamic Shift-Max with J = 2 and K in {1, 2}.

    The hyper-function (global average pool -> ``fc``) gives per-sample,
    per-channel residuals ``(h_sigmoid(z) - 0.5) * 2 * act_max`` in
    ``[-act_max, act_max]``, ordered ``a1, b1[, a2, b2]`` along the FC
    output; constant offsets are added before they multiply the input and its
    shifted copy.

    Args:
        channels (int): C, input = output channels.
        reduction (int): squeeze ratio of the hyper-function.
        groups (int): number of groups that define the shift partner.
        branches (int): K, 2 (max of two fusions) or 1 (one linear fusion).
        offset_a (tuple[float]): constants added to a1 (and a2).
        offset_b (tuple[float]): constants added to b1 (and b2).
        act_max (float): the residual range is ``(h_sigmoid - 0.5) *
            2 * act_max``.
    """

    def __init__(self, channels, reduction, groups, branches, offset_a,
                 offset_b, act_max):
        super().__init__()
        if branches not in (1, 2):
            raise ValueError(f'DSM branches must be 1 or 2, got {branches}')
        self.channels = channels
        self.branches = branches
        self.offset_a = tuple(float(v) for v in offset_a)
        self.offset_b = tuple(float(v) for v in offset_b)
        self.span = 2.0 * act_max
        hidden = squeeze_width(channels, reduction)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * branches * channels), HardSigmoid())
        self.register_buffer(
            'partner', shift_index(channels, groups), persistent=False)

    def forward(self, x):
        """(B, C, H, W) -> (B, C, H, W)."""
        b, c = x.shape[:2]
        coef = self.fc(F.adaptive_avg_pool2d(x, 1).view(b, c))
        coef = ((coef - 0.5) * self.span).view(b, 2 * self.branches, c, 1, 1)
        moved = x[:, self.partner]
        out = None
        for k in range(self.branches):
            a = coef[:, 2 * k] + self.offset_a[k]
            bb = coef[:, 2 * k + 1] + self.offset_b[k]
            z = x * a + moved * bb
            out = z if out is None else torch.max(out, z)
        return out


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


class Row(nn.Module):
    """One configuration row: ``layers`` plus an optional identity shortcut.

    Args:
        layers (list[nn.Module]): the slots of the row, in order.
        residual (bool): add the input to the output.
    """

    def __init__(self, layers, residual):
        super().__init__()
        self.layers = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x):
        out = self.layers(x)
        return out + x if self.residual else out


def _split_depthwise(cin, mult1, mult2, k, stride):
    """k x 1 depthwise (x mult1) + BN, then 1 x k depthwise (x mult2) + BN."""
    mid, out = cin * mult1, cin * mult1 * mult2
    return Holder(
        nn.Conv2d(cin, mid, (k, 1), (stride, 1), (k // 2, 0), groups=cin,
                  bias=False),
        nn.BatchNorm2d(mid),
        nn.Conv2d(mid, out, (1, k), (1, stride), (0, k // 2), groups=mid,
                  bias=False),
        nn.BatchNorm2d(out))


def _group_pointwise(cin, cout, groups):
    """Grouped 1x1 conv + BN."""
    return Holder(
        nn.Conv2d(cin, cout, 1, groups=groups, bias=False),
        nn.BatchNorm2d(cout))


def build_row(cin, row, cfg, stride=None):
    """Build one official row.

    Args:
        cin (int): input channels.
        row (tuple): the 15 values of :data:`ROW_FIELDS`.
        cfg (dict): the model entry of :data:`OFFICIAL_CONFIGS` (DSM
            constants).
        stride (int | None): override of the row stride (repeats use 1).

    Returns:
        Row: the module; its output width is ``row[2]``.
    """
    p = dict(zip(ROW_FIELDS, row))
    s = p['s'] if stride is None else stride
    k, c = p['ks'], p['c']
    hidden = cin * p['c1'] * p['c2']
    red = cfg['reduction'] * p['r']
    k1a, k1b = cfg['init_ab_k1']

    def body_act(flag, width, groups):
        # Positions before a pointwise squeeze: ReLU6 when off, K=2 DSM for
        # flag 2, K=1 DSM (still with the INIT_A/INIT_B offsets) for flag 1.
        if flag == 0:
            return nn.ReLU6()
        return DynamicShiftMax(width, red, groups, 2 if flag == 2 else 1,
                               cfg['init_a'], cfg['init_b'], cfg['act_max'])

    def tail_act(flag, width, groups, reduction):
        # Positions after a squeeze: nothing when off, otherwise always a
        # K=1 DSM with the INIT_A_BLOCK3 offsets (a1 = [0], b1 = [1]).
        if flag == 0:
            return nn.Identity()
        return DynamicShiftMax(width, reduction, groups, 1, (k1a, 0.0),
                               (k1b, 0.0), cfg['act_max'])

    def maybe_shuffle(cond, groups):
        return Shuffle(groups) if cond else nn.Identity()

    if p['g1'] == 0:
        # Lite row: depthwise expansion (x c1 x c2), then a grouped squeeze.
        layers = [
            _split_depthwise(cin, p['c1'], p['c2'], k, s),
            body_act(p['y2'], hidden, p['g2']),
            Shuffle(p['g2']),
            maybe_shuffle(p['y2'] != 0, hidden // 2),
            _group_pointwise(hidden, c, p['g3']),
            tail_act(p['y3'], c, p['g4'], red // 2),
            Shuffle(p['g4']),
            maybe_shuffle(c % 2 == 0 and p['y3'] != 0, c // 2),
        ]
    elif p['g4'] == 0:
        # Closing row: grouped 1x1 expansion only.
        if c != hidden:
            raise ValueError(f'final row width {c} != {cin}*c1*c2={hidden}')
        layers = [
            _group_pointwise(cin, hidden, p['g1']),
            tail_act(p['y3'], hidden, p['g2'], red),
        ]
    else:
        # Regular row: grouped 1x1 expansion, split depthwise, squeeze.
        y1, y2 = p['y1'], p['y2']
        # After the depthwise stage the DSM groups are inverted (hidden/g2
        # groups of g2 channels) unless g2 == 1.
        dw_groups = hidden // p['g2'] if p['g2'] != 1 else 1
        if y1 and y2:
            mid_shuffle = Shuffle(hidden // 4)
        elif not y1 and not y2:
            mid_shuffle = nn.Identity()
        else:
            mid_shuffle = Shuffle(hidden // 2)
        layers = [
            _group_pointwise(cin, hidden, p['g1']),
            body_act(y1, hidden, p['g2']),
            Shuffle(p['g2']),
            _split_depthwise(hidden, 1, 1, k, s),
            nn.Identity(),
            body_act(y2, hidden, dw_groups),
            mid_shuffle,
            _group_pointwise(hidden, c, p['g3']),
            tail_act(p['y3'], c, p['g4'], red // 2 if c < hidden else red),
            Shuffle(p['g4']),
            maybe_shuffle(p['y3'] != 0, c // 2),
        ]
    return Row(layers, residual=(s == 1 and cin == c))


class Stem(nn.Module):
    """3x1 conv (3 -> g1, stride (2, 1)) + BN, 1x3 grouped conv
    (g1 -> g1*g2, stride (1, 2)) + BN, shuffle(g1), ReLU6.

    Args:
        groups (tuple[int, int]): (g1, g2).
    """

    def __init__(self, groups):
        super().__init__()
        g1, g2 = groups
        self.stem = nn.Sequential(
            Holder(
                nn.Conv2d(3, g1, (3, 1), (2, 1), (1, 0), bias=False),
                nn.BatchNorm2d(g1),
                nn.Conv2d(g1, g1 * g2, (1, 3), (1, 2), (0, 1), groups=g1,
                          bias=False),
                nn.BatchNorm2d(g1 * g2),
                Shuffle(g1)),
            nn.ReLU6())

    def forward(self, x):
        """(B, 3, H, W) -> (B, g1*g2, H/2, W/2)."""
        return self.stem(x)


class OfficialMicroNet(nn.Module):
    """Official MicroNet classifier, key-compatible with released weights.

    Args:
        cfg (dict): an entry of :data:`OFFICIAL_CONFIGS`.
        num_classes (int): classifier outputs. Defaults to 1000.
    """

    def __init__(self, cfg, num_classes=1000):
        super().__init__()
        self.cfg = cfg
        g1, g2 = cfg['stem_groups']
        blocks = [Stem(cfg['stem_groups'])]
        width = g1 * g2
        for row in cfg['rows']:
            repeats = row[ROW_FIELDS.index('n')]
            for i in range(repeats):
                blocks.append(
                    build_row(width, row, cfg, stride=None if i == 0 else 1))
                width = row[ROW_FIELDS.index('c')]
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            LinearBNHSwish(width, cfg['out_channels']),
            nn.Dropout(cfg['dropout']),
            LinearBNHSwish(cfg['out_channels'], num_classes))
        self.init_like_official()

    def init_like_official(self):
        """Initialise as the official code does (fan-out normal convs, BN2d
        1/0, Linear N(0, 0.01) with zero bias, BN1d PyTorch default)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward_stages(self, x):
        """Outputs of every ``features`` entry.

        Args:
            x (Tensor): (B, 3, H, W).

        Returns:
            list[Tensor]: ``len(features)`` maps; entry 0 is the stem.
        """
        outs = []
        for block in self.features:
            x = block(x)
            outs.append(x)
        return outs

    def pre_logits(self, x):
        """(B, 3, H, W) -> (B, C_last): ReLU6 -> global pool -> h-swish."""
        x = self.features(x)
        x = F.adaptive_avg_pool2d(F.relu6(x), 1)
        x = x * (F.relu6(x + 3.0) / 6.0)
        return x.view(x.size(0), -1)

    def forward(self, x):
        """(B, 3, H, W) -> (B, num_classes), after BN1d and h-swish."""
        return self.classifier(self.pre_logits(x))


def build_official_micronet(name, num_classes=1000):
    """Build the reference model of a released config.

    Args:
        name (str): see :func:`get_official_config`.
        num_classes (int): classifier outputs. Defaults to 1000.

    Returns:
        OfficialMicroNet: in training mode, official initialisation.
    """
    return OfficialMicroNet(get_official_config(name), num_classes)


def _randn(shape, gen, std=1.0, mean=0.0):
    return torch.randn(shape, generator=gen) * std + mean


def _rand(shape, gen, low, high):
    return torch.rand(shape, generator=gen) * (high - low) + low


def random_official_state_dict(name, seed=0, num_classes=1000):
    """A random, well-conditioned state_dict in the official key layout.

    Convs get fan-in scaled normal weights; the DSM hyper-function FCs get
    weights large enough that the coefficients move well away from their
    offsets (and differ per channel / per sample); BN affine parameters are
    random. BN running statistics are calibrated, layer by layer in eval
    mode, on one batch of random noise images (so that eval-mode activations
    stay O(1) through all rows) and perturbed by about 10 %, so BN folding is
    not a near-identity. The result is deterministic for a given seed.

    Args:
        name (str): see :func:`get_official_config`.
        seed (int): random seed. Defaults to 0.
        num_classes (int): classifier outputs. Defaults to 1000.

    Returns:
        OrderedDict[str, Tensor]: keys exactly as the official model's
        ``state_dict()`` (no ``module.`` prefix).
    """
    gen = torch.Generator().manual_seed(int(seed))
    model = build_official_micronet(name, num_classes)
    dsm_fcs = {}
    for m in model.modules():
        if isinstance(m, DynamicShiftMax):
            dsm_fcs[id(m.fc[0])] = 'squeeze'
            dsm_fcs[id(m.fc[2])] = 'expand'
    bns = [
        m for m in model.modules()
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))
    ]
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(
                    _randn(m.weight.shape, gen, math.sqrt(2.0 / fan_in)))
            elif isinstance(m, nn.Linear):
                fan_in = m.in_features
                role = dsm_fcs.get(id(m))
                if role == 'squeeze':
                    w_std, b_std = 1.0 / math.sqrt(fan_in), 0.5
                elif role == 'expand':
                    w_std, b_std = 1.0 / math.sqrt(fan_in), 0.75
                else:
                    w_std, b_std = 1.0 / math.sqrt(fan_in), 0.1
                m.weight.copy_(_randn(m.weight.shape, gen, w_std))
                m.bias.copy_(_randn(m.bias.shape, gen, b_std))
        for bn in bns:
            bn.weight.copy_(_rand(bn.weight.shape, gen, 0.6, 1.4))
            bn.bias.copy_(_randn(bn.bias.shape, gen, 0.2))
            bn.num_batches_tracked.fill_(1000)

        def calibrate(bn, args):
            # Runs before the BN normalises: set its running statistics from
            # the eval-mode input it actually receives (all upstream layers
            # already calibrated), slightly perturbed so that the stats are
            # not exactly the batch moments.
            x = args[0]
            dims = [0] + list(range(2, x.dim()))
            mean, var = x.mean(dims), x.var(dims)
            std = var.sqrt()
            bn.running_mean.copy_(mean + _randn(mean.shape, gen, 0.1) * std)
            bn.running_var.copy_(
                var * torch.exp(_randn(var.shape, gen, 0.1)) + 1e-4)

        handles = [bn.register_forward_pre_hook(calibrate) for bn in bns]
        model.eval()
        # Unit-variance noise images with a per-sample, per-channel gain and
        # offset: centred on what tests feed (torch.randn) while making the
        # pooled DSM inputs differ between samples.
        gain = _rand((16, 3, 1, 1), gen, 0.5, 1.5)
        offset = _randn((16, 3, 1, 1), gen, 0.3)
        model(_randn((16, 3, 128, 128), gen) * gain + offset)
        for h in handles:
            h.remove()
    return OrderedDict(
        (k, v.detach().clone()) for k, v in model.state_dict().items())
