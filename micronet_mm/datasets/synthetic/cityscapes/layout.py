"""What goes where in a street scene: the street cross-section, the
facade segments along it and the foreground objects, as plans (dataclasses)
that the painters draw."""
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import numpy as np

from .camera import _Scene
from .labels import _BUILDING, _FENCE, _VEG, _WALL


@dataclass
class SidePlan:
    """One side of the street; lateral distances in metres from the camera
    (positive on both sides).

    Attributes:
        kerb (float): Distance of the road's edge.
        walk (float): Sidewalk width.
        terrain (float): Terrain strip between sidewalk and facade (0: none).
        verge (float): Grass verge between kerb and sidewalk (0: none).
    """
    kerb: float
    walk: float
    terrain: float
    verge: float

    @property
    def walk_in(self) -> float:
        """Distance of the sidewalk's inner edge."""
        return self.kerb + self.verge

    @property
    def walk_out(self) -> float:
        """Distance of the sidewalk's outer edge."""
        return self.walk_in + self.walk

    @property
    def facade(self) -> float:
        """Distance of the facade line."""
        return self.walk_out + self.terrain


@dataclass
class StreetPlan:
    """The street cross-section (metres; X to the right of the camera).

    Attributes:
        lane_w (float): Lane width.
        n_lanes (int): Number of lanes.
        road_l (float): X of the road's left edge (negative).
        road_r (float): X of the road's right edge.
        lanes (list[float]): X of each lane's centre.
        cam_lane (int): Lane of the camera.
        left (SidePlan): Left side of the street.
        right (SidePlan): Right side of the street.
        zebra (tuple[float, float], optional): Start depth and length of a
            zebra crossing.
        rails (float, optional): X of tram rails, set when a train is placed.
    """
    lane_w: float
    n_lanes: int
    road_l: float
    road_r: float
    lanes: List[float]
    cam_lane: int
    left: SidePlan
    right: SidePlan
    zebra: Optional[Tuple[float, float]]
    rails: Optional[float] = None

    def side(self, side: int) -> SidePlan:
        """The side at ``side`` (-1 left, +1 right)."""
        return self.left if side < 0 else self.right


def _plan_street(sc: _Scene) -> StreetPlan:
    """Draw the street cross-section: lanes, sidewalks, terrain, facades."""
    rng = sc.rng
    lane_w = rng.uniform(2.9, 3.6)
    n_lanes = int(rng.choice([2, 3, 4], p=[0.35, 0.4, 0.25]))
    cam_lane = int(rng.integers(n_lanes))
    left = -(cam_lane + rng.uniform(0.3, 0.7)) * lane_w
    right = left + n_lanes * lane_w
    sides = []
    for kerb in (-left, right):
        walk = rng.uniform(2.5, 5.0)
        terrain = rng.uniform(1.5, 5.0) if rng.random() < 0.6 else 0.0
        # A grass verge between the kerb and the sidewalk.
        verge = rng.uniform(1.0, 2.5) if rng.random() < 0.35 else 0.0
        sides.append(SidePlan(kerb, walk, terrain, verge))
    zebra = (rng.uniform(9, 30), rng.uniform(3, 5)) \
        if rng.random() < 0.3 else None
    return StreetPlan(lane_w=lane_w, n_lanes=n_lanes, road_l=left,
                      road_r=right,
                      lanes=[left + (i + 0.5) * lane_w
                             for i in range(n_lanes)],
                      cam_lane=cam_lane, left=sides[0], right=sides[1],
                      zebra=zebra)


@dataclass
class BuildingTexture:
    """Facade with rows of windows (optionally shop windows and bands)."""
    cls: int
    colour: np.ndarray
    win_period: float
    win_frac: float
    floor_h: float
    win_hfrac: float
    win_colour: np.ndarray
    band: bool


@dataclass
class WallTexture:
    """Brick wall (or plain panels) with joints."""
    cls: int
    colour: np.ndarray
    brick: bool
    row_h: float
    brick_l: float
    joint: np.ndarray
    panel: float


@dataclass
class FenceTexture:
    """Fence of bars (or a diagonal mesh) with see-through gaps."""
    cls: int
    colour: np.ndarray
    mesh: bool
    period: float
    duty: float
    gap: np.ndarray


@dataclass
class VegetationTexture:
    """Hedge with a wavy top (two sines) and dark holes."""
    cls: int
    colour: np.ndarray
    amp: float
    k1: float
    k2: float
    p1: float
    p2: float
    dark: np.ndarray


