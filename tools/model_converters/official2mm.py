"""Convert an official MicroNet checkpoint to a micronet_mm one.

Usage:
    python tools/model_converters/official2mm.py SRC DST [--force]
        [--unsafe-load]

SRC may be a bare state dict or one wrapped in ``state_dict``/``model``,
with or without ``module.`` prefixes. The released model is detected from
the tensor shapes; DST loads with
``mmpretrain.apis.get_model(<config>, pretrained=DST)``, and the matching
config is printed. The converted weights are checked by a strict load into
that config's model before DST is written (atomically; an existing DST is
never overwritten without --force).
"""
import argparse
import os.path as osp
import pickle
import sys

import torch

from micronet_mm.utils.fileio import atomic_write
from micronet_mm.utils.official_weights import RELEASED, convert_official

# arch -> the classification config its converted weights load into
CLS_CONFIGS = {arch: f'configs/cls/micronet_{arch}_in1k.py'
               for arch in RELEASED}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument(
        'dst', help='output checkpoint for micronet_mm (missing folders are '
        'created)')
    parser.add_argument(
        '--force', action='store_true', help='overwrite an existing DST')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='unpickle arbitrary objects in SRC (only for files you trust; '
        'needed when the checkpoint stores more than tensors)')
    return parser.parse_args(argv)


def load_source(path: str, unsafe: bool):
    if not osp.isfile(path):
        raise FileNotFoundError(f'SRC {path!r} does not exist')
    try:
        return torch.load(path, map_location='cpu', weights_only=not unsafe)
    except pickle.UnpicklingError as err:
        if 'Weights only load failed' in str(err) and not unsafe:
            raise ValueError(
                f'{path} stores non-tensor objects; if you trust the file '
                'rerun with --unsafe-load') from None
        raise ValueError(f'{path} is not a readable checkpoint ({err})') \
            from None
    except (RuntimeError, EOFError, OSError) as err:
        raise ValueError(f'{path} is not a readable checkpoint (truncated '
                         f'or corrupt?): {err}') from None


def verify(config: str, state_dict) -> None:
    """Strict load into the config's model: no missing/unexpected keys."""
    from micronet_mm.utils.config import build_model_from_config
    model, _ = build_model_from_config(config)
    result = model.load_state_dict(state_dict, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(f'converted weights do not fit {config}: missing '
                         f'{result.missing_keys[:5]}, unexpected '
                         f'{result.unexpected_keys[:5]}')


def write_atomically(obj, dst: str, force: bool) -> None:
    if osp.exists(dst) and not force:
        raise FileExistsError(f'DST {dst!r} exists; pass --force to '
                              'overwrite it')
    with atomic_write(dst) as tmp:
        torch.save(obj, tmp)


def main(argv=None):
    args = parse_args(argv)
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    try:
        arch, state_dict = convert_official(
            load_source(args.src, args.unsafe_load))
        official, config = RELEASED[arch], CLS_CONFIGS[arch]
        verify(osp.join(root, config), state_dict)
        write_atomically(
            dict(
                state_dict=state_dict,
                meta=dict(
                    arch=arch,
                    official_name=official,
                    config=config,
                    source=osp.basename(args.src))), args.dst, args.force)
    except (FileNotFoundError, FileExistsError, ValueError) as err:
        sys.exit(f'official2mm: {err}')
    print(f'official {official} -> arch {arch!r}; wrote {args.dst}')
    print(f'config: {config}')


if __name__ == '__main__':
    main()
