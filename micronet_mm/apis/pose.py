"""Checked top-down pose inference on top of ``mmpose.apis``.

:func:`mmpose.apis.init_model` and :func:`mmpose.apis.inference_topdown`
work with the pose configs as they are; these wrappers add the input checks
that mmpose leaves to the caller, so that a bad image or box gives an error
that names it instead of a traceback from deep inside a transform:

* images: a path (read as 3-channel BGR, whatever is stored) or a ``uint8``
  array; grayscale ``(H, W)`` / ``(H, W, 1)`` arrays are expanded to 3
  channels and 4-channel (BGRA) arrays lose their alpha channel;
* boxes: ``(N, 4)`` (or ``(N, 5)`` with a detector score, which is
  ignored) in ``xyxy`` or ``xywh``. ``None`` means one box covering the
  whole image (mmpose's convention), while an *empty* box list means that
  there is nobody to estimate and returns no results (mmpose would
  silently estimate one person over the whole image). Boxes must be finite,
  have a positive size and overlap the image; a box partly outside the
  image is fine (the crop is padded with zeros, as in training).
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ..utils.image_io import ImageLike, read_image
from .checked import init_checked


def check_bboxes(bboxes: Optional[Union[Sequence, np.ndarray]],
                 img_shape: Tuple[int, int],
                 bbox_format: str = 'xyxy') -> np.ndarray:
    """Validate person boxes and convert them to ``xyxy``.

    Args:
        bboxes (array-like, optional): ``(N, 4)`` boxes, ``(N, 5)`` boxes
            with a score column (ignored), or a single ``(4, )`` box. None
            means one box over the whole image.
        img_shape (tuple[int, int]): Image ``(height, width)``.
        bbox_format (str): ``'xyxy'`` or ``'xywh'``. Defaults to 'xyxy'.

    Returns:
        np.ndarray: (N, 4) float32 ``xyxy`` boxes; N may be 0.

    Raises:
        ValueError: For an unknown format, a wrong shape, non-finite values,
            a box without positive width and height, or a box that does not
            overlap the image (the message names the box and the image
            size).
    """
    if bbox_format not in ('xyxy', 'xywh'):
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got "
                         f'{bbox_format!r}')
    height, width = img_shape
    if bboxes is None:
        return np.array([[0, 0, width, height]], dtype=np.float32)
    boxes = np.asarray(bboxes, dtype=np.float64)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.float32)
    if boxes.ndim == 1:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
        raise ValueError(f'bboxes must have shape (N, 4) or (N, 5) '
                         f'({bbox_format}[, score]); got {boxes.shape}')
    boxes = boxes[:, :4].copy()
    if not np.isfinite(boxes).all():
        bad = int(np.flatnonzero(~np.isfinite(boxes).all(axis=1))[0])
        raise ValueError(f'bbox {bad} has non-finite values: '
                         f'{boxes[bad].tolist()}')
    if bbox_format == 'xywh':
        boxes[:, 2:] += boxes[:, :2]
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        if x2 <= x1 or y2 <= y1:
            raise ValueError(
                f'bbox {i} {boxes[i].tolist()} ({bbox_format} given, shown '
                'as xyxy) has no positive width and height; check the '
                'box format (bbox_format, --bbox-format of '
                'demo/pose_demo.py): xyxy is x1 y1 x2 y2, xywh is x y '
                'width height')
        if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
            raise ValueError(
                f'bbox {i} {boxes[i].tolist()} (xyxy) lies outside the '
                f'{width}x{height} (width x height) image; boxes are pixel '
                'coordinates of this image')
    return boxes.astype(np.float32)


def init_pose_model(config: str,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None):
    """:func:`mmpose.apis.init_model` with the checks of the training
    tools: the files exist, the config is a pose config and the checkpoint
    fits it (task, arch, data; see
    :func:`micronet_mm.utils.config.check_checkpoint`).

    Args:
        config (str): Config path.
        checkpoint (str, optional): Checkpoint path; None keeps the
            initial weights.
        device (str): Device. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The pose estimator in eval mode with ``cfg`` and
        ``dataset_meta`` set (the checkpoint's, else the config's).

    Raises:
        FileNotFoundError: A file does not exist.
        ValueError: The config or checkpoint belongs to another task, arch
            or data set (the message says what to use instead).
    """
    from mmpose.apis import init_model
    model, _, meta = init_checked(init_model, 'mmpose', 'pose inference',
                                  config, checkpoint, device, cfg_options)
    if meta:
        model.dataset_meta = meta
    return model


def inference_pose(model,
                   img: ImageLike,
                   bboxes=None,
                   bbox_format: str = 'xyxy') -> List:
    """Top-down keypoints for each person box of one image.

    Args:
        model (nn.Module): Model from :func:`init_pose_model` (or
            :func:`mmpose.apis.init_model`).
        img (str | np.ndarray): Image path or array (see
            :func:`read_image`).
        bboxes (array-like, optional): Person boxes (see
            :func:`check_bboxes`); None means the whole image.
        bbox_format (str): ``'xyxy'`` or ``'xywh'``.

    Returns:
        list[PoseDataSample]: One sample per box, in box order, with
        ``pred_instances.keypoints`` (1, K, 2) in image pixels and
        ``pred_instances.keypoint_scores`` (1, K). Empty for an empty box
        list.
    """
    image = read_image(img)
    boxes = check_bboxes(bboxes, image.shape[:2], bbox_format)
    if len(boxes) == 0:
        return []
    from mmpose.apis import inference_topdown
    return inference_topdown(model, image, boxes, bbox_format='xyxy')
