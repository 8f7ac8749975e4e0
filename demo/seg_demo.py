"""Semantic segmentation of one image, drawn as a colour overlay with
mmseg's SegLocalVisualizer.

Usage:
    python demo/seg_demo.py IMG CONFIG CHECKPOINT --out-file OUT.png
        [--opacity 0.5] [--device cpu] [--with-labels] [--force]

Checks CONFIG and CHECKPOINT as the training tools do (a segmentation
config; a checkpoint of the same task, arch and data, see
``micronet_mm.utils.config.check_checkpoint``), runs
``mmseg.apis.init_model`` / ``inference_model`` through
``micronet_mm.apis`` (which also checks the image) and writes the image
blended with the class colours of the prediction. A checkpoint without
``meta`` gets the class names of the config's dataset. Prints the share
of pixels per predicted class. Refuses to replace an existing
``--out-file`` unless ``--force`` is given; the file is
written under a temporary name and renamed, so a failed run leaves no
partial output; missing folders of ``--out-file`` are created.

Exit status: 0 on success, 1 when the output exists, 2 on bad input
(missing or unreadable files).
"""
import argparse
import os.path as osp
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Semantic segmentation demo (colour overlay)')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='segmentation config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', required=True,
                        help='where to write the overlay (PNG/JPEG); '
                        'missing folders are created')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the class colours, in (0, 1]')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--with-labels', action='store_true',
                        help='write class names on the regions')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing --out-file')
    return parser.parse_args(argv)


def segment(img_path, config, checkpoint, device='cpu'):
    """Predict one image.

    Returns:
        tuple: ``(model, result, image)``: the mmseg model (eval mode), its
        ``SegDataSample`` (``pred_sem_seg`` of shape (1, H, W)) and the
        image as an (H, W, 3) RGB array.
    """
    from micronet_mm.apis import inference_seg, init_seg_model, read_image
    from micronet_mm.utils.checkpoint import read_checkpoint
    model = init_seg_model(config, checkpoint, device=device)
    if not (read_checkpoint(checkpoint).get('meta') or {}).get(
            'dataset_meta'):
        print(f'note: {checkpoint} has no meta (class names, palette): '
              f'using those of the dataset of {config}')
    image = read_image(img_path)
    result = inference_seg(model, image)
    return model, result, image[..., ::-1].copy()


def draw(model, result, image, opacity=0.5, with_labels=False):
    """The overlay as an (H, W, 3) RGB uint8 array."""
    from mmseg.visualization import SegLocalVisualizer

    visualizer = SegLocalVisualizer(alpha=opacity)
    visualizer.dataset_meta = dict(
        classes=model.dataset_meta['classes'],
        palette=model.dataset_meta['palette'])
    visualizer.add_datasample(
        'overlay',
        image,
        data_sample=result,
        draw_gt=False,
        draw_pred=True,
        show=False,
        with_labels=with_labels)
    return visualizer.get_image()


def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.exists(args.out_file) and not args.force:
        print(f'seg_demo: {args.out_file} exists; pass --force to replace '
              'it', file=sys.stderr)
        return 1
    for name in ('img', 'config', 'checkpoint'):
        path = getattr(args, name)
        if not osp.isfile(path):
            print(f'seg_demo: {name} {path!r} does not exist',
                  file=sys.stderr)
            return 2
    if not 0 < args.opacity <= 1:
        print(f'seg_demo: --opacity must be in (0, 1], got {args.opacity}',
              file=sys.stderr)
        return 2
    from micronet_mm.utils.image_io import write_rgb_image
    try:
        model, result, image = segment(args.img, args.config,
                                       args.checkpoint, args.device)
        overlay = draw(model, result, image, args.opacity, args.with_labels)
        write_rgb_image(args.out_file, overlay)
    except ValueError as err:
        print(f'seg_demo: {err}', file=sys.stderr)
        return 2
    pred = result.pred_sem_seg.data[0].cpu().numpy()
    counts = np.bincount(pred.ravel(), minlength=len(
        model.dataset_meta['classes']))
    shares = ', '.join(
        f'{model.dataset_meta["classes"][k]} {100 * c / pred.size:.1f}%'
        for k, c in sorted(enumerate(counts), key=lambda kc: -kc[1])
        if c)
    print(f'predicted {pred.shape[0]}x{pred.shape[1]}: {shares}')
    print(f'overlay written to {args.out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
