"""Painters of the foreground objects: vehicles, two-wheelers and riders,
people, poles with lights and signs, trees and clutter."""
from dataclasses import dataclass

import numpy as np

from .camera import _Scene
from .labels import (
    _BIKE,
    _BUS,
    _CAR,
    _LIGHT,
    _MOTO,
    _PERSON,
    _POLE,
    _PROTOS,
    _RIDER,
    _SIGN,
    _TRAIN,
    _TRUCK,
    _VEG,
    IGNORE_INDEX,
)


# ----------------------------------------------------------------- objects
def _draw_car(sc: _Scene, xc: float, z0: float):
    """Car centred at lateral ``xc`` whose rear is at depth ``z0``.

    Vehicles are street-aligned boxes: the rear face is always drawn, the
    side face too when the vehicle is not straight ahead of the camera.
    """
    rng = sc.rng
    w, length, ht = rng.uniform(1.65, 1.95), rng.uniform(3.8, 4.7), \
        rng.uniform(1.4, 1.65)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.35, 0.6))
    tyre = sc.shade(sc.colour(_POLE), 0.35)
    belt = ht * rng.uniform(0.55, 0.62)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.3), (z0, belt), (z0 + 0.1 * length, belt),
                          (z0 + 0.22 * length, ht), (z1 - 0.45 * length, ht),
                          (z1 - 0.25 * length, belt), (z1, belt - 0.1),
                          (z1, 0.3)], body, _CAR)
        sc.side_poly(xs, [(z0 + 0.14 * length, belt + 0.04),
                          (z0 + 0.24 * length, ht - 0.07),
                          (z1 - 0.47 * length, ht - 0.07),
                          (z1 - 0.3 * length, belt + 0.04)], glass, _CAR)
        for zw in (z0 + 0.18 * length, z1 - 0.2 * length):
            sc.side_disc(xs, zw, 0.32, 0.32, tyre, _CAR)
            sc.side_disc(xs, zw, 0.32, 0.15, sc.shade(tyre, 3.0), _CAR,
                         n=10)
    for xa, xb in ((x0 + 0.04 * w, x0 + 0.24 * w),
                   (x1 - 0.24 * w, x1 - 0.04 * w)):
        sc.front_rect(z0, xa, 0, xb, 0.4, tyre, _CAR)
    sc.front_rect(z0, x0, 0.28, x1, belt, body, _CAR)
    sc.front_poly(z0, [(x0 + 0.05 * w, belt), (x1 - 0.05 * w, belt),
                       (x1 - 0.15 * w, ht), (x0 + 0.15 * w, ht)], body, _CAR)
    sc.front_poly(z0, [(x0 + 0.12 * w, belt + 0.05),
                       (x1 - 0.12 * w, belt + 0.05),
                       (x1 - 0.19 * w, ht - 0.08),
                       (x0 + 0.19 * w, ht - 0.08)], glass, _CAR)
    lamp = sc.colour(_SIGN)
    for xa in (x0 + 0.03 * w, x1 - 0.2 * w):
        sc.front_rect(z0, xa, belt - 0.22, xa + 0.17 * w, belt - 0.08, lamp,
                      _CAR)
    sc.front_rect(z0, xc - 0.25, 0.42, xc + 0.25, 0.55, (225, 225, 215), _CAR)


