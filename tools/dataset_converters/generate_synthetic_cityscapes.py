"""Generate the synthetic Cityscapes-format segmentation dataset.

Example::

    python tools/dataset_converters/generate_synthetic_cityscapes.py \
        data/synthetic_cityscapes --num-train 300 --num-val 50

The output loads with mmseg's ``CityscapesDataset``. See
:mod:`micronet_mm.datasets.synthetic.cityscapes` for what is drawn.

Exit status: 0 on success (or, with ``--skip-existing``, when a finished
dataset of this generator version with the same arguments is already
there), 1 when OUT_DIR holds a dataset or other files and ``--force`` was
not given, 2 on bad arguments. A directory left by an interrupted run is
regenerated without ``--force``.
"""
import argparse
import sys
import time

from micronet_mm.datasets.synthetic import cityscapes as gen


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic dataset in the Cityscapes layout.')
    parser.add_argument('out_dir',
                        help='output dataset root (created if missing)')
    parser.add_argument('--num-train', type=int,
                        default=gen.DEFAULT_NUM_TRAIN,
                        help='number of training images (default: '
                        '%(default)s)')
    parser.add_argument('--num-val', type=int, default=gen.DEFAULT_NUM_VAL,
                        help='number of validation images (default: '
                        '%(default)s)')
    parser.add_argument('--image-size', type=int, nargs=2,
                        metavar=('H', 'W'), default=list(gen.DEFAULT_SIZE),
                        help='image height and width (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base random seed (default: %(default)s)')
    parser.add_argument('--force', action='store_true',
                        help='replace a dataset or write next to other files'
                        ' in OUT_DIR')
    parser.add_argument('--skip-existing', action='store_true',
                        help='do nothing if OUT_DIR already holds a finished '
                        'dataset generated with the same arguments')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    kwargs = dict(num_train=args.num_train, num_val=args.num_val,
                  image_size=tuple(args.image_size), seed=args.seed,
                  train_cities=gen.DEFAULT_TRAIN_CITIES,
                  val_cities=gen.DEFAULT_VAL_CITIES)
    if args.skip_existing and gen.dataset_state(args.out_dir) == 'current' \
            and gen.recorded_arguments(
                gen.read_summary(args.out_dir)) == kwargs:
        print(f'{args.out_dir}: a finished dataset with the same arguments '
              'is already there, nothing to do')
        return 0
    start = time.perf_counter()
    try:
        summary = gen.generate_synthetic_cityscapes(
            args.out_dir, **kwargs, overwrite=args.force)
    except FileExistsError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    except (NotADirectoryError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    height, width = args.image_size
    print(f'wrote {args.num_train} train + {args.num_val} val images of '
          f'{height}x{width} to {args.out_dir} in {elapsed:.1f} s')
    train = summary['splits']['train']
    if train['num_images']:
        print('train class pixel share (%):')
        for name, frac in train['class_pixel_fraction'].items():
            share = train['class_image_fraction'][name]
            print(f'  {name:<14s} {100 * frac:6.2f}   in {100 * share:5.1f}% '
                  'of images')
    return 0


if __name__ == '__main__':
    sys.exit(main())
