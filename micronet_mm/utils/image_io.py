"""Writing result images without leaving partial files behind."""
import os.path as osp

import cv2
import numpy as np

from .fileio import atomic_write


def write_rgb_image(path: str, rgb: np.ndarray) -> None:
    """Encode an RGB image by the extension of ``path`` and write it
    atomically (:func:`~micronet_mm.utils.fileio.atomic_write`), so a
    failure never leaves a truncated file or destroys an existing one.
    Missing folders are created.

    Args:
        path (str): Output file; the extension picks the format (``.png``
            when there is none).
        rgb (np.ndarray): (H, W, 3) uint8 RGB image.

    Raises:
        ValueError: If OpenCV cannot encode the extension.
    """
    ext = osp.splitext(path)[1] or '.png'
    try:
        ok, data = cv2.imencode(ext, np.ascontiguousarray(rgb[..., ::-1]))
    except cv2.error:  # OpenCV 5 raises instead of returning False
        ok = False
    if not ok:
        raise ValueError(f'cannot write {path!r}: OpenCV does not encode '
                         f'{ext!r} images')
    with atomic_write(path) as tmp:
        data.tofile(tmp)
