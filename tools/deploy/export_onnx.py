"""Export a config's model to ONNX in inference (fused) form.

Usage:
    python tools/deploy/export_onnx.py CONFIG [CHECKPOINT] --out FILE
        [--shape H W] [--dynamic] [--opset N] [--force]
        [--cfg-options KEY=VALUE ...]

Builds the model of CONFIG (classification, segmentation or pose), loads
CHECKPOINT if given (it must match the config exactly), applies
``micronet_mm.deploy.fuse``, exports the tensor-mode forward (class logits,
segmentation logits, pose heatmaps) and runs onnxruntime on the export to
check it against the PyTorch training form (relative error < 1e-4) at the
export size and, with ``--dynamic``, at another size and batch. The file is
written to a temporary name and renamed into place only after the check
passes; an existing FILE is kept unless ``--force`` is given.

The graph input is the normalised image batch (N, 3, H, W): apply the
config's ``data_preprocessor`` mean/std before feeding it.
"""
import argparse
import json
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a fused MicroNet model to ONNX')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input height and width (default: the config natural input)')
    parser.add_argument(
        '--dynamic',
        action='store_true',
        help='dynamic batch, height and width')
    parser.add_argument(
        '--opset', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument(
        '--force', action='store_true', help='overwrite an existing file')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # imported here so that --help works without the OpenMMLab stack
    from micronet_mm.deploy.export import (
        ExportError,
        export_onnx,
        load_checkpoint_strict,
    )
    from micronet_mm.utils.config import (
        build_model_from_config,
        natural_input_shape,
    )
    try:
        model, cfg = build_model_from_config(args.config, args.cfg_options)
        if args.checkpoint:
            load_checkpoint_strict(model, args.checkpoint, args.config)
        shape = tuple(args.shape) if args.shape else natural_input_shape(cfg)
        result = export_onnx(
            model,
            args.out,
            shape,
            dynamic=args.dynamic,
            opset=args.opset,
            force=args.force)
    except (FileNotFoundError, FileExistsError, ValueError, KeyError,
            ExportError) as err:
        sys.exit(f'export_onnx: {err}')
    for check in result['checks']:
        print(f'onnxruntime vs PyTorch at input {check["shape"]}: relative '
              f'error {check["rel_err"]:.2e}')
    print(f'wrote {result["path"]}')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
