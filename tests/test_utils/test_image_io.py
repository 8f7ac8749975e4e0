"""micronet_mm.utils.image_io: atomic image writes."""
import cv2
import numpy as np
import pytest

from micronet_mm.utils.image_io import write_rgb_image


def test_writes_rgb_in_a_new_folder_and_replaces(tmp_path):
    rgb = np.zeros((8, 12, 3), np.uint8)
    rgb[..., 0] = 200  # red
    path = tmp_path / 'a' / 'b' / 'out.png'
    write_rgb_image(str(path), rgb)
    bgr = cv2.imread(str(path))
    np.testing.assert_array_equal(bgr[..., ::-1], rgb)
    write_rgb_image(str(path), rgb[:4])
    assert cv2.imread(str(path)).shape == (4, 12, 3)
    assert sorted(p.name for p in path.parent.iterdir()) == ['out.png']


def test_unknown_extension_keeps_the_existing_file(tmp_path):
    path = tmp_path / 'out.xyz'
    path.write_bytes(b'keep me')
    with pytest.raises(ValueError, match="'.xyz'"):
        write_rgb_image(str(path), np.zeros((4, 4, 3), np.uint8))
    assert path.read_bytes() == b'keep me'
    assert [p.name for p in tmp_path.iterdir()] == ['out.xyz']
