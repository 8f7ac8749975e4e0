"""Checked semantic segmentation inference on top of ``mmseg.apis``.

:func:`mmseg.apis.init_model` and :func:`mmseg.apis.inference_model` work
with the segmentation configs as they are (SyncBN layers of the multi-GPU
configs run on the CPU in eval mode); these wrappers check the files and
the image first, so that a bad input gives an error that names it.
"""
from typing import Optional

from ..utils.config import check_model_files
from ..utils.image_io import ImageLike, read_image


def init_seg_model(config: str,
                   checkpoint: Optional[str] = None,
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None):
    """:func:`mmseg.apis.init_model` with existence checks of the files.

    Args:
        config (str): Config path.
        checkpoint (str, optional): Checkpoint path; None keeps the
            initial weights.
        device (str): Device. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The segmentor in eval mode with ``cfg`` and
        ``dataset_meta`` set.
    """
    check_model_files(config, checkpoint)
    from mmseg.apis import init_model
    return init_model(config, checkpoint, device=device,
                      cfg_options=cfg_options)


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
