"""Generate the synthetic COCO person-keypoint dataset.

Writes ``OUT_DIR/images/{train,val}/``, ``OUT_DIR/annotations/
person_keypoints_{train,val}.json``, ``OUT_DIR/annotations/
person_detections_val.json`` and, last, the summary ``OUT_DIR/.complete.json``.
See :mod:`micronet_mm.datasets.synthetic.coco_keypoints` for what is drawn.

Examples:
    python tools/dataset_converters/generate_synthetic_coco_keypoints.py \\
        data/synthetic_coco_keypoints
    python tools/dataset_converters/generate_synthetic_coco_keypoints.py \\
        data/tiny --num-train 50 --num-val 20 --image-size 320 320 --seed 1

Exit status: 0 on success (or, with ``--skip-existing``, when a finished
dataset of this generator version with the same arguments is already
there), 1 when OUT_DIR holds a dataset or other files and ``--force`` was
not given, 2 on bad arguments. A directory left by an interrupted run is
regenerated without ``--force``.
"""
import argparse
import sys
import time

from micronet_mm.datasets.synthetic import coco_keypoints as gen


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic COCO person-keypoint dataset.')
    parser.add_argument(
        'out_dir', help='output directory (OUT_DIR, created if missing)')
    parser.add_argument(
        '--num-train',
        type=int,
        default=gen.DEFAULT_NUM_TRAIN,
        help='number of training images, 1-3 people each (default: '
        '%(default)s)')
    parser.add_argument(
        '--num-val',
        type=int,
        default=gen.DEFAULT_NUM_VAL,
        help='number of validation images (default: %(default)s)')
    parser.add_argument(
        '--image-size',
        type=int,
        nargs=2,
        default=list(gen.DEFAULT_SIZE),
        metavar=('H', 'W'),
        help='image height and width (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--max-people',
        type=int,
        default=3,
        choices=(1, 2, 3),
        help='most people per image (default: 3)')
    parser.add_argument(
        '--difficulty',
        type=float,
        default=1.0,
        help='0-1: amount of clutter, occluders, overlaps, border cuts and '
        'camera noise (default: 1)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace a dataset or write next to other files in OUT_DIR')
    parser.add_argument(
        '--skip-existing',
        action='store_true',
        help='do nothing if OUT_DIR already holds a finished dataset '
        'generated with the same arguments')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    kwargs = dict(num_train=args.num_train, num_val=args.num_val,
                  image_size=tuple(args.image_size), seed=args.seed,
                  max_people=args.max_people, difficulty=args.difficulty)
    if args.skip_existing and gen.dataset_state(args.out_dir) == 'current' \
            and gen.recorded_arguments(
                gen.read_summary(args.out_dir)) == kwargs:
        print(f'{args.out_dir}: a finished dataset with the same arguments '
              'is already there, nothing to do')
        return 0
    start = time.perf_counter()
    try:
        summary = gen.generate_synthetic_coco_keypoints(
            args.out_dir, **kwargs, overwrite=args.force)
    except FileExistsError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    except (NotADirectoryError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start

    for split, stats in summary['splits'].items():
        labelled = stats['keypoints_v1'] + stats['keypoints_v2']
        total = labelled + stats['keypoints_v0']
        print(f'{split}: {stats["images"]} images, {stats["instances"]} '
              f'people ({stats["facing_front"]} facing the camera, '
              f'{stats["facing_back"]} facing away); keypoints v=2 '
              f'{stats["keypoints_v2"]}, v=1 {stats["keypoints_v1"]}, v=0 '
              f'{stats["keypoints_v0"]} ({labelled / max(total, 1):.1%} '
              'labelled)')
    print(f'val detections: {summary["detections_val"]}')
    print(f'wrote {args.out_dir} in {elapsed:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