def _draw_truck(sc: _Scene, xc: float, z0: float):
    """Box truck (cargo box behind a lower cab), rear at depth ``z0``."""
    rng = sc.rng
    w, box_l, cab_l = rng.uniform(2.3, 2.55), rng.uniform(5, 8), 2.2
    box_h, cab_h = rng.uniform(3.3, 3.9), rng.uniform(2.6, 3.0)
    x0, x1 = xc - w / 2, xc + w / 2
    z1 = z0 + box_l + 0.3 + cab_l
    box_c = sc.colour(None)
    cab_c = sc.colour(None, avoid=[box_c])
    dark = sc.shade(sc.colour(_POLE), 0.4)
    glass = sc.shade(sc.colour(_LIGHT), 0.5)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0 + 0.3, 0.6), (z1 - 0.3, 0.6), (z1 - 0.3, 1.0),
                          (z0 + 0.3, 1.0)], dark, _TRUCK)
        sc.side_poly(xs, [(z0, 0.95), (z0 + box_l, 0.95),
                          (z0 + box_l, box_h), (z0, box_h)], box_c, _TRUCK)
        for k in range(1, int(box_l / 1.2)):
            zz = z0 + k * 1.2
            sc.side_poly(xs, [(zz, 1.0), (zz + 0.08, 1.0),
                              (zz + 0.08, box_h - 0.05),
                              (zz, box_h - 0.05)], sc.shade(box_c, 0.8),
                         _TRUCK)
        zc0 = z0 + box_l + 0.3
        sc.side_poly(xs, [(zc0, 0.7), (z1, 0.7), (z1, cab_h - 0.5),
                          (z1 - 0.4, cab_h), (zc0, cab_h)], cab_c, _TRUCK)
        sc.side_poly(xs, [(zc0 + 0.3, 1.8), (z1 - 0.5, 1.8),
                          (z1 - 0.5, cab_h - 0.2), (zc0 + 0.3, cab_h - 0.2)],
                     glass, _TRUCK)
        for zw in (z0 + 1.2, z0 + 2.4, z1 - 1.0):
            sc.side_disc(xs, zw, 0.5, 0.5, dark, _TRUCK)
    for xa, xb in ((x0 + 0.05, x0 + 0.6), (x1 - 0.6, x1 - 0.05)):
        sc.front_rect(z0, xa, 0, xb, 1.0, dark, _TRUCK)
    sc.front_rect(z0, x0 + 0.2, 0.5, x1 - 0.2, 0.9, dark, _TRUCK)
    sc.front_rect(z0, x0, 0.9, x1, box_h, box_c, _TRUCK)
    seam = sc.shade(box_c, 0.65)
    sc.front_rect(z0, xc - 0.03, 1.0, xc + 0.03, box_h - 0.1, seam, _TRUCK)
    for xa in (x0 + 0.35, x1 - 0.35):
        sc.front_rect(z0, xa - 0.03, 1.0, xa + 0.03, box_h - 0.1, seam,
                      _TRUCK)


def _draw_bus(sc: _Scene, xc: float, z0: float):
    """Bus with a band of side windows, rear at depth ``z0``."""
    rng = sc.rng
    w, length, ht = rng.uniform(2.45, 2.55), rng.uniform(10, 13), \
        rng.uniform(3.0, 3.3)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.3, 0.55))
    dark = sc.shade(sc.colour(_POLE), 0.35)
    stripe = sc.colour(None, avoid=[body])
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.3), (z1, 0.3), (z1, ht), (z0, ht)], body,
                     _BUS)
        sc.side_poly(xs, [(z0, 0.55), (z1, 0.55), (z1, 0.8), (z0, 0.8)],
                     stripe, _BUS)
        pitch = rng.uniform(1.3, 1.8)
        zz = z0 + 0.4
        while zz + pitch < z1 - 0.3:
            sc.side_poly(xs, [(zz, 1.25), (zz + pitch - 0.15, 1.25),
                              (zz + pitch - 0.15, ht - 0.35),
                              (zz, ht - 0.35)], glass, _BUS)
            zz += pitch
        door = z1 - rng.uniform(2.0, 3.0)
        sc.side_poly(xs, [(door, 0.35), (door + 1.1, 0.35),
                          (door + 1.1, ht - 0.35), (door, ht - 0.35)],
                     sc.shade(glass, 0.8), _BUS)
        for zw in (z0 + 2.6, z1 - 2.4):
            sc.side_disc(xs, zw, 0.5, 0.5, dark, _BUS)
    for xa, xb in ((x0 + 0.1, x0 + 0.6), (x1 - 0.6, x1 - 0.1)):
        sc.front_rect(z0, xa, 0, xb, 0.5, dark, _BUS)
    sc.front_rect(z0, x0, 0.3, x1, ht, body, _BUS)
    sc.front_rect(z0, x0 + 0.15, 1.6, x1 - 0.15, ht - 0.25, glass, _BUS)
    sc.front_rect(z0, x0, 0.55, x1, 0.8, stripe, _BUS)
    sc.front_rect(z0, x0 + 0.4, ht - 0.22, x1 - 0.4, ht - 0.05,
                  (230, 200, 80), _BUS)


