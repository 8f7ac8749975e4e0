"""Image files that cannot be read: a clear error, or skipped and counted.

The stock loaders report an unreadable file as ``AssertionError: failed to
load image: PATH`` (mmcv), the same with "Please check whether the file
exists" (mmpose), or an OpenCV assertion without the file name (an empty
file). Neither says what is wrong with the file, and a single bad file
among millions stops a multi-day run.

:class:`CheckedLoad` wraps a loading transform. Before the loader runs it
looks at the file's bytes (no decoding): an empty file, a signature of no
image format, a JPEG without its end-of-image marker or a PNG without its
``IEND`` chunk (both: a truncated file). A decoding failure of the loader
itself is caught too. Each problem raises :class:`BadImageError` naming
the file, what is wrong and what was expected; with ``skip_bad=True``
(training only) the sample is dropped instead: the transform returns
``None``, which makes MMEngine's ``BaseDataset`` draw another sample, and
the skip is counted. :func:`install_data_checks` wraps the loaders of a
config's data loaders (``tools/train.py`` and ``tools/test.py`` call it);
the config key ``skip_bad_images = True`` turns skipping on for the
training set.
"""
import hashlib
import multiprocessing
import os.path as osp
from typing import Iterator, List, Optional

from mmcv.transforms import BaseTransform
from mmengine.config import ConfigDict
from mmengine.fileio import get
from mmengine.logging import print_log

#: Loader types that read ``results['img_path']``.
IMAGE_LOADERS = ('LoadImageFromFile', 'LoadImage')
#: Loader types that read ``results['seg_map_path']`` (mmseg).
LABEL_LOADERS = ('LoadAnnotations', )

_SIGNATURES = (
    (b'\x89PNG\r\n\x1a\n', 'PNG'),
    (b'\xff\xd8\xff', 'JPEG'),
    (b'BM', 'BMP'),
    (b'II*\x00', 'TIFF'),
    (b'MM\x00*', 'TIFF'),
    (b'GIF87a', 'GIF'),
    (b'GIF89a', 'GIF'),
)
#: Distinct bad files whose path hashes are shared between workers.
_SEEN_CAPACITY = 4096
_EXPECTED = 'a complete PNG, JPEG, BMP, TIFF, WebP, GIF or PNM image'


class BadImageError(ValueError):
    """An image (or label map) file that cannot be read.

    Args:
        path (str): The file.
        problem (str): What is wrong with it.
        hint (str, optional): What the user can do, appended to the
            message.

    Attributes:
        traceback (str | None): The traceback of the data loader worker
            that raised the error, when re-raised by torch in the main
            process (the message is then the worker's message alone).
    """

    def __init__(self, path: str, problem: Optional[str] = None,
                 hint: Optional[str] = None):
        self.traceback = None
        if problem is None and path.startswith('Caught '):
            # torch re-raises a worker's error as BadImageError("Caught
            # BadImageError in DataLoader worker process N.\nOriginal
            # Traceback ...\n<module>.BadImageError: <message>")
            self.traceback = path
            lines = [ln for ln in path.splitlines() if ln.strip()]
            path = lines[-1].split('BadImageError: ', 1)[-1]
        self.path = path
        self.problem = problem
        # one argument: a message as given
        message = path if problem is None else \
            f'{path}: {problem}; expected {_EXPECTED}'
        super().__init__(f'{message}. {hint}' if hint else message)


def _format(data: bytes) -> Optional[str]:
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'WEBP'
    if len(data) > 2 and data[:1] == b'P' and data[1:2] in b'123456' and \
            data[2:3].isspace():
        return 'PNM'
    return None


