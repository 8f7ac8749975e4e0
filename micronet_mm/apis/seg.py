"""Checked semantic segmentation inference on top of ``mmseg.apis``.

:func:`mmseg.apis.init_model` and :func:`mmseg.apis.inference_model` work
with the segmentation configs as they are; these wrappers check the files,
the task, the checkpoint and the image first, so that a bad input gives an
error that names it and says what to use instead.
"""
from typing import Optional

from ..utils.config import config_dataset_meta
from ..utils.image_io import ImageLike, read_image
from .checked import init_checked


def init_seg_model(config: str,
                   checkpoint: Optional[str] = None,
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None):
    """:func:`mmseg.apis.init_model` with the checks of the training tools.

    The files must exist, the config must be a segmentation config and the
    checkpoint must fit it (task, arch, classes, data; see
    :func:`micronet_mm.utils.config.check_checkpoint`). SyncBN layers of
    multi-GPU configs become BN off the GPU (SyncBatchNorm has no CPU
    kernel; eval-mode use needs no synchronisation). A checkpoint without
    ``meta`` gets the class names and palette of the config's dataset.

    Args:
        config (str): Config path.
        checkpoint (str, optional): Checkpoint path; None keeps the
            initial weights.
        device (str): Device. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The segmentor in eval mode with ``cfg`` and
        ``dataset_meta`` set.

    Raises:
        FileNotFoundError: A file does not exist.
        ValueError: The config or checkpoint belongs to another task, arch
            or data set (the message says what to use instead).
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model
    model, cfg, meta = init_checked(init_model, 'mmseg',
                                    'segmentation inference', config,
                                    checkpoint, device, cfg_options)
    if not device.startswith('cuda'):
        model = revert_sync_batchnorm(model)
    meta = meta or config_dataset_meta(cfg)
    if meta.get('classes'):
        model.dataset_meta = dict(classes=meta['classes'],
                                  palette=meta.get('palette'))
    return model


def inference_seg(model, img: ImageLike):
    """Segment one image.

    Args:
        model (nn.Module): Model from :func:`init_seg_model` (or
            :func:`mmseg.apis.init_model`).
        img (str | np.ndarray): Image path or array (see
            :func:`micronet_mm.utils.image_io.read_image`).

    Returns:
        SegDataSample: ``pred_sem_seg`` (1, H, W) and ``seg_logits``
        (C, H, W) at the image's size.
    """
    image = read_image(img)
    from mmseg.apis import inference_model
    return inference_model(model, image)