def _draw_train(sc: _Scene, xc: float, z0: float):
    """Long tram on rails with a pantograph, front at depth ``z0``."""
    rng = sc.rng
    w, length, ht = 2.65, rng.uniform(20, 34), rng.uniform(3.4, 3.7)
    x0, x1, z1 = xc - w / 2, xc + w / 2, z0 + length
    body = sc.colour(None)
    glass = sc.shade(sc.colour(_LIGHT), rng.uniform(0.3, 0.5))
    skirt = sc.shade(body, rng.uniform(0.45, 0.7))
    dark = sc.shade(sc.colour(_POLE), 0.3)
    sc.ground_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1)
    # Pantograph: a diamond of thin struts on the roof.
    zp = z0 + length * rng.uniform(0.3, 0.6)
    for k in range(2):
        xp = xc + (k - 0.5) * 0.8
        sc.front_bar(zp, xp, ht + 0.25, xc, ht + 1.2, 0.12, dark, _TRAIN)
    sc.front_bar(zp, xc - 1.0, ht + 1.25, xc + 1.0, ht + 1.25, 0.12, dark,
                 _TRAIN)
    xs = x1 if x1 < -0.05 else (x0 if x0 > 0.05 else None)
    if xs is not None:
        sc.side_poly(xs, [(z0, 0.15), (z1, 0.15), (z1, ht), (z0 + 0.6, ht),
                          (z0, ht - 0.6)], body, _TRAIN)
        sc.side_poly(xs, [(z0, 0.15), (z1, 0.15), (z1, 0.6), (z0, 0.6)],
                     skirt, _TRAIN)
        sc.side_poly(xs, [(z0, ht + 0.02), (z1, ht + 0.02), (z1, ht + 0.3),
                          (z0, ht + 0.3)], skirt, _TRAIN)
        zz, k = z0 + 1.0, 0
        while zz + 1.6 < z1 - 0.5:
            if k % 4 == 2:
                sc.side_poly(xs, [(zz, 0.3), (zz + 1.3, 0.3),
                                  (zz + 1.3, ht - 0.3), (zz, ht - 0.3)],
                             sc.shade(glass, 0.75), _TRAIN)
            else:
                sc.side_poly(xs, [(zz, 1.1), (zz + 1.4, 1.1),
                                  (zz + 1.4, ht - 0.5), (zz, ht - 0.5)],
                             glass, _TRAIN)
            zz += 1.7
            k += 1
    sc.front_rect(z0, x0 + 0.3, ht, x1 - 0.3, ht + 0.3, skirt, _TRAIN)
    sc.front_poly(z0, [(x0, 0.15), (x1, 0.15), (x1, ht - 0.4),
                       (x1 - 0.4, ht), (x0 + 0.4, ht), (x0, ht - 0.4)], body,
                  _TRAIN)
    sc.front_rect(z0, x0, 0.15, x1, 0.6, skirt, _TRAIN)
    sc.front_rect(z0, x0 + 0.2, 1.5, x1 - 0.2, ht - 0.35, glass, _TRAIN)
    for xa in (x0 + 0.45, x1 - 0.45):
        sc.front_ellipse(z0, xa, 0.95, 0.15, 0.12, (235, 230, 200), _TRAIN)


