"""MicroNet architecture tables as data: named, validated rows.

Each row of a MicroNet table is one of three kinds, each with its own
fields (and no placeholder values for fields it does not have):

* :class:`LiteRow` (table letters ``A``/``B``): Micro-Factorized depthwise
  expansion + grouped 1x1 squeeze (``MicroBlockA``).
* :class:`RegularRow` (``C``): grouped 1x1 expansion, Micro-Factorized
  depthwise conv, grouped 1x1 squeeze (``MicroBlockC``).
* :class:`ExpansionRow` (``E``): the grouped 1x1 conv that widens the last
  features for the classifier (``GroupedPointwiseExpansion``).

Activations are named: ``'relu6'``, ``'shift_max_k1'`` and
``'shift_max_k2'`` (Shift-Max with K = 1 or 2 fusions; dynamic unless the
backbone's ``dsm_cfg`` says otherwise) after an expansion or a depthwise
conv; ``'identity'`` or ``'shift_max_k1'`` after a squeeze.

This module imports nothing from ``micronet_mm`` (and no torch), so the
converter, the analysis tools and the docs can read the tables without
building a model. Field names map onto the official table's columns as
written in each class.
"""
from dataclasses import dataclass, fields
from typing import ClassVar, Dict, Mapping, Optional, Tuple, Union

#: Activations after an expansion or a depthwise conv. The same names are
#: accepted by ``micronet_mm.models.layers.build_activation`` (a test checks
#: that the two agree; this module may not import the layers).
ACTIVATIONS = ('relu6', 'shift_max_k1', 'shift_max_k2')
#: Activations after a squeezing (or the closing expanding) 1x1 conv.
SQUEEZE_ACTIVATIONS = ('identity', 'shift_max_k1')
#: Stride-2 rows every arch has: one per stage, output strides 4 ... 32.
NUM_STAGES = 4


def _check_int(row, name: str, minimum: int = 1):
    value = getattr(row, name)
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < minimum:
        raise ValueError(f'{type(row).__name__}.{name} must be an integer '
                         f'>= {minimum}, got {value!r}')


def _check_choice(row, name: str, choices: tuple):
    value = getattr(row, name)
    if value not in choices:
        raise ValueError(f'{type(row).__name__}.{name} must be one of '
                         f'{choices}, got {value!r}')


def _check_divides(row, name: str, channels: int, what: str):
    groups = getattr(row, name)
    if channels % groups:
        raise ValueError(f'{type(row).__name__}.{name}={groups} must divide '
                         f'the {channels} {what} channels')


def _check_spatial(row):
    _check_int(row, 'kernel_size')
    if row.kernel_size % 2 == 0:
        raise ValueError(f'{type(row).__name__}.kernel_size must be odd (the '
                         f'padding keeps the size), got {row.kernel_size}')
    _check_choice(row, 'stride', (1, 2))


def _check_squeeze(row, hidden: int):
    """The squeezing 1x1 conv (hidden -> out) and the Shift-Max after it."""
    _check_divides(row, 'groups_out', hidden, 'hidden')
    _check_divides(row, 'groups_out', row.out_channels, 'output')
    _check_divides(row, 'groups_shift_out', row.out_channels, 'output')


