"""One synthetic street scene: plan it, then paint it back to front."""
from typing import Tuple

import numpy as np

from .camera import _Scene
from .layout import _plan_objects, _plan_segments, _plan_street
from .objects import DRAW
from .painters import (
    _finish,
    _render_ego_hood,
    _render_end_building,
    _render_ground,
    _render_plane,
    _render_sky,
)

#: Default image size ``(height, width)``: Cityscapes' 1:2 aspect at 1/4.
DEFAULT_SIZE = (256, 512)


def render_scene(rng,
                 image_size: Tuple[int, int] = DEFAULT_SIZE
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Render one synthetic street scene.

    Args:
        rng (np.random.Generator | int): Random generator, or a seed for
            one; the scene is a pure function of the generator's state.
        image_size (tuple[int, int]): Image size ``(H, W)``.

    Returns:
        tuple[np.ndarray, np.ndarray]: The RGB image, ``uint8`` of shape
        (H, W, 3), and the train-id label map, ``uint8`` of shape (H, W)
        with values in ``0..18`` or :data:`IGNORE_INDEX`.
    """
    height, width = _check_size(image_size)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    sc = _Scene(rng, height, width)
    st = _plan_street(sc)
    objs = _plan_objects(sc, st)  # before the ground: trains need rails
    _render_sky(sc)
    _render_ground(sc, st)
    layers = []
    # Facades stop where a building closes the street, if one does.
    z_end = sc.rng.uniform(70, 160) if sc.rng.random() < 0.6 else None
    z_max = 250.0 if z_end is None else z_end
    for side in (-1, 1):
        plan = st.side(side)
        facade = plan.facade
        back = _plan_segments(
            sc, ['building', 'vegetation', 'gap'], [0.6, 0.3, 0.1], z_max,
            lengths=dict(building=(10, 30), vegetation=(6, 20), gap=(5, 15)),
            heights=dict(building=(8, 30), vegetation=(5, 12)))
        front = _plan_segments(
            sc, ['building', 'wall', 'fence', 'vegetation', 'gap'],
            [0.48, 0.14, 0.12, 0.13, 0.13], z_max,
            lengths=dict(building=(10, 30), wall=(6, 18), fence=(6, 18),
                         vegetation=(5, 15), gap=(4, 12)),
            heights=dict(building=(6, 25), wall=(1.2, 2.8),
                         fence=(1.2, 2.4), vegetation=(1.5, 4.0)))
        layers.append((side, facade + sc.rng.uniform(5, 15), back))
        layers.append((side, facade, front))
        if plan.terrain > 0 and sc.rng.random() < 0.7:
            kerb = _plan_segments(
                sc, ['wall', 'fence', 'vegetation', 'gap'],
                [0.3, 0.35, 0.15, 0.2], z_max,
                lengths=dict(wall=(5, 15), fence=(5, 15), vegetation=(4, 10),
                             gap=(3, 10)),
                heights=dict(wall=(0.7, 1.6), fence=(0.9, 1.8),
                             vegetation=(0.8, 1.5)))
            layers.append((side, plan.walk_out, kerb))
    # Near to far: each plane only fills pixels no nearer plane took.
    for side, dist, segs in sorted(layers, key=lambda t: t[1]):
        _render_plane(sc, side, dist, segs)
    if z_end is not None:
        _render_end_building(sc, st, z_end)
    for obj in sorted(objs, key=lambda o: -o.depth):
        DRAW[obj.kind](sc, *obj.args)
    if sc.rng.random() < 0.7:
        _render_ego_hood(sc)
    return _finish(sc), sc.lab


# -------------------------------------------------------------- dataset io
def _check_size(size) -> Tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f'image_size must be (height, width), got {size!r}')
    if height < 32 or width < 64 or tuple(size) != (height, width):
        raise ValueError('image_size must be integers (height >= 32, width '
                         f'>= 64), got {size!r}')
    return height, width
