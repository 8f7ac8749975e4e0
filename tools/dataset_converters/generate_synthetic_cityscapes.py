"""Generate the synthetic Cityscapes-format segmentation dataset.

Example::

    python tools/dataset_converters/generate_synthetic_cityscapes.py \
        data/synthetic_cityscapes --num-train 300 --num-val 50

The output loads with mmseg's ``CityscapesDataset``. An existing, non-empty
output directory is left alone unless ``--force`` is given; the remains of
an interrupted run (no completion marker) are regenerated automatically.
``--skip-existing`` makes the command a no-op when a complete dataset with
the same settings is already there.
"""
import argparse
import sys
import time

from micronet_mm.datasets import synthetic_cityscapes as sc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic dataset in the Cityscapes layout.')
    parser.add_argument('out_dir',
                        help='output dataset root (created if missing)')
    parser.add_argument('--num-train', type=int, default=sc.DEFAULT_NUM_TRAIN,
                        help='number of training images (default: '
                        '%(default)s)')
    parser.add_argument('--num-val', type=int, default=sc.DEFAULT_NUM_VAL,
                        help='number of validation images (default: '
                        '%(default)s)')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                        default=list(sc.DEFAULT_SIZE),
                        help='image height and width (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base random seed (default: %(default)s)')
    parser.add_argument('--force', action='store_true',
                        help='replace the dataset in a non-empty OUT_DIR')
    parser.add_argument('--skip-existing', action='store_true',
                        help='do nothing if OUT_DIR already holds a complete '
                        'dataset generated with the same settings')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    config = dict(num_train=args.num_train, num_val=args.num_val,
                  size=list(args.size), seed=args.seed,
                  train_cities=list(sc.DEFAULT_TRAIN_CITIES),
                  val_cities=list(sc.DEFAULT_VAL_CITIES))
    if args.skip_existing and sc.is_current(args.out_dir):
        if sc.load_summary(args.out_dir).get('config') == config:
            print(f'{args.out_dir}: complete dataset with the same settings '
                  'already present, nothing to do')
            return 0
    start = time.perf_counter()
    try:
        summary = sc.generate_synthetic_cityscapes(
            args.out_dir, num_train=args.num_train, num_val=args.num_val,
            size=tuple(args.size), seed=args.seed, overwrite=args.force)
    except (FileExistsError, NotADirectoryError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    print(f'wrote {args.num_train} train + {args.num_val} val images of '
          f'{args.size[0]}x{args.size[1]} to {args.out_dir} in '
          f'{elapsed:.1f} s')
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
