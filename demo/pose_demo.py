"""Top-down keypoints for the people in one image, drawn with mmpose's
visualizer.

Usage:
    python demo/pose_demo.py IMG CONFIG CHECKPOINT --out-file OUT.png
        [--bboxes X1 Y1 X2 Y2 [X1 Y1 X2 Y2 ...]] [--bbox-format xyxy|xywh]
        [--kpt-thr 0.3] [--device cpu] [--force]

Without ``--bboxes`` the whole image is one person box. ``--bboxes`` with
no numbers means "no people": the image is written without skeletons.
Prints one line per box with the mean keypoint score. Refuses to replace
an existing ``--out-file`` unless ``--force`` is given; missing folders of
it are created. CONFIG and CHECKPOINT are checked as the training tools
check them (a pose config; a checkpoint of the same task, arch and data).

Exit status: 0 on success, 1 when the output exists, 2 on bad input
(missing files, unreadable image, invalid boxes).
"""
import argparse
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Top-down pose estimation demo')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='pose config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', required=True,
                        help='where to write the drawing (PNG/JPEG); '
                        'missing folders are created')
    parser.add_argument(
        '--bboxes', type=float, nargs='*', default=None,
        metavar='V', help='person boxes, 4 numbers each (default: the '
        'whole image; given with no numbers: no people)')
    parser.add_argument('--bbox-format', choices=('xyxy', 'xywh'),
                        default='xyxy')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='draw keypoints with a score above this')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing --out-file')
    return parser.parse_args(argv)


def _boxes(values):
    if values is None:
        return None
    if len(values) % 4:
        raise ValueError(f'--bboxes needs 4 numbers per box, got '
                         f'{len(values)} numbers')
    return np.asarray(values, dtype=np.float32).reshape(-1, 4)


def draw(model, image_bgr, results, kpt_thr):
    """RGB drawing of ``results`` on ``image_bgr`` by mmpose's visualizer."""
    from mmpose.registry import VISUALIZERS
    from mmpose.structures import merge_data_samples
    visualizer = VISUALIZERS.build(
        dict(type='PoseLocalVisualizer',
             name=f'pose_demo_{os.getpid()}_{time.monotonic_ns()}',
             radius=3, line_width=2,
             # the opencv backend calls int() on a 1-element array, which
             # numpy 2 rejects (mmpose 1.3.2); matplotlib draws the same
             backend='matplotlib'))
    visualizer.set_dataset_meta(model.dataset_meta)
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    if not results:
        return rgb
    visualizer.add_datasample(
        'result',
        rgb,
        data_sample=merge_data_samples(results),
        draw_gt=False,
        draw_bbox=True,
        draw_heatmap=False,
        kpt_thr=kpt_thr,
        show=False)
    return visualizer.get_image()


def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.exists(args.out_file) and not args.force:
        print(f'error: {args.out_file} exists; pass --force to replace it',
              file=sys.stderr)
        return 1
    from micronet_mm.apis import (
        check_bboxes,
        inference_pose,
        init_pose_model,
        read_image,
    )
    try:
        image = read_image(args.img)
        boxes = check_bboxes(_boxes(args.bboxes), image.shape[:2],
                             args.bbox_format)
        model = init_pose_model(args.config, args.checkpoint,
                                device=args.device)
        results = inference_pose(model, image, boxes)
    except (FileNotFoundError, ValueError, TypeError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not results:
        print('no person boxes: nothing to estimate')
    for i, sample in enumerate(results):
        scores = sample.pred_instances.keypoint_scores[0]
        box = boxes[i].round(1).tolist()
        print(f'box {i} {box}: {len(scores)} keypoints, mean score '
              f'{float(np.mean(scores)):.3f}')
    drawing = draw(model, image, results, args.kpt_thr)
    from micronet_mm.utils.image_io import write_rgb_image
    try:
        write_rgb_image(args.out_file, drawing)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'wrote {args.out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
