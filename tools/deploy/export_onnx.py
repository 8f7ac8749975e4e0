"""Export a config's model to ONNX in inference (fused) form.

Usage:
    python tools/deploy/export_onnx.py CONFIG [CHECKPOINT] --out FILE
        [--shape H W] [--dynamic] [--portable] [--opset N] [--force]
        [--cfg-options KEY=VALUE ...]

Builds the model of CONFIG (classification, segmentation or pose), loads
CHECKPOINT if given (it must match the config exactly), applies
``micronet_mm.deploy.fuse``, exports the tensor-mode forward (class logits,
segmentation logits, pose heatmaps) and runs the file through
``micronet_mm.deploy.InferenceSession`` to check it against the PyTorch
training form (relative error < 1e-4) at the export size and, with
``--dynamic``, at another size and batch. The file is written to a
temporary name and renamed into place only after the check passes; an
existing FILE is kept unless ``--force`` is given, and missing folders of
FILE are created.

By default every Dynamic Shift-Max is one ``micronet_mm::ShiftMax`` node,
the compiled one-pass kernel that ``tools/setup_env.sh`` builds for
OpenVINO; ``InferenceSession`` runs such files. ``--portable`` writes stock
ONNX operators only, for onnxruntime or any other runtime.

Without CHECKPOINT the file holds the config's random initial weights (a
warning says so). Such a model may give the same output for every input;
the tool then says that the parity check only proves the graph's
structure (it runs and has the right output shapes).

The graph input is the normalised image batch (N, 3, H, W): apply the
config's ``data_preprocessor`` mean/std before feeding it.
"""
import argparse
import json
import sys

#: Lowest opset all MicroNet models export with (checked by
#: tests/test_deploy/test_export.py).
MIN_OPSET = 11


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a fused MicroNet model to ONNX')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument(
        '--out', required=True,
        help='output .onnx file (missing folders are created)')
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
        '--portable',
        action='store_true',
        help='stock ONNX operators only (no compiled micronet_mm kernels); '
        'runs in onnxruntime or any ONNX runtime')
    parser.add_argument(
        '--opset', type=int, default=17,
        help=f'ONNX opset, {MIN_OPSET} or higher (default 17)')
    parser.add_argument(
        '--force', action='store_true', help='overwrite an existing file')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='override config settings')
    args = parser.parse_args(argv)
    if args.opset < MIN_OPSET:
        parser.error(f'--opset must be {MIN_OPSET} or higher (the MicroNet '
                     f'models need operators of opset {MIN_OPSET}), got '
                     f'{args.opset}')
    return args


def main(argv=None):
    args = parse_args(argv)
    # imported here so that --help works without the OpenMMLab stack
    from micronet_mm.deploy.export import (
        ExportError,
        export_onnx,
        load_checkpoint_strict,
    )
    from micronet_mm.deploy.kernels import KernelsNotBuiltError
    from micronet_mm.utils.config import (
        build_model_from_config,
        check_checkpoint,
        check_shape,
    )
    try:
        model, cfg = build_model_from_config(args.config, args.cfg_options)
        if args.checkpoint:
            check_checkpoint(args.checkpoint, cfg, config=args.config)
            load_checkpoint_strict(model, args.checkpoint, args.config)
        else:
            print('export_onnx: warning: no CHECKPOINT given; the file will '
                  "hold the config's random initial weights",
                  file=sys.stderr)
        shape = check_shape(args.shape, cfg)
        result = export_onnx(
            model,
            args.out,
            shape,
            dynamic=args.dynamic,
            opset=args.opset,
            force=args.force,
            backend='onnxruntime' if args.portable else 'openvino')
    except (FileNotFoundError, FileExistsError, ValueError, KeyError,
            ExportError, KernelsNotBuiltError) as err:
        sys.exit(f'export_onnx: {err}')
    for check in result['checks']:
        print(f'{result["backend"]} vs PyTorch at input {check["shape"]}: '
              f'relative error {check["rel_err"]:.2e}')
    if not result['input_dependent']:
        print('export_onnx: warning: the outputs of this model do not '
              'depend on its input (relative difference '
              f'{result["input_sensitivity"]:.1e} between two random '
              'inputs), so the parity check is structural only: the graph '
              f'runs in {result["backend"]} and has the right output shapes',
              file=sys.stderr)
    print(f'wrote {result["path"]}')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