@dataclass(frozen=True)
class LiteRow:
    """Lite combination (table letters A and B), built by ``MicroBlockA``.

    Micro-Block-B differs from A only by its second expanding group conv,
    which the released weights hold as the first conv of the next row; so
    the letter is kept for the record and both build the same block.

    Args:
        block (str): ``'A'`` or ``'B'``.
        kernel_size (int): Depthwise kernel size (official ``ks``).
        stride (int): 1 or 2 (``s``).
        out_channels (int): Output channels (``c``).
        multipliers (tuple[int, int]): Channel multipliers of the two
            depthwise factors; hidden width is ``in * m1 * m2`` (``c1``,
            ``c2``).
        groups_hidden (int): Shift-Max groups on the hidden tensor (``g2``).
        groups_out (int): Groups of the squeezing 1x1 conv (``g3``).
        groups_shift_out (int): Shift-Max groups and shuffle after the
            squeeze (``g4``).
        act_mid (str): Activation after the depthwise conv (``y2``).
        act_out (str): Activation after the squeeze (``y3``).
        reduction (int): Shift-Max hyper-function reduction (``8 * r``).
    """
    block: str
    kernel_size: int
    stride: int
    out_channels: int
    multipliers: Tuple[int, int]
    groups_hidden: int
    groups_out: int
    groups_shift_out: int
    act_mid: str
    act_out: str
    reduction: int

    def __post_init__(self):
        _check_choice(self, 'block', ('A', 'B'))
        _check_spatial(self)
        if not (isinstance(self.multipliers, tuple)
                and len(self.multipliers) == 2 and all(
                    isinstance(m, int) and not isinstance(m, bool) and m >= 1
                    for m in self.multipliers)):
            raise ValueError('LiteRow.multipliers must be a tuple of two '
                             f'integers >= 1, got {self.multipliers!r}')
        for name in ('out_channels', 'groups_hidden', 'groups_out',
                     'groups_shift_out', 'reduction'):
            _check_int(self, name)
        _check_choice(self, 'act_mid', ACTIVATIONS)
        _check_choice(self, 'act_out', SQUEEZE_ACTIVATIONS)

    def hidden_channels(self, in_channels: int) -> int:
        return in_channels * self.multipliers[0] * self.multipliers[1]

    def check_input(self, in_channels: int):
        """Checks that need the row's input width."""
        hidden = self.hidden_channels(in_channels)
        _check_divides(self, 'groups_hidden', hidden, 'hidden')
        _check_squeeze(self, hidden)


@dataclass(frozen=True)
class RegularRow:
    """Regular combination (table letter C), built by ``MicroBlockC``.

    Args:
        kernel_size (int): Depthwise kernel size (official ``ks``).
        stride (int): 1 or 2 (``s``).
        out_channels (int): Output channels (``c``).
        expand_ratio (int): Hidden width is ``in * expand_ratio``
            (``c1 * c2``; ``c1`` is 1 in every released C row).
        groups_in (int): Groups of the expanding 1x1 conv (``g1``).
        groups_hidden (int): Shift-Max groups after the expansion; the
            Shift-Max after the depthwise conv uses ``hidden //
            groups_hidden`` groups (``g2``).
        groups_out (int): Groups of the squeezing 1x1 conv (``g3``).
        groups_shift_out (int): Shift-Max groups and shuffle after the
            squeeze (``g4``).
        act_in (str): Activation after the expansion (``y1``).
        act_mid (str): Activation after the depthwise conv (``y2``).
        act_out (str): Activation after the squeeze (``y3``).
        reduction (int): Shift-Max hyper-function reduction (``8 * r``).
    """
    block: ClassVar[str] = 'C'
    kernel_size: int
    stride: int
    out_channels: int
    expand_ratio: int
    groups_in: int
    groups_hidden: int
    groups_out: int
    groups_shift_out: int
    act_in: str
    act_mid: str
    act_out: str
    reduction: int

    def __post_init__(self):
        _check_spatial(self)
        for name in ('out_channels', 'expand_ratio', 'groups_in',
                     'groups_hidden', 'groups_out', 'groups_shift_out',
                     'reduction'):
            _check_int(self, name)
        _check_choice(self, 'act_in', ACTIVATIONS)
        _check_choice(self, 'act_mid', ACTIVATIONS)
        _check_choice(self, 'act_out', SQUEEZE_ACTIVATIONS)

    def hidden_channels(self, in_channels: int) -> int:
        return in_channels * self.expand_ratio

    def check_input(self, in_channels: int):
        """Checks that need the row's input width."""
        hidden = self.hidden_channels(in_channels)
        _check_divides(self, 'groups_in', in_channels, 'input')
        _check_divides(self, 'groups_in', hidden, 'hidden')
        _check_divides(self, 'groups_hidden', hidden, 'hidden')
        _check_squeeze(self, hidden)


@dataclass(frozen=True)
class ExpansionRow:
    """The closing grouped 1x1 expansion (table letter E), built by
    ``GroupedPointwiseExpansion``.

    Args:
        out_channels (int): Output channels (``c``; the official table
            writes it as ``in * c1 * c2``).
        groups (int): Conv groups and Shift-Max groups (``g1``).
        act (str): Activation after the conv (``y3``).
        reduction (int): Shift-Max hyper-function reduction (``8 * r``).
    """
    block: ClassVar[str] = 'E'
    stride: ClassVar[int] = 1
    out_channels: int
    groups: int
    act: str
    reduction: int

    def __post_init__(self):
        for name in ('out_channels', 'groups', 'reduction'):
            _check_int(self, name)
        _check_choice(self, 'act', SQUEEZE_ACTIVATIONS)

    def check_input(self, in_channels: int):
        """Checks that need the row's input width."""
        _check_divides(self, 'groups', in_channels, 'input')
        _check_divides(self, 'groups', self.out_channels, 'output')