Texture = Union[BuildingTexture, WallTexture, FenceTexture,
                VegetationTexture]


@dataclass
class Segment:
    """A stretch ``[z0, z1)`` of a facade plane along the street."""
    kind: str
    z0: float
    z1: float
    height: float
    texture: Texture


def _plan_segments(sc: _Scene, kinds, probs, z_max, lengths,
                   heights) -> List[Segment]:
    """Partition a street side into facade segments along Z.

    Args:
        kinds (list[str]): Segment kinds, ``'gap'`` meaning nothing.
        probs (list[float]): Probability of each kind.
        z_max (float): Depth where the segments end.
        lengths (dict): ``kind -> (min, max)`` length along Z in metres.
        heights (dict): ``kind -> (min, max)`` height in metres.

    Returns:
        list[Segment]: The segments, gaps left out.
    """
    rng = sc.rng
    segs, z = [], 0.0
    while z < z_max:
        kind = kinds[rng.choice(len(kinds), p=probs)]
        lo, hi = lengths[kind]
        # Far segments cover few columns: make them longer (and fewer).
        length = rng.uniform(lo, hi) * (1 + z / 50.0)
        if kind != 'gap':
            hlo, hhi = heights[kind]
            segs.append(Segment(kind=kind, z0=z, z1=min(z + length, z_max),
                                height=rng.uniform(hlo, hhi),
                                texture=_segment_params(sc, kind)))
        z += length
    return segs


def _segment_params(sc: _Scene, kind: str) -> Texture:
    """Colours and texture parameters of one facade segment."""
    rng = sc.rng
    cls = dict(building=_BUILDING, wall=_WALL, fence=_FENCE,
               vegetation=_VEG)[kind]
    c = sc.colour(cls)
    if kind == 'building':
        win_period = rng.uniform(2.4, 4.0)
        win_frac = rng.uniform(0.35, 0.65)
        floor_h = rng.uniform(2.8, 3.6)
        win_hfrac = rng.uniform(0.4, 0.65)
        win_colour = (sc.shade(c, rng.uniform(0.25, 0.55))
                      if rng.random() < 0.6 else sc.colour(None, avoid=[c]))
        return BuildingTexture(cls, c, win_period, win_frac, floor_h,
                               win_hfrac, win_colour,
                               band=rng.random() < 0.5)
    if kind == 'wall':
        brick = rng.random() < 0.6
        row_h = rng.uniform(0.18, 0.35)
        brick_l = rng.uniform(0.35, 0.9)
        joint = sc.shade(c, rng.choice([0.55, 1.35]))
        return WallTexture(cls, c, brick, row_h, brick_l, joint,
                           panel=rng.uniform(1.5, 3.5))
    if kind == 'fence':
        mesh = rng.random() < 0.35
        period = rng.uniform(0.12, 0.3)
        duty = rng.uniform(0.35, 0.65)
        return FenceTexture(cls, c, mesh, period, duty,
                            gap=sc.shade(c, rng.uniform(0.3, 0.55)))
    amp = rng.uniform(0.1, 0.3)
    k1, k2 = rng.uniform(0.4, 1.2), rng.uniform(1.5, 4.0)
    p1, p2 = rng.uniform(0, 6.3, 2)
    return VegetationTexture(cls, c, amp, k1, k2, p1, p2,
                             dark=sc.shade(c, rng.uniform(0.35, 0.6)))


@dataclass
class ObjectPlan:
    """A foreground object: painted far to near by ``depth``.

    Attributes:
        depth (float): Depth (Z, metres) used for the painting order.
        kind (str): Key of :data:`~.objects.DRAW` (``'car'``, ``'person'``,
            ...).
        args (tuple): Arguments of the draw function after the scene.
    """
    depth: float
    kind: str
    args: tuple


