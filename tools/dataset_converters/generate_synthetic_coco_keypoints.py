"""Generate the synthetic COCO person-keypoint dataset.

Writes ``OUT_DIR/images/{train,val}/``, ``OUT_DIR/annotations/
person_keypoints_{train,val}.json``, ``OUT_DIR/annotations/
person_detections_val.json`` and, last, the completion marker
``OUT_DIR/.complete.json``. See
:mod:`micronet_mm.datasets.synthetic_coco_keypoints` for what is drawn.

Examples:
    python tools/dataset_converters/generate_synthetic_coco_keypoints.py \\
        data/synthetic_coco_keypoints
    python tools/dataset_converters/generate_synthetic_coco_keypoints.py \\
        data/tiny --num-train 50 --num-val 20 --size 320 320 --seed 1

Exit status: 0 on success (or, with ``--exist-ok``, when an identical
finished dataset is already there), 1 when OUT_DIR holds a finished
dataset or other files and ``--force`` was not given, 2 on bad arguments.
A directory left by an interrupted run is regenerated without ``--force``.
"""
import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path


def _import_generator():
    """Load the generator module without importing ``micronet_mm``.

    The package's ``__init__`` registers models into three OpenMMLab
    registries (and imports torch), which costs seconds and is not needed
    to draw images, so the module file of this checkout is loaded directly;
    it only needs numpy and cv2.
    """
    path = Path(__file__).resolve().parents[2] / (
        'micronet_mm/datasets/synthetic_coco_keypoints.py')
    if not path.is_file():
        from micronet_mm.datasets import synthetic_coco_keypoints
        return synthetic_coco_keypoints
    spec = importlib.util.spec_from_file_location(
        'micronet_mm_synthetic_coco_keypoints', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic COCO person-keypoint dataset.')
    parser.add_argument(
        'out_dir', help='output directory (OUT_DIR, created if missing)')
    parser.add_argument(
        '--num-train',
        type=int,
        default=600,
        help='number of training images, 1-3 people each (default: 600)')
    parser.add_argument(
        '--num-val',
        type=int,
        default=100,
        help='number of validation images (default: 100)')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(384, 384),
        metavar=('H', 'W'),
        help='image height and width (default: 384 384)')
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
        help='replace a finished dataset or other files in OUT_DIR')
    parser.add_argument(
        '--exist-ok',
        action='store_true',
        help='succeed without writing if OUT_DIR already holds a finished '
        'dataset generated with the same arguments')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    gen = _import_generator()
    out_dir = Path(args.out_dir)

    if args.exist_ok and not args.force:
        marker = gen.read_completion_marker(out_dir)
        if marker is not None:
            wanted = dict(
                num_train=args.num_train,
                num_val=args.num_val,
                image_size=list(args.size),
                seed=args.seed,
                max_people=args.max_people,
                difficulty=args.difficulty)
            have = marker.get('params', {})
            if all(have.get(k) == v for k, v in wanted.items()) and have.get(
                    'format_version') == gen.FORMAT_VERSION:
                print(f'{out_dir} already holds this dataset; nothing to do')
                return 0
            print(
                f'error: {out_dir} holds a dataset generated with '
                f'{json.dumps(have)}, not {json.dumps(wanted)}; use --force '
                'to replace it',
                file=sys.stderr)
            return 1

    start = time.time()
    try:
        summary = gen.generate_synthetic_coco_keypoints(
            out_dir,
            num_train=args.num_train,
            num_val=args.num_val,
            image_size=tuple(args.size),
            seed=args.seed,
            max_people=args.max_people,
            difficulty=args.difficulty,
            overwrite=args.force)
    except FileExistsError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    except (ValueError, NotADirectoryError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    elapsed = time.time() - start

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
    print(f'wrote {out_dir} in {elapsed:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
