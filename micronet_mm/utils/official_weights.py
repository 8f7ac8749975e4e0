"""Map checkpoints of the official MicroNet release onto micronet_mm.

The official model nests its weights as ``features.{row}.layers.{slot}``
(plus ``features.0.stem.0.conv`` and ``classifier.{0,2}.linear``); the slot
of each sub-layer depends on the row type. Shift indices and shuffles hold
no weights, so a key map is all that is needed: the function is identical
once the rows are built as in the released code (see the tests).
"""
from collections import OrderedDict
from typing import Dict, Mapping, Tuple

import torch

from ..models.backbones.micronet import backbone_shapes
from ..models.backbones.micronet_arch import ARCH_SETTINGS

# our arch -> name of the model in the official release
RELEASED = OrderedDict((arch, spec.official)
                       for arch, spec in ARCH_SETTINGS.items()
                       if spec.official)

_BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
_CONV_BN = ('conv.0', 'conv.1')  # official (conv, BN) pairs
_DSM = ('fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias')


def _conv_bn(src: str, dst: str) -> Dict[str, str]:
    """Official ``src.conv.{0,1}`` -> ConvModule ``dst.{conv,bn}``."""
    keys = {f'{src}.conv.0.weight': f'{dst}.conv.weight'}
    keys.update({f'{src}.conv.1.{p}': f'{dst}.bn.{p}' for p in _BN})
    return keys


def _separable(src: str, dst: str) -> Dict[str, str]:
    """Official ``src.conv.{0..3}`` -> ``dst.conv_v``/``dst.conv_h``."""
    keys = {}
    for (conv, bn), part in ((('0', '1'), 'conv_v'), (('2', '3'), 'conv_h')):
        keys[f'{src}.conv.{conv}.weight'] = f'{dst}.{part}.conv.weight'
        keys.update({f'{src}.conv.{bn}.{p}': f'{dst}.{part}.bn.{p}'
                     for p in _BN})
    return keys


def _shift_max(src: str, dst: str) -> Dict[str, str]:
    return {f'{src}.{k}': f'{dst}.{k}' for k in _DSM}


def official_key_map(arch: str) -> Dict[str, str]:
    """Official key -> mmpretrain ``ImageClassifier`` key for ``arch``.

    DSM keys are included for every activation slot; slots that hold a
    ReLU6 simply never appear in the checkpoint.
    """
    keys = _separable('features.0.stem.0', 'backbone.layer0.conv')
    for i, row in enumerate(ARCH_SETTINGS[arch].rows, 1):
        src, dst = f'features.{i}.layers', f'backbone.layer{i}'
        if row.block in 'AB':
            keys.update(_separable(f'{src}.0', f'{dst}.depthwise'))
            keys.update(_shift_max(f'{src}.1', f'{dst}.act_mid'))
            keys.update(_conv_bn(f'{src}.4', f'{dst}.conv_out'))
            keys.update(_shift_max(f'{src}.5', f'{dst}.act_out'))
        elif row.block == 'C':
            keys.update(_conv_bn(f'{src}.0', f'{dst}.conv_in'))
            keys.update(_shift_max(f'{src}.1', f'{dst}.act_in'))
            keys.update(_separable(f'{src}.3', f'{dst}.depthwise'))
            keys.update(_shift_max(f'{src}.5', f'{dst}.act_mid'))
            keys.update(_conv_bn(f'{src}.7', f'{dst}.conv_out'))
            keys.update(_shift_max(f'{src}.8', f'{dst}.act_out'))
        else:
            keys.update(_conv_bn(f'{src}.0', f'{dst}.conv'))
            keys.update(_shift_max(f'{src}.1', f'{dst}.act'))
    for src, dst in (('classifier.0.linear', 'head.{}1'),
                     ('classifier.2.linear', 'head.{}2')):
        keys[f'{src}.0.weight'] = dst.format('fc') + '.weight'
        keys[f'{src}.0.bias'] = dst.format('fc') + '.bias'
        keys.update({f'{src}.1.{p}': dst.format('bn') + f'.{p}'
                     for p in _BN})
    return keys


def unwrap_state_dict(checkpoint) -> Dict[str, torch.Tensor]:
    """Bare official state dict from a checkpoint object: unwraps
    ``state_dict``/``model`` and strips ``module.`` prefixes."""
    state = checkpoint
    for key in ('state_dict', 'model'):
        if isinstance(state, Mapping) and key in state and isinstance(
                state[key], Mapping):
            state = state[key]
    if not isinstance(state, Mapping) or not state:
        raise ValueError('checkpoint holds no state dict (expected a dict '
                         'of tensors, optionally under "state_dict" or '
                         '"model")')
    out = OrderedDict()
    for key, value in state.items():
        if not torch.is_tensor(value):
            continue
        out[key[len('module.'):] if key.startswith('module.') else key] = \
            value
    return out


def _match(state: Mapping[str, torch.Tensor], arch: str):
    """Converted dict if ``state`` is exactly the official ``arch``."""
    key_map = official_key_map(arch)
    if set(state) - set(key_map):
        return None
    converted = OrderedDict((key_map[k], v) for k, v in state.items())
    backbone = {k[len('backbone.'):]: tuple(v.shape)
                for k, v in converted.items() if k.startswith('backbone.')}
    return converted if backbone == backbone_shapes(arch) else None


def convert_official(checkpoint) -> Tuple[str, Dict[str, torch.Tensor]]:
    """Detect the released model and convert its weights.

    Args:
        checkpoint: What ``torch.load`` returned for an official file.

    Returns:
        tuple: ``(arch, state_dict)`` with mmpretrain ImageClassifier keys.

    Raises:
        ValueError: When the weights match none of the released models.
    """
    state = unwrap_state_dict(checkpoint)
    if not any(k.startswith('features.') for k in state):
        sample = ', '.join(list(state)[:3])
        raise ValueError('not an official MicroNet checkpoint: expected '
                         f'keys like "features.0.stem.0.conv.0.weight", got '
                         f'{sample} ...')
    for arch in RELEASED:
        converted = _match(state, arch)
        if converted is not None:
            return arch, converted
    raise ValueError(
        'the checkpoint matches none of the released MicroNet models '
        f'({", ".join(f"{n} = {a!r}" for a, n in RELEASED.items())}); '
        'is it truncated or from a modified architecture?')

