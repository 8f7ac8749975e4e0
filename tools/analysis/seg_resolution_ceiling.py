"""Best mIoU a segmentation model can reach at a given input size and
output stride, measured on a dataset's label maps.

Usage:
    python tools/analysis/seg_resolution_ceiling.py DATA_ROOT
        [--split val] [--heights 128 256 512] [--stride 8]
        [--num-classes 19] [--ignore-index 255]

A model whose logits live on a grid ``stride`` times coarser than its input
cannot draw boundaries finer than that grid. For each input height ``h``
(width keeps the label's aspect ratio), the "perfect" logits are the
per-class area fractions of the label on the ``h / stride`` grid; they are
upsampled bilinearly to the label size and the argmax is scored like
mmseg's IoUMetric. Whatever a network learns, its mIoU at that input size
and stride stays below this ceiling (up to what the upsampling of real
logits can sharpen). Reads ``gtFine/<split>/*/*_gtFine_labelTrainIds.png``
(the Cityscapes layout).
"""
import argparse
import glob
import os.path as osp
import sys
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

LABEL_GLOB = osp.join('gtFine', '{split}', '*', '*_gtFine_labelTrainIds.png')


def ceiling_iou(labels: Sequence[np.ndarray], height: int, stride: int,
                num_classes: int = 19,
                ignore_index: int = 255) -> np.ndarray:
    """Per-class IoU of the perfect stride-``stride`` prediction.

    Args:
        labels (Sequence[np.ndarray]): Label maps (H, W) of train ids.
        height (int): Network input height; the label is resized to it.
        stride (int): Output stride of the logits.
        num_classes (int): Number of classes.
        ignore_index (int): Label value that is not scored.

    Returns:
        np.ndarray: (num_classes,) IoU in [0, 1]; NaN for a class absent
        from both the labels and the predictions (left out of the mean, as
        mmseg does).
    """
    if height < stride or stride < 1:
        raise ValueError(f'need height >= stride >= 1, got height {height},'
                         f' stride {stride}')
    inter = np.zeros(num_classes)
    union = np.zeros(num_classes)
    for label in labels:
        lab = torch.from_numpy(np.asarray(label, np.int64))
        h, w = lab.shape
        grid = (max(1, height // stride),
                max(1, round(height * w / h) // stride))
        valid = lab != ignore_index
        onehot = F.one_hot(torch.where(valid, lab, num_classes),
                           num_classes + 1)[..., :num_classes]
        onehot = onehot.permute(2, 0, 1)[None].float()
        logits = F.adaptive_avg_pool2d(onehot, grid)
        pred = F.interpolate(logits, (h, w), mode='bilinear',
                             align_corners=False).argmax(1)[0]
        pred = pred[valid]
        target = lab[valid]
        inter += np.bincount(target[pred == target].numpy(),
                             minlength=num_classes)[:num_classes]
        union += (np.bincount(pred.numpy(), minlength=num_classes) +
                  np.bincount(target.numpy(), minlength=num_classes)
                  )[:num_classes]
    union -= inter
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(union > 0, inter / union, np.nan)


def load_labels(root: str, split: str) -> List[np.ndarray]:
    pattern = osp.join(root, LABEL_GLOB.format(split=split))
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise FileNotFoundError(f'no label maps match {pattern} (expected '
                                'the Cityscapes layout)')
    return [np.array(Image.open(p)) for p in paths]


def main(argv=None) -> Dict[int, float]:
    parser = argparse.ArgumentParser(
        description=' '.join(__doc__.split('\n\n')[0].split()),
        epilog='Writes nothing; prints one line per input height.')
    parser.add_argument('data_root',
                        help='data set in the Cityscapes layout (gtFine/)')
    parser.add_argument('--split', default='val',
                        help='gtFine split to read (default: val)')
    parser.add_argument('--heights', type=int, nargs='+',
                        default=[128, 256, 512],
                        help='network input heights to score (default: '
                        '128 256 512)')
    parser.add_argument('--stride', type=int, default=8,
                        help='output stride of the logits (default: 8, '
                        'MR-ASPP)')
    parser.add_argument('--num-classes', type=int, default=19,
                        help='number of classes (default: 19)')
    parser.add_argument('--ignore-index', type=int, default=255,
                        help='label value left out of the score (default: '
                        '255)')
    args = parser.parse_args(argv)
    bad = [h for h in args.heights if h < args.stride]
    if args.stride < 1 or bad or args.num_classes < 1:
        parser.error(f'need --heights >= --stride >= 1 and --num-classes '
                     f'>= 1; got --stride {args.stride}, --heights '
                     f'{" ".join(map(str, args.heights))}, --num-classes '
                     f'{args.num_classes}')
    try:
        labels = load_labels(args.data_root, args.split)
    except FileNotFoundError as err:
        sys.exit(f'error: {err}')
    print(f'{len(labels)} label maps of {args.data_root} ({args.split}), '
          f'logits at stride {args.stride}')
    print('input height | ceiling mIoU | per-class IoU (%)')
    result = {}
    for height in args.heights:
        iou = ceiling_iou(labels, height, args.stride, args.num_classes,
                          args.ignore_index)
        result[height] = float(np.nanmean(iou) * 100)
        print(f'{height:12d} | {result[height]:12.1f} | ' +
              ' '.join('-' if np.isnan(v) else f'{100 * v:.0f}'
                       for v in iou))
    return result


if __name__ == '__main__':
    main()
