"""Reading images for inference with clear errors, and writing result
images without leaving partial files behind."""
import os.path as osp
from typing import Union

import cv2
import numpy as np

from .fileio import atomic_write

ImageLike = Union[str, np.ndarray]


def read_image(img: ImageLike) -> np.ndarray:
    """Return ``img`` as a contiguous ``(H, W, 3)`` uint8 BGR array.

    Args:
        img (str | np.ndarray): Image path, or an array of shape (H, W),
            (H, W, 1), (H, W, 3) (BGR) or (H, W, 4) (BGRA), dtype uint8.

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR image.

    Raises:
        FileNotFoundError: If the path does not exist.
        ValueError: If the file cannot be decoded, or the array has another
            dtype, rank or channel count.
    """
    if isinstance(img, str):
        if not osp.isfile(img):
            raise FileNotFoundError(f'image file {img!r} does not exist')
        # IMREAD_COLOR: grayscale is expanded and alpha dropped on reading
        array = cv2.imread(img, cv2.IMREAD_COLOR)
        if array is None:
            raise ValueError(f'image file {img!r} could not be decoded as '
                             'an image')
        return array
    if not isinstance(img, np.ndarray):
        raise TypeError(f'image must be a file path or a numpy array, got '
                        f'{type(img).__name__}')
    if img.dtype != np.uint8:
        raise ValueError(f'image array must be uint8 (0-255), got dtype '
                         f'{img.dtype}')
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.ndim == 3 and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.ndim == 3 and img.shape[2] == 3:
        return np.ascontiguousarray(img)
    raise ValueError(f'image array must have shape (H, W), (H, W, 1), '
                     f'(H, W, 3) or (H, W, 4); got {img.shape}')


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
