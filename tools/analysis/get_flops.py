"""Multiply-adds (paper convention) and parameters of a config's model.

Usage:
    python tools/analysis/get_flops.py CONFIG [--shape H W] [--json]

The default shape is the config's natural input: 224x224 for
classification, the test-time resize of segmentation configs (1024x2048 for
Cityscapes) and the codec input of pose configs (256x192). See
``micronet_mm/utils/flops.py`` for the counting convention; the stock
mmengine count (BN and pooling counted, Dynamic Shift-Max's elementwise
multiplications not) is printed alongside for comparison.
"""
import argparse
import json
import sys

from micronet_mm.utils.config import build_model_from_config, check_shape
from micronet_mm.utils.flops import complexity
from micronet_mm.utils.tensor_mode import TensorModeWrapper


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input height and width (default: the config natural input)')
    parser.add_argument(
        '--json', action='store_true', help='print one JSON object')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        model, cfg = build_model_from_config(args.config, args.cfg_options)
        shape = check_shape(args.shape, cfg)
        result = complexity(TensorModeWrapper(model), shape)
    except (FileNotFoundError, ValueError, KeyError) as err:
        sys.exit(f'get_flops: {err}')
    if args.json:
        print(json.dumps(dict(madds=result['madds'],
                              params=result['params'])))
        return
    print(f'config:  {args.config}')
    print(f'input:   {shape[0]}x{shape[1]}')
    print(f'MAdds:   {result["madds"] / 1e6:.2f}M (paper convention: conv, '
          'linear, elementwise multiplications)')
    print(f'stock:   {result["stock_flops"] / 1e6:.2f}M (mmengine default '
          'handles: adds BN and pooling, scores Shift-Max elementwise as 0)')
    print(f'params:  {result["params"]:,}')


if __name__ == '__main__':
    main()