def _draw_wheel(sc, z, xw, r, tyre, rim, cls, spoke):
    """A side-view wheel in the plane ``Z = z``: tyre, rim and hub."""
    sc.front_ellipse(z, xw, r, r, r, tyre, cls)
    sc.front_ellipse(z, xw, r, r * (0.72 if spoke else 0.6), r *
                     (0.72 if spoke else 0.6), rim, cls)
    sc.front_ellipse(z, xw, r, r * 0.15, r * 0.15, tyre, cls, n=8)


def _draw_bike(sc: _Scene, x: float, z: float, motor: bool,
               rider: bool) -> None:
    """Bicycle or motorcycle in side view, optionally with a rider."""
    rng = sc.rng
    d = rng.choice([-1.0, 1.0])  # travel direction in the image plane
    frame = sc.colour(None)
    tyre = sc.shade(sc.colour(_POLE), 0.3)
    cls = _MOTO if motor else _BIKE
    if motor:
        r, base = 0.33, rng.uniform(1.35, 1.5)
        rim = sc.shade(frame, 0.6)
        seat = (x - 0.25 * d, 0.9)
        bar = (x + 0.45 * d, 1.1)
    else:
        r, base = 0.35, rng.uniform(1.0, 1.1)
        rim = np.clip(sc.colour(None) * 0.4 + 130, 0, 255)
        seat = (x - 0.25 * d, r + 0.6)
        bar = (x + 0.4 * d, r + 0.68)
    xr, xf = x - d * base / 2, x + d * base / 2
    sc.ground_shadow(x - base / 2 - r, x + base / 2 + r, z - 0.2, z + 0.2)
    col = _person_colours(sc) if rider else None
    if rider:
        _draw_rider(sc, z, d, seat, bar, motor, col, back=True)
    _draw_wheel(sc, z, xr, r, tyre, rim, cls, not motor)
    _draw_wheel(sc, z, xf, r, tyre, rim, cls, not motor)
    if motor:
        sc.front_poly(z, [(xr + 0.1 * d, r + 0.1), (x - 0.45 * d, 0.85),
                          (x + 0.1 * d, 0.95), (x + 0.4 * d, 0.95),
                          (xf - 0.15 * d, 0.6), (x + 0.2 * d, 0.25),
                          (x - 0.3 * d, 0.3)], frame, cls)
        sc.front_rect(z, x - 0.25, 0.25, x + 0.2, 0.6,
                      sc.shade(tyre, 1.5), cls)
        sc.front_bar(z, x + 0.4 * d, 1.0, xf, r, 0.09, tyre, cls)
        sc.front_ellipse(z, x + 0.55 * d, 0.95, 0.1, 0.08, (235, 230, 200),
                         cls)
    else:
        bb = (x - 0.05 * d, r - 0.02)
        head = (x + 0.33 * d, r + 0.5)
        tw = 0.07
        for a, b in (((xr, r), seat), ((xr, r), bb), (bb, seat), (bb, head),
                     (seat, head), (head, (xf, r)), (head, bar)):
            sc.front_bar(z, a[0], a[1], b[0], b[1], tw, frame, cls)
        sc.front_rect(z, seat[0] - 0.13, seat[1] - 0.02, seat[0] + 0.13,
                      seat[1] + 0.06, tyre, cls)
    if rider:
        _draw_rider(sc, z, d, seat, bar, motor, col, back=False)


@dataclass
class PersonColours:
    """RGB colours of one person (pedestrian or rider)."""
    skin: np.ndarray
    top: np.ndarray
    legs: np.ndarray
    hair: np.ndarray


def _person_colours(sc: _Scene) -> PersonColours:
    """Skin, clothes and hair colours of one person."""
    rng = sc.rng
    skin = _PROTOS[rng.choice([9, 10, 12, 2])] * rng.uniform(0.7, 1.1)
    top = sc.colour(None)
    return PersonColours(skin=np.clip(skin, 0, 255), top=top,
                         legs=sc.colour(None, avoid=[top]),
                         hair=sc.shade(sc.colour(_VEG),
                                       rng.uniform(0.3, 0.8)))