Row = Union[LiteRow, RegularRow, ExpansionRow]
ROW_TYPES: Dict[str, type] = {
    'A': LiteRow, 'B': LiteRow, 'C': RegularRow, 'E': ExpansionRow}


def _pair(value, name: str, kind: type) -> tuple:
    try:
        pair = tuple(kind(v) for v in value)
        ok = len(pair) == 2 and all(v == w for v, w in zip(pair, value))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f'MicroNetArch.{name} must be a pair of '
                         f'{kind.__name__}s, got {value!r}')
    return pair


def row_from_dict(cfg: Mapping) -> Row:
    """A row from a config dict such as ``dict(block='C', kernel_size=5,
    ...)``; ``block`` picks the row kind (A, B, C or E).

    Raises:
        ValueError: On an unknown block letter, an unknown or missing field,
            or an invalid value (the message names the field).
    """
    cfg = dict(cfg)
    block = cfg.get('block')
    if block not in ROW_TYPES:
        raise ValueError(f'row block must be one of {sorted(ROW_TYPES)}, '
                         f'got {block!r}')
    row_type = ROW_TYPES[block]
    if row_type is not LiteRow:
        del cfg['block']
    names = {f.name for f in fields(row_type)}
    unknown, missing = set(cfg) - names, names - set(cfg)
    if unknown or missing:
        raise ValueError(
            f'{row_type.__name__} (block {block!r}): unknown fields '
            f'{sorted(unknown)}, missing fields {sorted(missing)}; its fields'
            f' are {sorted(names)}')
    if 'multipliers' in cfg:
        cfg['multipliers'] = tuple(cfg['multipliers'])
    return row_type(**cfg)


@dataclass(frozen=True)
class MicroNetArch:
    """A whole MicroNet: stem, rows and Shift-Max initialisation.

    Args:
        stem_groups (tuple[int, int]): ``(g1, g2)`` of the stem, which
            outputs ``g1 * g2`` channels.
        rows (tuple): The rows, :class:`LiteRow`, :class:`RegularRow` or
            :class:`ExpansionRow` (or config dicts, see
            :func:`row_from_dict`). Exactly :data:`NUM_STAGES` of them have
            stride 2.
        init_a (tuple[float, float]): Offsets of the K=2 Shift-Max
            coefficients of the unshifted input. Defaults to (1.0, 1.0).
        init_b (tuple[float, float]): Offsets of the shifted input's
            coefficients. Defaults to (0.0, 0.0).
        official (str, optional): Name of the released network, if any.

    Raises:
        ValueError: If a field is invalid; row errors name the row
            (``layer{i}``, numbered as in the backbone).
    """
    stem_groups: Tuple[int, int]
    rows: Tuple[Row, ...]
    init_a: Tuple[float, float] = (1.0, 1.0)
    init_b: Tuple[float, float] = (0.0, 0.0)
    official: Optional[str] = None

    def __post_init__(self):
        stem = _pair(self.stem_groups, 'stem_groups', int)
        if min(stem) < 1:
            raise ValueError('MicroNetArch.stem_groups must be positive, got'
                             f' {self.stem_groups!r}')
        object.__setattr__(self, 'stem_groups', stem)
        for name in ('init_a', 'init_b'):
            object.__setattr__(self, name,
                               _pair(getattr(self, name), name, float))
        if isinstance(self.rows, (str, Mapping)) or not len(self.rows):
            raise ValueError('MicroNetArch.rows must be a non-empty sequence '
                             f'of rows, got {self.rows!r}')
        rows = []
        channels = stem[0] * stem[1]
        for i, row in enumerate(self.rows, 1):
            try:
                if isinstance(row, Mapping):
                    row = row_from_dict(row)
                elif not isinstance(row, (LiteRow, RegularRow, ExpansionRow)):
                    raise ValueError('a row must be a LiteRow, RegularRow, '
                                     f'ExpansionRow or dict, got {row!r}')
                row.check_input(channels)
            except ValueError as err:
                raise ValueError(f'MicroNet arch row layer{i}: {err}') \
                    from None
            rows.append(row)
            channels = row.out_channels
        object.__setattr__(self, 'rows', tuple(rows))
        num_down = sum(row.stride == 2 for row in rows)
        if num_down != NUM_STAGES:
            raise ValueError(f'MicroNet arch must have {NUM_STAGES} stride-2 '
                             f'rows (one per stage), found {num_down}')