def _plan_objects(sc: _Scene, st: StreetPlan) -> List[ObjectPlan]:
    """Choose all foreground objects (vehicles, two-wheelers, people,
    poles, trees, clutter); sets ``st.rails`` when a train is placed."""
    rng = sc.rng
    objs = []
    occupied = {i: [] for i in range(st.n_lanes)}

    def lane_free(lane, z0, z1):
        return all(z1 + 2.0 < a or z0 > b + 2.0 for a, b in occupied[lane])

    def place(kind, z_lo, z_hi, length, tries=12, prefer_side=0.0):
        for _ in range(tries):
            lane = int(rng.integers(st.n_lanes))
            if lane == st.cam_lane and rng.random() < prefer_side:
                continue
            lo = max(z_lo, 7.0 if lane == st.cam_lane else z_lo)
            z0 = lo + (z_hi - lo) * rng.random()**1.4
            if lane_free(lane, z0, z0 + length):
                occupied[lane].append((z0, z0 + length))
                xc = st.lanes[lane] + rng.uniform(-0.4, 0.4)
                objs.append(ObjectPlan(z0, kind, (xc, z0)))
                return lane
        return None

    if rng.random() < 0.4:
        lane = place('train', 12, 45, 34, prefer_side=0.7)
        if lane is not None:
            st.rails = st.lanes[lane]
    if rng.random() < 0.45:
        place('bus', 9, 40, 13, prefer_side=0.75)
    if rng.random() < 0.45:
        place('truck', 8, 40, 11, prefer_side=0.75)
    for _ in range(int(rng.integers(2, 7))):
        place('car', 5.5, 45, 4.7, tries=4)

    def walk_x(side):
        inner = st.left.walk_in if side < 0 else st.right.walk_in
        width = st.left.walk if side < 0 else st.right.walk
        return side * (inner + rng.uniform(0.4, max(width - 0.3, 0.5)))

    # Small objects stay near: far ones would be a few pixels of boundary.
    def depth(x, lo=6.0, hi=30.0, margin=10.0):
        lo = max(lo, sc.min_visible_z(x, margin))
        return lo + (max(hi, lo + 5) - lo) * rng.random()**1.7

    # Two-wheelers ride along the kerbs or stand parked on the sidewalk.
    for motor, prob in ((True, 0.65), (False, 0.7)):
        if rng.random() >= prob:
            continue
        for _ in range(int(rng.integers(1, 3))):
            rider = rng.random() < 0.75
            side = rng.choice([-1, 1])
            if rider:
                x = (st.road_l + rng.uniform(0.6, 1.2) if side < 0 else
                     st.road_r - rng.uniform(0.6, 1.2))
            else:
                x = walk_x(side)
            z = depth(x, 6.0, 25.0)
            objs.append(ObjectPlan(z, 'bike', (x, z, motor, rider)))

    if rng.random() < 0.9:
        for _ in range(int(rng.integers(1, 8))):
            x = walk_x(rng.choice([-1, 1]))
            z = depth(x)
            objs.append(ObjectPlan(z, 'person', (x, z)))
    if st.zebra is not None:
        z0, length = st.zebra
        for _ in range(int(rng.integers(0, 4))):
            x = rng.uniform(st.road_l + 0.5, st.road_r - 0.5)
            z = z0 + rng.uniform(0.5, length - 0.5)
            objs.append(ObjectPlan(z, 'person', (x, z)))

    # Poles along the kerbs: make lights and signs frequent and legible.
    attaches = ['light', 'arm', 'sign', 'both', 'lamp']
    n_poles = int(rng.integers(2, 6))
    chosen = [rng.choice(attaches, p=[0.22, 0.2, 0.3, 0.13, 0.15])
              for _ in range(n_poles)]
    if not any(a in ('light', 'arm', 'both') for a in chosen) and \
            rng.random() < 0.85:
        chosen[0] = 'arm' if rng.random() < 0.5 else 'light'
    if not any(a in ('sign', 'both') for a in chosen) and rng.random() < 0.9:
        chosen[-1] = 'sign'
    for attach in chosen:
        side = int(rng.choice([-1, 1]))
        if rng.random() < 0.7:
            x = st.road_l - 0.45 if side < 0 else st.road_r + 0.45
        else:
            x = walk_x(side)
        z = depth(x, 7.0, 28.0, margin=-5.0)
        objs.append(ObjectPlan(z, 'pole', (x, z, side, attach)))

    for side in (-1, 1):
        if rng.random() < 0.5:
            plan = st.side(side)
            out = plan.walk_out
            x = side * (out + 0.2 if rng.random() < 0.5 else out - 0.8)
            if plan.verge > 0 and rng.random() < 0.6:
                x = side * (plan.walk_in - plan.verge / 2)
            z = sc.min_visible_z(x, 40.0) + rng.uniform(0, 6)
            step = rng.uniform(7, 14)
            while z < 90:
                objs.append(ObjectPlan(z, 'tree', (x, z)))
                z += step * rng.uniform(0.8, 1.2)
    if rng.random() < 0.4:
        for _ in range(int(rng.integers(1, 3))):
            x = walk_x(rng.choice([-1, 1]))
            z = depth(x)
            objs.append(ObjectPlan(z, 'clutter', (x, z)))
    return objs