def _draw_rider(sc: _Scene, z: float, d: float, seat, bar, motor: bool,
                col: PersonColours, back: bool):
    """Seated rider; ``back`` draws the far leg, else body and near leg."""
    hip = (seat[0], seat[1] + 0.1)
    knee = (seat[0] + 0.4 * d, seat[1] + (0.05 if motor else 0.0))
    foot = (seat[0] + (0.35 if motor else 0.3) * d,
            0.3 if motor else 0.12)
    if back:
        sc.front_bar(z, hip[0], hip[1], knee[0], knee[1], 0.15,
                     sc.shade(col.legs, 0.8), _RIDER)
        sc.front_bar(z, knee[0], knee[1], foot[0] - 0.1 * d, foot[1] + 0.1,
                     0.12, sc.shade(col.legs, 0.8), _RIDER)
        return
    lean = 0.35 if motor else 0.25
    shoulder = (hip[0] + lean * d, hip[1] + 0.55)
    sc.front_bar(z, hip[0], hip[1], knee[0], knee[1], 0.16, col.legs,
                 _RIDER)
    sc.front_bar(z, knee[0], knee[1], foot[0], foot[1], 0.13, col.legs,
                 _RIDER)
    sc.front_poly(z, [(hip[0] - 0.14 * d, hip[1] - 0.05),
                      (hip[0] + 0.14 * d, hip[1] - 0.05),
                      (shoulder[0] + 0.13 * d, shoulder[1]),
                      (shoulder[0] - 0.13 * d, shoulder[1] + 0.02)],
                  col.top, _RIDER)
    sc.front_bar(z, shoulder[0], shoulder[1] - 0.05, bar[0], bar[1], 0.1,
                 col.top, _RIDER)
    hr = 0.14 if motor else 0.11
    helmet = sc.colour(None) if motor else col.skin
    sc.front_ellipse(z, shoulder[0] + 0.06 * d, shoulder[1] + 0.18, hr,
                     hr * 1.15, helmet, _RIDER)
    if not motor:
        sc.front_ellipse(z, shoulder[0] + 0.03 * d, shoulder[1] + 0.25, hr,
                         hr * 0.6, col.hair, _RIDER)


def _draw_person(sc: _Scene, x: float, z: float):
    """Walking pedestrian (sometimes a child) standing at ``(x, z)``."""
    rng = sc.rng
    h = rng.uniform(1.55, 1.9) if rng.random() < 0.85 else \
        rng.uniform(1.0, 1.35)
    col = _person_colours(sc)
    stride = rng.uniform(0.0, 0.28) * h
    swing = rng.uniform(-0.1, 0.1) * h
    sc.ground_shadow(x - 0.3, x + 0.3, z - 0.15, z + 0.15, 0.6)
    hip_y, sh_y = 0.5 * h, 0.81 * h
    leg_w = 0.075 * h
    sc.front_bar(z, x - 0.04 * h, hip_y, x - stride / 2, 0.02, leg_w,
                 col.legs, _PERSON)
    sc.front_bar(z, x + 0.04 * h, hip_y, x + stride / 2, 0.02, leg_w,
                 sc.shade(col.legs, 0.85), _PERSON)
    coat = rng.random() < 0.3
    sc.front_poly(z, [(x - (0.12 if coat else 0.1) * h,
                       (0.32 if coat else 0.48) * h),
                      (x + (0.12 if coat else 0.1) * h,
                       (0.32 if coat else 0.48) * h),
                      (x + 0.13 * h, sh_y), (x - 0.13 * h, sh_y)],
                  col.top, _PERSON)
    for sgn in (-1, 1):
        sc.front_bar(z, x + sgn * 0.13 * h, sh_y - 0.02 * h,
                     x + sgn * 0.15 * h + sgn * swing, 0.47 * h, 0.055 * h,
                     sc.shade(col.top, 0.9), _PERSON)
    sc.front_rect(z, x - 0.025 * h, sh_y - 0.01, x + 0.025 * h, 0.87 * h,
                  col.skin, _PERSON)
    sc.front_ellipse(z, x, 0.925 * h, 0.055 * h, 0.068 * h, col.skin,
                     _PERSON)
    sc.front_poly(z, [(x - 0.058 * h, 0.93 * h), (x + 0.058 * h, 0.93 * h),
                      (x + 0.04 * h, 0.995 * h), (x - 0.04 * h, 0.995 * h)],
                  col.hair, _PERSON)
    if rng.random() < 0.25:
        bag = sc.colour(None)
        sc.front_rect(z, x + 0.14 * h, 0.4 * h, x + 0.26 * h, 0.55 * h, bag,
                      _PERSON)


