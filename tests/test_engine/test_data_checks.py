"""Unreadable image files: what is detected, the error, and skipping."""
import io

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import micronet_mm
from micronet_mm.datasets.transforms import (
    BadImageError,
    CheckedLoad,
    image_file_problem,
)

micronet_mm.register_task('engine')  # CheckedLoad, built by name


def _jpeg(size=64, seed=0) -> bytes:
    img = np.random.default_rng(seed).integers(0, 255, (size, size, 3))
    ok, data = cv2.imencode('.jpg', img.astype(np.uint8))
    assert ok
    return data.tobytes()


def _png(size=32) -> bytes:
    buf = io.BytesIO()
    Image.new('RGB', (size, size), (10, 20, 30)).save(buf, format='PNG')
    return buf.getvalue()


def _with_thumbnail(main: bytes) -> bytes:
    """``main`` with an EXIF-style APP1 segment holding a whole JPEG (the
    thumbnail's end marker precedes the main image's data)."""
    payload = b'Exif\x00\x00' + _jpeg(16, seed=1)
    segment = b'\xff\xe1' + (len(payload) + 2).to_bytes(2, 'big') + payload
    return main[:2] + segment + main[2:]


@pytest.mark.parametrize('data', [_jpeg(), _png(), _with_thumbnail(_jpeg()),
                                  _jpeg() + b'\x00' * 100],
                         ids=['jpeg', 'png', 'jpeg-thumbnail',
                              'jpeg-trailing-padding'])
def test_good_files_pass(data):
    assert image_file_problem(data) is None


@pytest.mark.parametrize('data,words', [
    (b'', 'empty file'),
    (b'<html>not found</html>', 'not an image file'),
    (_jpeg()[:-2], 'truncated JPEG'),
    (_jpeg()[:len(_jpeg()) // 2], 'truncated JPEG'),
    (_with_thumbnail(_jpeg())[:-300], 'truncated JPEG'),
    (_jpeg()[:40], 'truncated JPEG'),
    (_png()[:-12], 'truncated PNG'),
])
def test_bad_files_are_described(data, words):
    assert words in image_file_problem(data)


def _write(path, data):
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize('loader', [dict(type='LoadImageFromFile'),
                                    dict(type='mmpose.LoadImage')])
def test_error_names_file_problem_and_expectation(tmp_path, loader):
    check = CheckedLoad(loader=loader)
    good = _write(tmp_path / 'good.jpg', _jpeg())
    assert check(dict(img_path=good))['img'].shape == (64, 64, 3)
    cases = {
        'cut.jpg': (_jpeg()[:-500], 'truncated JPEG'),
        'empty.png': (b'', 'empty file'),
        'text.png': (b'hello world', 'not an image file'),
    }
    for name, (data, words) in cases.items():
        path = _write(tmp_path / name, data)
        with pytest.raises(BadImageError) as err:
            check(dict(img_path=path))
        message = str(err.value)
        assert path in message and words in message
        assert 'expected a complete PNG, JPEG' in message
    with pytest.raises(BadImageError, match='missing.png: file does not'):
        check(dict(img_path=str(tmp_path / 'missing.png')))


def test_undecodable_file_with_a_valid_structure(tmp_path):
    """Structure fine, pixels garbage: the loader's failure is reported
    with the file name."""
    data = bytearray(_png())
    data[40:60] = b'\x00' * 20  # breaks the compressed IDAT stream
    path = _write(tmp_path / 'broken.png', bytes(data))
    with pytest.raises(BadImageError, match='broken.png: could not be '
                       'decoded'):
        CheckedLoad(loader=dict(type='LoadImageFromFile'))(
            dict(img_path=path))


def test_label_maps_are_checked_for_mmseg(tmp_path):
    from mmengine.registry import DefaultScope
    img = _write(tmp_path / 'a.png', _png())
    seg = _write(tmp_path / 'a_label.png', _png()[:-30])
    with DefaultScope.overwrite_default_scope('mmseg'):
        check = CheckedLoad(loader=dict(type='LoadAnnotations'))
        with pytest.raises(BadImageError, match='a_label.png: truncated PNG'):
            check(dict(img_path=img, seg_map_path=seg, seg_fields=[],
                       reduce_zero_label=False))


def test_in_memory_images_are_not_checked():
    check = CheckedLoad(loader=dict(type='mmpose.LoadImage'))
    img = np.zeros((8, 8, 3), np.uint8)
    out = check(dict(img=img, img_path='not/on/disk.jpg'))
    assert out['img'].shape == (8, 8, 3)


def test_skipping_counts_across_forked_workers(tmp_path):
    """Skip mode: the dataset draws replacements, only good images come
    out, and the count of distinct bad files is shared with the data
    loader workers."""
    from mmengine.registry import DefaultScope
    from mmpretrain.datasets import CustomDataset
    for label in ('a', 'b'):
        (tmp_path / label).mkdir()
        for i in range(4):
            _write(tmp_path / label / f'{i}.jpg', _jpeg(seed=i))
    bad = [_write(tmp_path / 'a' / '1.jpg', _jpeg()[:-700]),
           _write(tmp_path / 'b' / '2.jpg', b'')]
    pipeline = [dict(type='CheckedLoad', skip_bad=True,
                     loader=dict(type='LoadImageFromFile')),
                dict(type='PackInputs')]
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = CustomDataset(data_root=str(tmp_path), pipeline=pipeline)
    check = dataset.pipeline.transforms[0]
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=2, num_workers=2, collate_fn=list,
        multiprocessing_context='fork')
    for _ in range(3):  # epochs: each bad file is met in every one
        seen = [s['data_samples'].img_path for batch in loader
                for s in batch]
        assert len(seen) == 8
        assert not set(bad) & set(seen)
    # counted once per file, whichever worker met it and how often
    assert check.num_skipped == 2
    with pytest.raises(BadImageError):
        CheckedLoad(loader=dict(type='LoadImageFromFile'))(
            dict(img_path=bad[0]))


def test_worker_error_reads_as_the_original_one_line():
    """torch re-raises a data loader worker's error with the worker's
    traceback as the message; the error keeps the one-line message and
    holds the traceback apart (tools/train.py logs it to the file)."""
    from torch._utils import ExceptionWrapper
    original = BadImageError('/data/x.png', 'truncated PNG',
                             'Replace or remove the file')
    try:
        raise original
    except BadImageError:
        wrapper = ExceptionWrapper(where='in DataLoader worker process 0')
    with pytest.raises(BadImageError) as err:
        wrapper.reraise()
    assert str(err.value) == str(original)
    assert str(original).endswith('image. Replace or remove the file')
    assert 'Traceback' in err.value.traceback
    assert original.traceback is None
