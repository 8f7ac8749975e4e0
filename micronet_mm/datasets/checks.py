"""Input checks for the segmentation configs.

mmseg reports a missing dataset, a label map with stray values or a label
map of the wrong size late and without naming the file: ``list_dir_or_file``
raises on a missing folder, a stray value is silently turned into a CUDA
assert or a wrong loss, and a size mismatch fails in the loss with two
tensor shapes. The checks here fail early with the file, the value and what
was expected:

* :class:`CheckedCityscapesDataset`: ``CityscapesDataset`` that verifies
  the dataset layout when it is built (data root, image and label folders,
  one label map per image, at least one image) and says how to prepare the
  data when it is not there;
* :class:`CheckSegMap`: a pipeline transform placed right after
  ``LoadAnnotations`` that checks label values and the label/image size.
"""
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.datasets import CityscapesDataset

#: What the Cityscapes configs expect under ``data_root``.
CITYSCAPES_LAYOUT = """\
  {root}/
    leftImg8bit/{{train,val}}/<city>/<name>_leftImg8bit.png
    gtFine/{{train,val}}/<city>/<name>_gtFine_labelTrainIds.png"""

#: How to get there; see docs/en/segmentation.md.
CITYSCAPES_HINT = (
    'Download leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip from '
    'https://www.cityscapes-dataset.com, unzip both into data/cityscapes, '
    'then create the *_labelTrainIds.png files with mmseg\'s converter '
    '(needs `pip install cityscapesscripts`): python <mmseg>/.mim/tools/'
    'dataset_converters/cityscapes.py data/cityscapes --nproc 8. For a '
    'synthetic set in the same layout run python tools/dataset_converters/'
    'generate_synthetic_cityscapes.py data/synthetic_cityscapes. See '
    'docs/en/segmentation.md.')


class CheckedCityscapesDataset(CityscapesDataset):
    """``CityscapesDataset`` that checks its folders and files up front.

    Args:
        prepare_hint (str, optional): How to create the dataset, appended
            to the error for a missing or incomplete layout. Defaults to
            the Cityscapes download and conversion steps.
        **kwargs: ``CityscapesDataset`` arguments.

    Raises:
        FileNotFoundError: When building the dataset, if the data root,
            the image folder or the label folder does not exist, if a label
            map is missing for an image, or if no image is found.
    """

    def __init__(self, prepare_hint: Optional[str] = None, **kwargs):
        self.prepare_hint = prepare_hint or CITYSCAPES_HINT
        super().__init__(**kwargs)

    def _layout_error(self, problem: str) -> FileNotFoundError:
        root = self.data_root or '<data_root>'
        return FileNotFoundError(
            f'{problem}\nExpected layout (image and label suffixes '
            f'{self.img_suffix!r}, {self.seg_map_suffix!r}):\n'
            f'{CITYSCAPES_LAYOUT.format(root=root)}\n{self.prepare_hint}')

    def load_data_list(self):
        """List the samples after checking the layout (see class doc)."""
        if self.data_root and not osp.isdir(self.data_root):
            raise self._layout_error(
                f'Cityscapes data root {self.data_root!r} does not exist '
                f'(absolute: {osp.abspath(self.data_root)}).')
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path')
        for key, folder in (('img_path', img_dir), ('seg_map_path',
                                                    ann_dir)):
            if folder is not None and not osp.isdir(folder):
                raise self._layout_error(
                    f'data_prefix.{key} folder {folder!r} does not exist.')
        data_list = super().load_data_list()
        if not data_list:
            raise self._layout_error(
                f'no *{self.img_suffix} image under {img_dir!r}.')
        if ann_dir is not None:
            missing = [
                info for info in data_list
                if not osp.isfile(info['seg_map_path'])
            ]
            if missing:
                raise self._layout_error(
                    f'{len(missing)} of {len(data_list)} images have no '
                    f'label map: {missing[0]["seg_map_path"]!r} is missing '
                    f'for image {missing[0]["img_path"]!r}.')
        return data_list


class CheckSegMap(BaseTransform):
    """Check a loaded label map's values and its size against the image.

    Place it directly after ``LoadAnnotations``. Uses ``ori_shape`` (the
    image as read from disk), so it also works in test pipelines where the
    image is resized before the labels are loaded. Samples without a label
    file (inference on a bare image) pass through unchecked.

    Args:
        num_classes (int): Valid labels are ``0 .. num_classes - 1``.
            Defaults to 19 (Cityscapes train ids).
        ignore_index (int | Sequence[int]): Extra allowed value(s).
            Defaults to 255.

    Raises:
        ValueError: Naming the label file (and the image for a size
            mismatch) if the map holds other values or its height/width
            differ from the image's.
    """

    def __init__(self,
                 num_classes: int = 19,
                 ignore_index=255):
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'CheckSegMap: num_classes must be a positive '
                             f'int, got {num_classes!r}')
        if isinstance(ignore_index, int):
            ignore_index = (ignore_index, )
        self.num_classes = num_classes
        self.ignore_index = tuple(int(i) for i in ignore_index)
        self._allowed = np.zeros(65536, bool)
        self._allowed[:num_classes] = True
        self._allowed[list(self.ignore_index)] = True

    def _allowed_text(self) -> str:
        extra = ', '.join(map(str, self.ignore_index))
        return f'0..{self.num_classes - 1} or {extra}'

    def transform(self, results: dict) -> dict:
        """Check ``results['gt_seg_map']``; returns ``results`` as is."""
        seg = results.get('gt_seg_map')
        path = results.get('seg_map_path')
        if seg is None:
            if path is None:
                # inference on an image without labels (mmseg's
                # inference_model drops LoadAnnotations): nothing to check
                return results
            raise KeyError(f'CheckSegMap: {path} has not been loaded yet; '
                           'put CheckSegMap after LoadAnnotations in the '
                           'pipeline')
        path = path or '<label map given in memory>'
        img_path = results.get('img_path', '<unknown image>')
        shape = results.get('ori_shape') or results['img'].shape[:2]
        if tuple(seg.shape[:2]) != tuple(shape[:2]):
            raise ValueError(
                f'label map {path} is {seg.shape[0]}x{seg.shape[1]} (HxW) '
                f'but its image {img_path} is {shape[0]}x{shape[1]}; label '
                'maps must have the size of their image')
        values = np.unique(seg)
        bad = values[(values < 0) | (values >= len(self._allowed))]
        inside = values[(values >= 0) & (values < len(self._allowed))]
        bad = np.concatenate([bad, inside[~self._allowed[inside]]])
        if bad.size:
            shown = ', '.join(str(int(v)) for v in np.sort(bad)[:8])
            raise ValueError(
                f'label map {path} holds values {shown}; expected train ids '
                f'{self._allowed_text()} (Cityscapes *_labelTrainIds.png, '
                'not *_labelIds.png; see docs/en/segmentation.md)')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')


__all__ = [
    'CheckedCityscapesDataset', 'CheckSegMap', 'CITYSCAPES_LAYOUT',
    'CITYSCAPES_HINT'
]
