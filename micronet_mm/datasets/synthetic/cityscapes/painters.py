"""Painters of the scene's surfaces: sky, ground, facades, the ego car's
bonnet and the camera effects."""
import math
from typing import List

import cv2
import numpy as np

from .camera import _Scene
from .labels import _BUILDING, _ROAD, _SIDEWALK, _SKY, _TERRAIN, IGNORE_INDEX
from .layout import (
    BuildingTexture,
    FenceTexture,
    Segment,
    StreetPlan,
    Texture,
    WallTexture,
    _segment_params,
)


# --------------------------------------------------------------- rendering
def _render_sky(sc: _Scene):
    """Sky gradient with soft clouds above the horizon."""
    rng = sc.rng
    top = sc.colour(_SKY)
    bottom = np.clip(top * rng.uniform(1.05, 1.3) + rng.normal(0, 8, 3), 0,
                     255)
    rows = int(min(sc.h, math.ceil(sc.y_hor + 1)))
    if rows <= 0:
        return
    t = np.clip(sc.ys[:rows] / max(sc.y_hor, 1.0), 0, 1)[:, None, None]
    sky = top * (1 - t) + bottom * t
    cloud_c = sc.colour(_SKY, avoid=[top], min_dist=30)
    cover = rng.uniform(0.0, 0.6)
    amount = np.clip((sc.coarse[:rows] - (1 - cover)) * 3, 0, 1)[..., None]
    sky = sky * (1 - amount) + cloud_c * amount
    sc.img[:rows] = sky
    sc.lab[:rows] = _SKY


def _render_ground(sc: _Scene, st: StreetPlan):
    """Road, sidewalks and terrain on the ground plane below the horizon."""
    rng = sc.rng
    r0 = int(np.searchsorted(sc.ys - sc.y_hor, 0.5))
    if r0 >= sc.h:
        return
    dy = sc.ys[r0:, None] - sc.y_hor  # (R, 1)
    zg = sc.f * sc.cam_h / dy  # (R, 1) depth of each ground row
    xg = (sc.xs[None, :] - sc.x_vp) * sc.cam_h / dy  # (R, W) lateral pos
    zg = np.broadcast_to(zg, xg.shape)
    rl, rr = st.road_l, st.road_r
    road = (xg >= rl) & (xg <= rr)
    walk = ((xg >= -st.left.walk_out) & (xg < -st.left.walk_in)) | (
        (xg > st.right.walk_in) & (xg <= st.right.walk_out))
    cls = np.full(xg.shape, _TERRAIN, np.uint8)
    cls[walk] = _SIDEWALK
    cls[road] = _ROAD
    out = np.empty(xg.shape + (3, ), np.float32)

    road_c = sc.colour(_ROAD)
    walk_c = sc.colour(_SIDEWALK, avoid=[road_c])
    terr_c = sc.colour(_TERRAIN, avoid=[walk_c])
    terr_c2 = sc.colour(_TERRAIN, avoid=[terr_c], min_dist=30)

    # Terrain: patches of two colours (grass, soil) with grainy speckle.
    sel = cls == _TERRAIN
    fine, mid, coarse = (n[r0:][sel] for n in (sc.fine, sc.mid, sc.coarse))
    pal = np.stack([terr_c, terr_c2])
    k = (0.8 + 0.4 * mid + 0.25 * (fine - 0.5))[:, None]
    out[sel] = pal[(coarse > 0.5).astype(np.intp)] * k

    # Sidewalk: square tiles with grout lines and a kerb along the road.
    x, z, fine = xg[walk], zg[walk], sc.fine[r0:][walk]
    tile = rng.uniform(0.4, 1.1)
    ti, tj = np.floor(x / tile), np.floor(z / tile)
    jitter = ((ti * 7919 + tj * 104729) % 97) / 97.0 - 0.5
    idx = ((x / tile - ti) < 0.08) | ((z / tile - tj) < 0.08)
    idx = idx.astype(np.intp)
    idx[(np.abs(x + st.left.walk_in) < 0.25) |
        (np.abs(x - st.right.walk_in) < 0.25)] = 2
    pal = np.stack([walk_c, walk_c * 0.7, np.clip(walk_c * 1.25, 0, 255)])
    out[walk] = pal[idx] * (1 + 0.18 * jitter + 0.12 * (fine - 0.5))[:, None]

    # Road: asphalt grain, lane markings, optional zebra crossing and rails.
    x, z = xg[road], zg[road]
    fine, mid, coarse = (n[r0:][road] for n in (sc.fine, sc.mid, sc.coarse))
    mark = np.zeros(x.shape, bool)
    mark_w = rng.uniform(0.12, 0.2)
    dash = rng.uniform(6, 12)
    dash_on = (z / dash) % 1.0 < rng.uniform(0.3, 0.6)
    for i in range(1, st.n_lanes):
        mark |= (np.abs(x - (rl + i * st.lane_w)) < mark_w) & dash_on
    if rng.random() < 0.6:
        mark |= (np.abs(x - (rl + 0.35)) < mark_w) | (
            np.abs(x - (rr - 0.35)) < mark_w)
    if st.zebra is not None:
        z0, length = st.zebra
        mark |= (x % 1.0 < 0.5) & (z >= z0) & (z < z0 + length)
    idx = mark.astype(np.intp)
    if st.rails is not None:
        for xr in (st.rails - 0.72, st.rails + 0.72):
            idx[np.abs(x - xr) < 0.07] = 2
    mark_c = sc.colour(None) if rng.random() < 0.3 else np.clip(
        road_c * 2.2 + 30, 0, 250)
    pal = np.stack([road_c, mark_c, np.clip(road_c * 1.6, 0, 255)])
    k = 0.9 + 0.2 * mid + 0.2 * (fine - 0.5) + 0.12 * (coarse - 0.5)
    out[road] = pal[idx] * k[:, None]

    # Cast shadows of buildings across the ground.
    for _ in range(int(rng.integers(0, 3))):
        side = rng.choice([-1.0, 1.0])
        edge = rng.uniform(-2.0, 6.0)
        z0 = rng.uniform(5, 40)
        slope = rng.uniform(-0.3, 0.3)
        inside = (side * xg < edge + slope * (zg - z0)) & (zg >= z0) & (
            zg < z0 + rng.uniform(8, 40))
        out[inside] *= rng.uniform(0.5, 0.75)

    sc.img[r0:] = out
    sc.lab[r0:] = cls