def build_arch(arch: Union['MicroNetArch', Mapping]) -> MicroNetArch:
    """A :class:`MicroNetArch` from itself or a config dict with keys
    ``stem_groups``, ``rows`` and optional ``init_a``, ``init_b``,
    ``official``."""
    if isinstance(arch, MicroNetArch):
        return arch
    if not isinstance(arch, Mapping):
        raise TypeError('arch must be a name, a MicroNetArch or a dict, got '
                        f'{type(arch).__name__}')
    names = {f.name for f in fields(MicroNetArch)}
    unknown = set(arch) - names
    missing = {'stem_groups', 'rows'} - set(arch)
    if unknown or missing:
        raise ValueError(
            f'custom MicroNet arch: unknown keys {sorted(unknown)}, missing '
            f'keys {sorted(missing)}; expected stem_groups, rows and '
            'optional init_a, init_b, official')
    return MicroNetArch(**arch)


# The released tables and the 44M M3 (see the module docstring of
# micronet_mm.models.backbones.micronet for the model names).
ARCH_SETTINGS: Dict[str, MicroNetArch] = {
    # official "M0" (msnx_dy6_exp4_4M_221), 4M MAdds
    '4m': MicroNetArch(
        stem_groups=(2, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M0 (msnx_dy6_exp4_4M_221)',
        rows=(
            LiteRow('A', kernel_size=3, stride=2, out_channels=8,
                    multipliers=(2, 2), groups_hidden=4, groups_out=2,
                    groups_shift_out=2, act_mid='relu6',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('A', kernel_size=3, stride=2, out_channels=12,
                    multipliers=(2, 2), groups_hidden=8, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('B', kernel_size=5, stride=2, out_channels=16,
                    multipliers=(2, 2), groups_hidden=12, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            RegularRow(kernel_size=5, stride=1, out_channels=32,
                       expand_ratio=4, groups_in=4, groups_hidden=4,
                       groups_out=4, groups_shift_out=4, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=8),
            RegularRow(kernel_size=5, stride=2, out_channels=64,
                       expand_ratio=4, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=8),
            RegularRow(kernel_size=3, stride=1, out_channels=96,
                       expand_ratio=4, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            ExpansionRow(out_channels=384, groups=12, act='shift_max_k1',
                         reduction=16),
        )),
    # paper M0 = official "M1" (msnx_dy6_exp6_6M_221), 6M MAdds
    'm0': MicroNetArch(
        stem_groups=(3, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M1 (msnx_dy6_exp6_6M_221)',
        rows=(
            LiteRow('A', kernel_size=3, stride=2, out_channels=8,
                    multipliers=(2, 2), groups_hidden=6, groups_out=2,
                    groups_shift_out=2, act_mid='relu6',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('A', kernel_size=3, stride=2, out_channels=16,
                    multipliers=(2, 2), groups_hidden=8, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('B', kernel_size=5, stride=2, out_channels=16,
                    multipliers=(2, 2), groups_hidden=16, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            RegularRow(kernel_size=5, stride=1, out_channels=32,
                       expand_ratio=6, groups_in=4, groups_hidden=4,
                       groups_out=4, groups_shift_out=4, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=8),
            RegularRow(kernel_size=5, stride=2, out_channels=64,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=8),
            RegularRow(kernel_size=3, stride=1, out_channels=96,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            ExpansionRow(out_channels=576, groups=12, act='shift_max_k1',
                         reduction=16),
        )),
    # paper M1 = official "M2" (msnx_dy9_exp6_12M_221), 12M MAdds
    'm1': MicroNetArch(
        stem_groups=(4, 2), init_a=(1.0, 1.0), init_b=(0.0, 0.0),
        official='M2 (msnx_dy9_exp6_12M_221)',
        rows=(
            LiteRow('A', kernel_size=3, stride=2, out_channels=12,
                    multipliers=(2, 2), groups_hidden=8, groups_out=4,
                    groups_shift_out=4, act_mid='relu6',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('A', kernel_size=3, stride=2, out_channels=16,
                    multipliers=(2, 2), groups_hidden=12, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            LiteRow('B', kernel_size=3, stride=1, out_channels=24,
                    multipliers=(2, 2), groups_hidden=16, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='shift_max_k1', reduction=8),
            RegularRow(kernel_size=5, stride=2, out_channels=32,
                       expand_ratio=6, groups_in=6, groups_hidden=6,
                       groups_out=4, groups_shift_out=4, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=8),
            RegularRow(kernel_size=5, stride=1, out_channels=32,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=4, groups_shift_out=4, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=64,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            RegularRow(kernel_size=5, stride=2, out_channels=96,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            RegularRow(kernel_size=3, stride=1, out_channels=128,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=8, groups_shift_out=8, act_in='shift_max_k2',
                       act_mid='shift_max_k2', act_out='shift_max_k1',
                       reduction=16),
            ExpansionRow(out_channels=768, groups=16, act='shift_max_k1',
                         reduction=16),
        )),
    # paper M2 = official "M3" (msnx_dy12_exp6_20M_020), 21M MAdds
    'm2': MicroNetArch(
        stem_groups=(4, 3), init_a=(1.0, 0.5), init_b=(0.0, 0.5),
        official='M3 (msnx_dy12_exp6_20M_020)',
        rows=(
            LiteRow('A', kernel_size=3, stride=2, out_channels=16,
                    multipliers=(2, 2), groups_hidden=12, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            LiteRow('A', kernel_size=3, stride=2, out_channels=24,
                    multipliers=(2, 2), groups_hidden=16, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            LiteRow('B', kernel_size=3, stride=1, out_channels=24,
                    multipliers=(2, 2), groups_hidden=24, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            RegularRow(kernel_size=5, stride=2, out_channels=32,
                       expand_ratio=6, groups_in=6, groups_hidden=6,
                       groups_out=4, groups_shift_out=4, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=8),
            RegularRow(kernel_size=5, stride=1, out_channels=32,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=4, groups_shift_out=4, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=64,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=80,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=80,
                       expand_ratio=6, groups_in=10, groups_hidden=10,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=2, out_channels=120,
                       expand_ratio=6, groups_in=10, groups_hidden=10,
                       groups_out=10, groups_shift_out=10, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=120,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=10, groups_shift_out=10, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=3, stride=1, out_channels=144,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=12, groups_shift_out=12, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            ExpansionRow(out_channels=864, groups=12, act='identity',
                         reduction=16),
        )),
    # paper M3, 44M MAdds: no public spec. Derived from 'm2': widths x1.5
    # (channels rounded to their group counts), a 16-channel stem and one
    # more regular block at strides 16 and 32 (docs/en/m3_44m_design.md)
    'm3': MicroNetArch(
        stem_groups=(4, 4), init_a=(1.0, 0.5), init_b=(0.0, 0.5),
        official=None,
        rows=(
            LiteRow('A', kernel_size=3, stride=2, out_channels=24,
                    multipliers=(2, 2), groups_hidden=16, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            LiteRow('A', kernel_size=3, stride=2, out_channels=36,
                    multipliers=(2, 2), groups_hidden=24, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            LiteRow('B', kernel_size=3, stride=1, out_channels=36,
                    multipliers=(2, 2), groups_hidden=36, groups_out=4,
                    groups_shift_out=4, act_mid='shift_max_k2',
                    act_out='identity', reduction=8),
            RegularRow(kernel_size=5, stride=2, out_channels=48,
                       expand_ratio=6, groups_in=6, groups_hidden=6,
                       groups_out=4, groups_shift_out=4, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=8),
            RegularRow(kernel_size=5, stride=1, out_channels=48,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=4, groups_shift_out=4, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=96,
                       expand_ratio=6, groups_in=8, groups_hidden=8,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=120,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=120,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=120,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=8, groups_shift_out=8, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=2, out_channels=180,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=12, groups_shift_out=12, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=180,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=12, groups_shift_out=12, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=5, stride=1, out_channels=180,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=12, groups_shift_out=12, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            RegularRow(kernel_size=3, stride=1, out_channels=216,
                       expand_ratio=6, groups_in=12, groups_hidden=12,
                       groups_out=12, groups_shift_out=12, act_in='relu6',
                       act_mid='shift_max_k2', act_out='identity',
                       reduction=16),
            ExpansionRow(out_channels=1296, groups=12, act='identity',
                         reduction=16),
        )),
}