def _jpeg_problem(data: bytes) -> Optional[str]:
    """Truncation check: walk the marker segments up to the first
    start-of-scan (skipping APPn segments, which may hold a thumbnail with
    its own end marker), then look for the end-of-image marker. Inside the
    entropy-coded data 0xFF is always followed by 0x00 or a restart marker,
    so 0xFFD9 after the scan header can only be the end of the image."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return f'corrupt JPEG marker structure at byte {pos}'
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return 'JPEG ends before its image data (no start of scan)'
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], 'big')
        if marker == 0xDA:  # start of scan
            if data.find(b'\xff\xd9', pos + 2 + length) < 0:
                return (f'truncated JPEG ({len(data)} bytes, no '
                        'end-of-image marker FFD9 after the image data)')
            return None
        pos += 2 + length
    return f'truncated JPEG ({len(data)} bytes, ends inside its header)'


def image_file_problem(data: bytes) -> Optional[str]:
    """What is wrong with the bytes of an image file, or None.

    Checks structure only (no decoding): empty, unknown signature,
    truncated JPEG or PNG.

    Args:
        data (bytes): The file's content.

    Returns:
        str | None: A description of the problem.
    """
    if not data:
        return 'empty file (0 bytes)'
    fmt = _format(data)
    if fmt is None:
        return (f'not an image file (starts with bytes {data[:8].hex(" ")})')
    if fmt == 'JPEG':
        return _jpeg_problem(data)
    if fmt == 'PNG' and data.rfind(b'IEND', 8) < 0:
        return f'truncated PNG ({len(data)} bytes, no IEND chunk)'
    return None


class CheckedLoad(BaseTransform):
    """Run a loading transform on files that were checked first.

    Args:
        loader (dict): Config of the wrapped transform, e.g.
            ``dict(type='LoadImageFromFile')`` (mmcv, mmseg, mmpretrain),
            ``dict(type='LoadImage')`` (mmpose) or mmseg's
            ``dict(type='LoadAnnotations')`` (its label map is checked).
        skip_bad (bool): Return None for a bad file (the dataset then
            draws another sample) instead of raising; for training sets
            only. Defaults to False.
        backend_args (dict, optional): File backend arguments for reading
            the bytes; defaults to the loader's ``backend_args``.
        split (str, optional): ``'train'``, ``'val'`` or ``'test'``: the
            error message then says how to skip bad training images, or
            that evaluation never skips. Defaults to None (no advice).

    Raises:
        BadImageError: For a missing, empty, unknown, truncated or
            undecodable file when ``skip_bad`` is False.
    """

    def __init__(self,
                 loader: dict,
                 skip_bad: bool = False,
                 backend_args: Optional[dict] = None,
                 split: Optional[str] = None):
        from mmengine.registry import TRANSFORMS
        if not isinstance(loader, dict) or 'type' not in loader:
            raise TypeError(f'CheckedLoad: loader must be a transform '
                            f'config dict with a type, got {loader!r}')
        self.loader_cfg = dict(loader)
        self.loader = TRANSFORMS.build(loader)
        name = str(loader['type']).rsplit('.', 1)[-1]
        self.path_key = 'seg_map_path' if name in LABEL_LOADERS \
            else 'img_path'
        self.skip_bad = bool(skip_bad)
        self.backend_args = backend_args if backend_args is not None else \
            loader.get('backend_args')
        self.split = split
        # Shared with forked data loader workers (per process after spawn):
        # the count of distinct bad files and their path hashes, so that a
        # file drawn again (next epoch, another worker, MMEngine's refetch)
        # is counted and logged once.
        self._skipped = multiprocessing.Value('q', 0) if skip_bad else None
        self._seen = multiprocessing.Array(
            'q', _SEEN_CAPACITY, lock=False) if skip_bad else None
        self._local_seen = set()

    @property
    def num_skipped(self) -> int:
        """Distinct bad files skipped so far (by all forked workers)."""
        if self._skipped is not None:
            return int(self._skipped.value)
        return len(self._local_seen)

    def __getstate__(self):
        state = dict(self.__dict__)
        # shared memory survives fork, not pickling (spawn)
        state['_skipped'] = state['_seen'] = None
        return state

    def _first_skip(self, path: str) -> bool:
        """Count ``path`` as skipped; True the first time it is seen."""
        if self._skipped is None:
            first = path not in self._local_seen
            self._local_seen.add(path)
            return first
        key = int.from_bytes(
            hashlib.blake2b(str(path).encode(), digest_size=8).digest(),
            'big', signed=True)
        with self._skipped.get_lock():
            count = self._skipped.value
            # past the table's capacity files are counted at every skip
            if key in self._seen[:min(count, _SEEN_CAPACITY)]:
                return False
            if count < _SEEN_CAPACITY:
                self._seen[count] = key
            self._skipped.value = count + 1
        return True

    def _hint(self) -> Optional[str]:
        if self.split == 'train':
            return ('Replace or remove the file, or skip bad training '
                    'images with --cfg-options skip_bad_images=True')
        if self.split in ('val', 'test'):
            return ('Replace or remove the file (evaluation never skips '
                    'images)')
        return None

    def _problem(self, path: str) -> Optional[str]:
        if not osp.isfile(path) and '://' not in str(path):
            return 'file does not exist'
        try:
            data = get(path, backend_args=self.backend_args)
        except OSError as err:
            return f'cannot be read ({err})'
        return image_file_problem(data)

    def _bad(self, path: str, problem: str):
        if not self.skip_bad:
            raise BadImageError(path, problem, self._hint())
        if self._first_skip(path):
            print_log(f'skipped {path}: {problem} ({self.num_skipped} bad '
                      'file(s) skipped so far; skip_bad_images=True)',
                      logger='current', level=30)
        return None

    def transform(self, results: dict) -> Optional[dict]:
        """Check the file, then run the loader (see class doc)."""
        path = results.get(self.path_key)
        if path is None or (self.path_key == 'img_path'
                            and results.get('img') is not None):
            return self.loader(results)  # in-memory input: nothing to check
        problem = self._problem(path)
        if problem is not None:
            return self._bad(path, problem)
        try:
            out = self.loader(results)
        except (AssertionError, OSError, ValueError) as err:
            return self._bad(path, f'could not be decoded ({err})')
        except Exception as err:  # cv2.error derives from Exception only
            if type(err).__module__.startswith('cv2'):
                return self._bad(path, f'could not be decoded ({err})')
            raise
        return out

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(loader={self.loader!r}, '
                f'skip_bad={self.skip_bad})')


def _datasets(node) -> Iterator[dict]:
    """Dataset configs in ``node``, wrappers (``dataset``/``datasets``)
    included."""
    if not isinstance(node, dict):
        return
    yield node
    yield from _datasets(node.get('dataset'))
    for item in node.get('datasets') or []:
        yield from _datasets(item)


def _wrap(pipeline: List, skip_bad: bool, scope: Optional[str],
          split: str) -> int:
    count = 0
    for i, step in enumerate(pipeline or []):
        if not isinstance(step, dict):
            continue
        name = str(step.get('type', '')).rsplit('.', 1)[-1]
        label = name in LABEL_LOADERS and (scope == 'mmseg' or str(
            step.get('type')).startswith('mmseg.'))
        if name in IMAGE_LOADERS or label:
            pipeline[i] = ConfigDict(type='CheckedLoad', loader=step,
                                     skip_bad=skip_bad, split=split)
            count += 1
    return count


def install_data_checks(cfg) -> int:
    """Wrap the image and label loaders of a config's data loaders in
    :class:`CheckedLoad` (in place; idempotent).

    ``skip_bad`` is the config's ``skip_bad_images`` (default False) for
    ``train_dataloader`` and always False for validation and test, whose
    samples must all be evaluated.

    Args:
        cfg (Config): A config with ``*_dataloader`` entries.

    Returns:
        int: The number of loaders wrapped.
    """
    skip = bool(cfg.get('skip_bad_images', False))
    scope = cfg.get('default_scope')
    count = 0
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        for dataset in _datasets(loader.get('dataset')):
            count += _wrap(dataset.get('pipeline'),
                           skip and split == 'train', scope, split)
    return count


def find_checked_loads(dataset) -> List[CheckedLoad]:
    """The :class:`CheckedLoad` transforms in a built dataset's pipeline
    (dataset wrappers included)."""
    found, seen = [], set()
    stack = [dataset]
    while stack:
        obj = stack.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        pipeline = getattr(obj, 'pipeline', None)
        for transform in getattr(pipeline, 'transforms', None) or []:
            if isinstance(transform, CheckedLoad):
                found.append(transform)
        stack.append(getattr(obj, 'dataset', None))
        stack.extend(getattr(obj, 'datasets', None) or [])
    return found


__all__ = [
    'BadImageError', 'CheckedLoad', 'image_file_problem',
    'install_data_checks', 'find_checked_loads', 'IMAGE_LOADERS',
    'LABEL_LOADERS'
]