def _segment_texture(p: Texture, height: float, u: np.ndarray,
                     v: np.ndarray, fine: np.ndarray,
                     mid: np.ndarray) -> np.ndarray:
    """Texture of facade pixels from their wall coordinates.

    Args:
        p (Texture): Texture of the segment, from :func:`_segment_params`.
        height (float): Height of the segment in metres.
        u (np.ndarray): (N,) position along the segment in metres.
        v (np.ndarray): (N,) height above ground in metres.
        fine (np.ndarray): (N,) per-pixel noise in [0, 1].
        mid (np.ndarray): (N,) smooth noise in [0, 1].

    Returns:
        np.ndarray: (N, 3) RGB colours.
    """
    c = p.colour
    if isinstance(p, BuildingTexture):
        wu = (u / p.win_period) % 1.0
        wv = (v / p.floor_h) % 1.0
        half = p.win_frac / 2
        win = (np.abs(wu - 0.5) < half) & (wv > 0.3) & (
            wv < 0.3 + p.win_hfrac) & (v > 2.8) & (v < height - 0.8)
        if height > 6:  # shop windows on the ground floor
            win |= (v > 0.4) & (v < 2.4) & (np.abs(wu - 0.5) < 0.4)
        idx = win.astype(np.intp)
        if p.band:
            idx[(v > height - 0.5) | (np.abs(v - 2.7) < 0.15)] = 2
        pal = np.stack([c, p.win_colour, c * 0.7])
        k = 0.92 + 0.16 * mid + 0.1 * (fine - 0.5)
    elif isinstance(p, WallTexture):
        if p.brick:
            shift = (np.floor(v / p.row_h) % 2) * p.brick_l / 2
            joint = ((v / p.row_h) % 1.0 < 0.15) | (
                ((u + shift) / p.brick_l) % 1.0 < 0.08)
        else:
            joint = (u / p.panel) % 1.0 < 0.03
        joint |= v > height - 0.12
        idx = joint.astype(np.intp)
        pal = np.stack([c, p.joint])
        k = 0.85 + 0.3 * mid + 0.15 * (fine - 0.5)
    elif isinstance(p, FenceTexture):
        if p.mesh:
            solid = (((u + v) / p.period) % 1.0 < 0.3) | (
                ((u - v) / p.period) % 1.0 < 0.3)
        else:
            solid = (u / p.period) % 1.0 < p.duty
        solid |= (v > height - 0.1) | (np.abs(v - 0.3 * height) < 0.05)
        idx = (~solid).astype(np.intp)
        pal = np.stack([c, p.gap])
        k = 0.9 + 0.2 * fine
    else:  # vegetation: leafy blotches with dark holes
        hole = mid < 0.25
        idx = hole.astype(np.intp)
        pal = np.stack([c, p.dark])
        k = np.where(hole, 0.8 + 0.4 * fine,
                     0.55 + 0.7 * mid + 0.3 * (fine - 0.5))
    return pal[idx] * k[:, None]


