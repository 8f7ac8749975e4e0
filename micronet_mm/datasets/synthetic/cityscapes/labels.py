"""Cityscapes classes, label ids and the colour prototypes classes draw
from."""
import numpy as np

#: The 19 Cityscapes training classes, indexed by train id.
CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
           'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
           'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
           'bicycle')

#: Official Cityscapes label id of each train id (``labelIds`` files).
LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31,
             32, 33)

#: Cityscapes visualisation colours (RGB) of the train ids.
PALETTE = ((128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156),
           (190, 153, 153), (153, 153, 153), (250, 170, 30), (220, 220, 0),
           (107, 142, 35), (152, 251, 152), (70, 130, 180), (220, 20, 60),
           (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100),
           (0, 80, 100), (0, 0, 230), (119, 11, 32))

#: Train id of pixels excluded from training and evaluation.
IGNORE_INDEX = 255


(_ROAD, _SIDEWALK, _BUILDING, _WALL, _FENCE, _POLE, _LIGHT, _SIGN, _VEG,
 _TERRAIN, _SKY, _PERSON, _RIDER, _CAR, _TRUCK, _BUS, _TRAIN, _MOTO,
 _BIKE) = range(19)


# Shared colour prototypes (RGB). Each class samples its colours from a
# subset of these, and the subsets overlap, so no colour belongs to a single
# class.
_PROTOS = np.array(
    [
        (88, 88, 92),  # 0 asphalt grey
        (150, 150, 146),  # 1 concrete
        (210, 208, 200),  # 2 off-white
        (42, 42, 48),  # 3 near black
        (62, 118, 52),  # 4 green
        (118, 122, 66),  # 5 olive
        (60, 96, 168),  # 6 blue
        (150, 182, 216),  # 7 light blue
        (166, 56, 48),  # 8 red
        (196, 172, 128),  # 9 sand
        (116, 82, 58),  # 10 brown
        (206, 182, 64),  # 11 yellow
        (204, 122, 56),  # 12 orange
        (120, 84, 130),  # 13 purple
    ],
    dtype=np.float32)

_ALL = tuple(range(len(_PROTOS)))


# Every prototype serves several classes (vehicles and people use all of
# them), yet each class keeps a small palette so that colour stays a weak
# cue that speeds up learning rather than pure noise.
_CLASS_PROTOS = {
    _ROAD: (0, 3, 13),
    _SIDEWALK: (1, 9, 8),
    _BUILDING: (9, 8, 2, 12, 7, 13),
    _WALL: (1, 10, 2, 0),
    _FENCE: (3, 4, 10),
    _POLE: (3, 1, 6, 0),
    _LIGHT: (3, 11, 4),
    _SIGN: (6, 8, 11),
    _VEG: (4, 5, 12),
    _TERRAIN: (5, 10, 11),
    _SKY: (7, 2, 1),
}


def train_ids_to_label_ids(train_ids: np.ndarray) -> np.ndarray:
    """Map a train-id map to official Cityscapes label ids.

    Args:
        train_ids (np.ndarray): Integer map of shape (H, W) with values in
            ``0..18`` or :data:`IGNORE_INDEX`.

    Returns:
        np.ndarray: ``uint8`` map of shape (H, W); ignored pixels become 0
        (Cityscapes' ``unlabeled``).

    Raises:
        ValueError: If ``train_ids`` holds a value that is not a train id.
    """
    train_ids = np.asarray(train_ids)
    lut = np.zeros(256, np.uint8)
    lut[:len(LABEL_IDS)] = LABEL_IDS
    valid = (train_ids < len(CLASSES)) | (train_ids == IGNORE_INDEX)
    if not np.all(valid & (train_ids >= 0)):
        bad = np.unique(train_ids[~valid])[:5].tolist()
        raise ValueError(f'train_ids must be in 0..{len(CLASSES) - 1} or '
                         f'{IGNORE_INDEX}, got values {bad}')
    return lut[train_ids.astype(np.uint8)]