def _draw_traffic_light(sc: _Scene, x: float, y: float, z: float):
    """Traffic light housing centred at ``(x, y)`` in the plane ``Z=z``."""
    rng = sc.rng
    w, h = rng.uniform(0.42, 0.55), rng.uniform(1.15, 1.4)
    house = sc.colour(_LIGHT)
    plate = sc.colour(_LIGHT, avoid=[house], min_dist=30)
    sc.front_rect(z, x - w / 2 - 0.1, y - h / 2 - 0.05, x + w / 2 + 0.1,
                  y + h / 2 + 0.05, plate, _LIGHT)
    sc.front_rect(z, x - w / 2, y - h / 2, x + w / 2, y + h / 2, house,
                  _LIGHT)
    lit = int(rng.integers(3))
    bright = _PROTOS[[8, 11, 4][lit]] * 1.3 + 30
    for k in range(3):
        yk = y + (1 - k) * h / 3.2
        c = np.clip(bright, 0, 255) if k == lit else sc.shade(house, 0.5)
        sc.front_ellipse(z, x, yk, w * 0.3, w * 0.3, c, _LIGHT, n=12)
        sc.front_rect(z, x - w * 0.38, yk + w * 0.3, x + w * 0.38,
                      yk + w * 0.4, sc.shade(house, 0.6), _LIGHT)


def _draw_sign(sc: _Scene, x: float, y: float, z: float):
    """Traffic sign plate centred at ``(x, y)`` in the plane ``Z = z``."""
    rng = sc.rng
    r = rng.uniform(0.4, 0.55)
    face = sc.colour(_SIGN)
    rim = sc.colour(_SIGN, avoid=[face])
    shape = int(rng.integers(5))
    t = np.linspace(0, 2 * np.pi, [20, 3, 4, 8, 4][shape], endpoint=False)
    t = t + [0, np.pi / 2, np.pi / 4, np.pi / 8, 0][shape]
    if shape == 1 and rng.random() < 0.5:
        t = t + np.pi
    for k, c in ((1.0, rim), (0.78, face)):
        rr = r * k * (1.25 if shape == 1 else 1.0)
        sc.front_poly(z, np.stack([x + rr * np.cos(t), y + rr * np.sin(t)],
                                  1), c, _SIGN)
    sym = sc.colour(None, avoid=[face])
    if rng.random() < 0.5:
        sc.front_rect(z, x - 0.5 * r, y - 0.12 * r, x + 0.5 * r, y + 0.12 * r,
                      sym, _SIGN)
    else:
        sc.front_poly(z, [(x - 0.3 * r, y - 0.35 * r), (x + 0.35 * r, y),
                          (x - 0.3 * r, y + 0.35 * r)], sym, _SIGN)