def _render_plane(sc: _Scene, side: int, dist: float,
                  segs: List[Segment]):
    """Render segments of a vertical plane parallel to the street.

    Args:
        side (int): -1 for the left side of the street, +1 for the right.
        dist (float): Lateral distance of the plane from the camera (m).
        segs (list[Segment]): Segments from :func:`_plan_segments`.
    """
    dx = (sc.xs - sc.x_vp) * side
    cols = np.nonzero(dx > 0.5)[0]
    if cols.size == 0:
        return
    zc_all = sc.f * dist / dx[cols]
    for seg in segs:
        sel = np.nonzero((zc_all >= seg.z0) & (zc_all < seg.z1))[0]
        if sel.size == 0:
            continue
        c0, c1 = cols[sel[0]], cols[sel[-1]] + 1
        zc = sc.f * dist / dx[c0:c1]
        u = zc - seg.z0
        top = np.full_like(zc, seg.height)
        if seg.kind == 'vegetation':
            p = seg.texture
            top = top * (1 + p.amp * (0.6 * np.sin(u * p.k1 + p.p1)
                                         + 0.4 * np.sin(u * p.k2 +
                                                        p.p2)))
        y_top = sc.y_hor + sc.f * (sc.cam_h - top) / zc
        y_bot = sc.y_hor + sc.f * sc.cam_h / zc
        r0 = int(np.clip(np.floor(y_top.min()), 0, sc.h))
        r1 = int(np.clip(np.ceil(y_bot.max()), 0, sc.h))
        if r1 <= r0:
            continue
        ys = sc.ys[r0:r1, None]
        mask = (ys >= y_top) & (ys < y_bot) & ~sc.covered[r0:r1, c0:c1]
        rows, cc = np.nonzero(mask)
        v = sc.cam_h - (ys[rows, 0] - sc.y_hor) * zc[cc] / sc.f
        rows += r0
        cc += c0
        tex = _segment_texture(seg.texture, seg.height, u[cc - c0], v,
                               sc.fine[rows, cc], sc.mid[rows, cc])
        sc.img[rows, cc] = tex
        sc.lab[rows, cc] = seg.texture.cls
        sc.covered[rows, cc] = True


def _render_end_building(sc: _Scene, st: StreetPlan, z: float):
    """A building at depth ``z`` closing the street, facing the camera."""
    rng = sc.rng
    xl, xr = -st.left.facade - 10, st.right.facade + 10
    height = rng.uniform(8, 30)
    texture = _segment_params(sc, 'building')
    (x0, x1), (y0, y1) = sc.proj(np.array([xl, xr]), np.array([height, 0]),
                                 z)
    c0, c1 = int(np.clip(x0, 0, sc.w)), int(np.clip(math.ceil(x1), 0, sc.w))
    r0, r1 = int(np.clip(y0, 0, sc.h)), int(np.clip(math.ceil(y1), 0, sc.h))
    if c1 <= c0 or r1 <= r0:
        return
    u = (sc.xs[None, c0:c1] - sc.x_vp) * z / sc.f - xl
    v = sc.cam_h - (sc.ys[r0:r1, None] - sc.y_hor) * z / sc.f
    u, v = np.broadcast_arrays(u, v)
    mask = (v >= 0) & (v <= height) & ~sc.covered[r0:r1, c0:c1]
    fine = sc.fine[r0:r1, c0:c1][mask]
    mid = sc.mid[r0:r1, c0:c1][mask]
    sc.img[r0:r1, c0:c1][mask] = _segment_texture(texture, height, u[mask],
                                                  v[mask], fine, mid)
    sc.lab[r0:r1, c0:c1][mask] = _BUILDING


def _render_ego_hood(sc: _Scene):
    """The recording car's bonnet at the bottom: ignored, like Cityscapes."""
    rng = sc.rng
    depth = sc.h * rng.uniform(0.04, 0.09)
    t = (sc.xs - sc.w / 2) / (sc.w / 2)
    top = sc.h - depth * (1 - 0.35 * t**2)  # (W,) top edge of the bonnet
    mask = sc.ys[:, None] >= top[None, :]
    r0 = int(max(0, np.floor(top.min())))
    c = sc.colour(None) * 0.6
    grad = (0.7 + 0.5 * (sc.ys[r0:, None, None] - r0) / max(depth, 1)) * c
    sub = mask[r0:]
    sc.img[r0:][sub] = np.broadcast_to(grad, sub.shape + (3, ))[sub]
    sc.lab[r0:][sub] = IGNORE_INDEX


def _finish(sc: _Scene) -> np.ndarray:
    """Camera effects: blur, lighting gradient, colour cast, gamma, noise."""
    rng = sc.rng
    img = cv2.GaussianBlur(sc.img, (0, 0), rng.uniform(0.5, 0.9))
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    light = 1 + gx * (sc.xs[None, :] / sc.w - 0.5) + gy * (
        sc.ys[:, None] / sc.h - 0.5)
    gain = rng.uniform(0.9, 1.1, 3).astype(np.float32) * rng.uniform(
        0.85, 1.15)
    img *= light[..., None]
    img *= gain
    img += 0.5
    np.clip(img, 0, 255, out=img)
    gamma = rng.uniform(0.85, 1.15)
    lut = np.round(255.0 * (np.arange(256) / 255.0)**gamma).astype(np.uint8)
    img = cv2.LUT(img.astype(np.uint8), lut).astype(np.float32)
    # Uniform sensor noise of standard deviation 3..9 (cheaper to draw
    # than Gaussian noise, and just as good at hiding flat colours).
    amp = rng.uniform(3.0, 9.0) * math.sqrt(12)
    img += amp * (rng.random(img.shape, dtype=np.float32) - 0.5) + 0.5
    np.clip(img, 0, 255, out=img)
    return img.astype(np.uint8)