def _draw_pole(sc: _Scene, x: float, z: float, side: int, attach: str):
    """Pole at ``(x, z)`` carrying a light, a sign, a lamp or an arm.

    Args:
        side (int): -1 when the pole stands left of the road (arms then
            reach to the right), +1 when it stands on the right.
        attach (str): One of ``'light'``, ``'arm'``, ``'sign'``,
            ``'both'``, ``'lamp'``.
    """
    rng = sc.rng
    pw = rng.uniform(0.3, 0.45)
    col = sc.colour(_POLE)
    height = dict(light=rng.uniform(3.0, 3.8), arm=rng.uniform(5.0, 6.5),
                  sign=rng.uniform(2.6, 3.4), both=rng.uniform(3.6, 4.2),
                  lamp=rng.uniform(6.0, 8.0))[attach]
    sc.ground_shadow(x - 0.3, x + 0.3, z - 0.3, z + 0.3, 0.6)
    # Cylinder shading: darker rims, a highlight off-centre.
    for (a, b), k in (((-0.5, 0.5), 0.75), ((-0.3, 0.15), 1.0),
                      ((-0.2, 0.0), 1.2)):
        sc.front_rect(z, x + a * pw, 0, x + b * pw, height, sc.shade(col, k),
                      _POLE)
    reach = -side
    if attach in ('light', 'both'):
        _draw_traffic_light(sc, x, height + 0.65, z)
    if attach == 'arm':
        arm = rng.uniform(2.5, 5.0)
        xe = x + reach * arm
        sc.front_bar(z, x, height - 0.2, xe, height - 0.2, 0.2, col, _POLE)
        _draw_traffic_light(sc, xe, height - 0.95, z)
    if attach in ('sign', 'both'):
        _draw_sign(sc, x, height - (0.45 if attach == 'sign' else 1.4), z)
    if attach == 'lamp':
        xe = x + reach * rng.uniform(1.0, 2.0)
        sc.front_bar(z, x, height - 0.1, xe, height + 0.1, 0.15, col, _POLE)
        sc.front_ellipse(z, xe, height, 0.45, 0.16, sc.shade(col, 0.8),
                         _POLE)


def _draw_tree(sc: _Scene, x: float, z: float):
    """Tree (trunk and a crown of blobs, all vegetation) at ``(x, z)``."""
    rng = sc.rng
    trunk_h = rng.uniform(2.0, 3.5)
    crown_r = rng.uniform(1.4, 2.8)
    leaf = sc.colour(_VEG)
    bark = sc.shade(sc.colour(_VEG), rng.uniform(0.4, 0.8))
    tw = rng.uniform(0.25, 0.45)
    sc.front_poly(z, [(x - tw / 2 * 1.3, 0), (x + tw / 2 * 1.3, 0),
                      (x + tw / 2, trunk_h + crown_r * 0.5),
                      (x - tw / 2, trunk_h + crown_r * 0.5)], bark, _VEG)
    cy = trunk_h + crown_r * 0.8
    for _ in range(int(rng.integers(6, 12))):
        dx, dy = rng.normal(0, crown_r * 0.45, 2)
        rr = crown_r * rng.uniform(0.4, 0.7)
        c = sc.shade(leaf, rng.uniform(0.65, 1.25))
        sc.front_ellipse(z, x + dx, cy + dy * 0.8, rr, rr * 0.9, c, _VEG,
                         n=14)


def _draw_clutter(sc: _Scene, x: float, z: float):
    """An unlabelled object (bin, box): Cityscapes' ignored 'static'."""
    rng = sc.rng
    w, h = rng.uniform(0.5, 1.0), rng.uniform(0.7, 1.3)
    c = sc.colour(None)
    sc.front_rect(z, x - w / 2, 0, x + w / 2, h, c, IGNORE_INDEX)
    sc.front_rect(z, x - w / 2 - 0.05, h - 0.1, x + w / 2 + 0.05, h + 0.05,
                  sc.shade(c, 0.7), IGNORE_INDEX)


#: Draw function of each object kind of :class:`ObjectPlan`.
DRAW = dict(car=_draw_car, truck=_draw_truck, bus=_draw_bus,
            train=_draw_train, bike=_draw_bike, person=_draw_person,
            pole=_draw_pole, tree=_draw_tree, clutter=_draw_clutter)
