"""People: the 3D body model, its camera and colours (plans as
dataclasses), and small geometry helpers."""
import math
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

COCO_KEYPOINT_NAMES: Tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')


# COCO's person skeleton, 1-based keypoint indices as in the COCO files.
COCO_SKELETON: Tuple[Tuple[int, int], ...] = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13),
    (6, 7), (6, 8), (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3),
    (2, 4), (3, 5), (4, 6), (5, 7))


# body part ids (painted into the per-pixel ownership map)
_TORSO, _NECK, _HEAD, _L_EAR, _R_EAR = 1, 2, 3, 4, 5
_L_UARM, _R_UARM, _L_FARM, _R_FARM, _L_HAND, _R_HAND = 6, 7, 8, 9, 10, 11
_L_THIGH, _R_THIGH, _L_SHIN, _R_SHIN, _L_FOOT, _R_FOOT = (12, 13, 14, 15,
                                                           16, 17)


# a face point is labelled only when its outward normal, dotted with the
# direction to the camera, exceeds this (eyes/nose: front half of the head;
# ears: also slightly past the silhouette)
_FACE_NORMAL_MIN = (0.0, 0.0, 0.0, -0.35, -0.35)
_SKIN_TONES = ((205, 225, 250), (170, 200, 235), (140, 175, 220),
               (105, 140, 190), (75, 105, 150), (55, 75, 110))
_HAIR_COLOURS = ((25, 25, 30), (30, 45, 70), (40, 70, 115), (95, 165, 210),
                 (150, 150, 155), (40, 60, 150), (70, 70, 70))
_PUPIL = (20, 20, 20)
_SCLERA = (240, 240, 240)


# ----------------------------------------------------------------------------
# small geometry helpers
# ----------------------------------------------------------------------------
def _unit(vec: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 1e-9 else np.array([0.0, -1.0, 0.0])


def _rot_x(angle: float) -> np.ndarray:
    """Rotation about the person's left axis; positive tips +Y towards +Z."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rot_y(angle: float) -> np.ndarray:
    """Rotation about the vertical axis; positive turns +Z towards +X."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rot_z(angle: float) -> np.ndarray:
    """Rotation in the frontal plane; positive turns +X towards +Y."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _rotate_towards(vec: np.ndarray, target: np.ndarray,
                    angle: float) -> np.ndarray:
    """Rotate ``vec`` by ``angle`` in the plane it spans with ``target``."""
    axis = np.cross(vec, target)
    if np.linalg.norm(axis) < 1e-6:
        axis = np.cross(vec, np.array([1.0, 0.0, 0.0]))
    axis = _unit(axis)
    c, s = math.cos(angle), math.sin(angle)
    return (vec * c + np.cross(axis, vec) * s + axis * np.dot(axis, vec) *
            (1.0 - c))


def _random_colour(rng: np.random.Generator, lo: int = 20,
                   hi: int = 235) -> Tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi + 1, size=3))


def _scale_colour(colour: Sequence[float], factor: float) -> Tuple[int, ...]:
    return tuple(int(min(255.0, max(0.0, c * factor))) for c in colour)


# ----------------------------------------------------------------------------
# figure sampling
# ----------------------------------------------------------------------------
@dataclass
class LimbWidths:
    """Limb widths in body units."""
    arm: float
    leg: float
    neck: float
    hand: float


@dataclass
class Body:
    """A 3D body in body units (standing height ~1); +X is the person's
    left, +Y up, +Z the direction the person faces, the pelvis centre the
    origin.

    Attributes:
        points (dict[str, np.ndarray]): Named (3,) points: joints, part
            outlines, face marks, hair strands.
        face_normal (np.ndarray): (3,) facing direction of the face.
        chest_normal (np.ndarray): (3,) facing direction of the chest.
        head_r (float): Head radius.
        face_ring (np.ndarray): (20, 3) outline of the face patch.
        collar (list[np.ndarray]): Three (3,) corners of the V collar.
        buttons (list[np.ndarray]): Two (3,) ends of the button line.
        widths (LimbWidths): Limb widths.
    """
    points: Dict[str, np.ndarray]
    face_normal: np.ndarray
    chest_normal: np.ndarray
    head_r: float
    face_ring: np.ndarray
    collar: List[np.ndarray]
    buttons: List[np.ndarray]
    widths: LimbWidths


def _sample_body(rng: np.random.Generator) -> Body:
    """Sample a 3D body in body units (standing height ~1).

    Frame: +X is the person's left, +Y up, +Z the direction the person faces;
    the pelvis centre is the origin.

    Returns:
        Body: The body.
    """
    prop = rng.uniform(0.92, 1.08, size=4)
    torso_len = 0.29 * prop[0]
    shoulder_w = 0.23 * prop[1]
    hip_w = 0.16 * prop[1] * rng.uniform(0.9, 1.1)
    head_r = 0.062 * rng.uniform(0.92, 1.12)
    upper_arm, forearm = 0.165 * prop[2], 0.15 * prop[2]
    thigh, shin = 0.245 * prop[3], 0.245 * prop[3]
    foot_len = 0.085 * rng.uniform(0.9, 1.1)
    widths = LimbWidths(
        arm=rng.uniform(0.042, 0.062),
        leg=rng.uniform(0.055, 0.08),
        neck=rng.uniform(0.045, 0.06),
        hand=rng.uniform(0.028, 0.036))

    pts: Dict[str, np.ndarray] = {}
    # legs hang from the pelvis, which stays upright
    for side, sgn in (('left', 1.0), ('right', -1.0)):
        hip = np.array([sgn * hip_w / 2, 0.0, 0.0])
        abduct = rng.uniform(-0.12, 0.45)
        flex = (rng.uniform(-0.35, 0.45)
                if rng.random() < 0.7 else rng.uniform(0.45, 1.5))
        knee_bend = (rng.uniform(0.0, 0.25)
                     if rng.random() < 0.5 else rng.uniform(0.25, 1.9))
        base = np.array([sgn * math.sin(abduct), -math.cos(abduct), 0.0])
        knee = hip + thigh * (_rot_x(-flex) @ base)
        ankle = knee + shin * (_rot_x(-(flex - knee_bend)) @ base)
        toe_dir = _rot_y(sgn * rng.uniform(0.0, 0.45)) @ _unit(
            np.array([0.0, -0.25, 1.0]))
        pts[f'{side}_hip'] = hip
        pts[f'{side}_knee'] = knee
        pts[f'{side}_ankle'] = ankle
        pts[f'{side}_toe'] = ankle + foot_len * toe_dir

    # upper body: lean about the pelvis
    pitch = float(np.clip(rng.normal(0.1, 0.15), -0.25, 0.6))
    roll = float(np.clip(rng.normal(0.0, 0.12), -0.35, 0.35))
    r_upper = _rot_z(roll) @ _rot_x(pitch)
    upper: Dict[str, np.ndarray] = {}
    for side, sgn in (('left', 1.0), ('right', -1.0)):
        shoulder = np.array([sgn * shoulder_w / 2, torso_len, 0.0])
        mode = rng.random()
        if mode < 0.5:
            abduct = rng.uniform(0.05, 0.6)  # arm down
        elif mode < 0.8:
            abduct = rng.uniform(0.6, 1.8)  # arm out
        else:
            abduct = rng.uniform(1.8, 2.9)  # arm raised
        forward = rng.uniform(-0.6, 1.0)
        upper_dir = _unit(
            np.array([sgn * math.sin(abduct), -math.cos(abduct), forward]))
        bend = (rng.uniform(0.0, 0.3)
                if rng.random() < 0.4 else rng.uniform(0.3, 2.4))
        # elbows mostly fold inwards/forwards
        towards = rng.normal(size=3) + np.array([-sgn * 0.5, 0.3, 1.0])
        fore_dir = _unit(_rotate_towards(upper_dir, towards, bend))
        elbow = shoulder + upper_arm * upper_dir
        wrist = elbow + forearm * fore_dir
        upper[f'{side}_shoulder'] = shoulder
        upper[f'{side}_elbow'] = elbow
        upper[f'{side}_wrist'] = wrist
        upper[f'{side}_hand'] = wrist + 0.4 * widths.hand * fore_dir
        upper[f'{side}_shoulder_outer'] = shoulder + np.array(
            [sgn * 0.35 * widths.arm, 0.25 * widths.arm, 0.0])
        upper[f'{side}_waist'] = np.array(
            [sgn * (hip_w / 2 + 0.012), 0.45 * torso_len, 0.0])
    upper['neck_base'] = np.array([0.0, torso_len, 0.0])
    neck_top = np.array([0.0, torso_len + 0.045, 0.0])
    upper['neck_top'] = neck_top
    for name, vec in upper.items():
        pts[name] = r_upper @ vec
    for side, sgn in (('left', 1.0), ('right', -1.0)):
        pts[f'{side}_hip_outer'] = np.array(
            [sgn * (hip_w / 2 + 0.35 * widths.leg), -0.3 * widths.leg,
             0.0])

    # head: small own rotation about the top of the neck
    r_head = r_upper @ _rot_z(rng.normal(0.0, 0.12)) @ _rot_x(
        float(np.clip(rng.normal(0.0, 0.15), -0.35, 0.35))) @ _rot_y(
            float(np.clip(rng.normal(0.0, 0.2), -0.35, 0.35)))
    centre_local = np.array([0.0, 0.85 * head_r, 0.0])
    head_centre = r_upper @ neck_top + r_head @ centre_local

    def on_head(offset: Sequence[float]) -> np.ndarray:
        return head_centre + r_head @ (head_r * np.asarray(offset, float))

    pts['nose'] = on_head([0.0, -0.12, 1.02])
    pts['left_eye'] = on_head([0.35, 0.18, 0.92])
    pts['right_eye'] = on_head([-0.35, 0.18, 0.92])
    pts['left_ear'] = on_head([1.0, 0.0, 0.0])
    pts['right_ear'] = on_head([-1.0, 0.0, 0.0])
    pts['nose_bridge'] = on_head([0.0, 0.15, 0.99])
    pts['mouth_left'] = on_head([0.25, -0.45, 0.86])
    pts['mouth_right'] = on_head([-0.25, -0.45, 0.86])
    pts['head_centre'] = head_centre
    # darker hair strands on the back of the head
    for k, dx in enumerate((-0.45, 0.0, 0.45)):
        pts[f'strand{k}_top'] = on_head(
            _unit(np.array([dx * 0.6, 0.85, -0.45])))
        pts[f'strand{k}_end'] = on_head(
            _unit(np.array([dx, -0.2, -0.95])))
    pts['torso_centre'] = r_upper @ np.array([0.0, 0.5 * torso_len, 0.0])
    # facing directions of the face and of the chest (unit vectors)
    face_normal = r_head @ np.array([0.0, 0.0, 1.0])
    chest_normal = r_upper @ np.array([0.0, 0.0, 1.0])

    # the face patch: a ring on the head sphere around a slightly lowered
    # forward axis
    ring = []
    tilt = _rot_x(0.15)
    for t in np.linspace(0.0, 2 * math.pi, 20, endpoint=False):
        local = np.array([
            math.sin(1.08) * math.cos(t), math.sin(1.08) * math.sin(t),
            math.cos(1.08)
        ])
        ring.append(head_centre + r_head @ (head_r * (tilt @ local)))

    # shirt front: V collar and button line on the chest surface
    depth = 0.06
    collar = [
        r_upper @ np.array([0.045, torso_len + 0.004, depth]),
        r_upper @ np.array([-0.045, torso_len + 0.004, depth]),
        r_upper @ np.array([0.0, torso_len - 0.065, depth])
    ]
    buttons = [
        r_upper @ np.array([0.0, torso_len - 0.075, depth]),
        r_upper @ np.array([0.0, 0.06, depth])
    ]
    return Body(
        points=pts,
        face_normal=face_normal,
        chest_normal=chest_normal,
        head_r=head_r,
        face_ring=np.stack(ring),
        collar=collar,
        buttons=buttons,
        widths=widths)


class _Camera:
    """Yaw + elevation + orthographic projection + in-plane similarity.

    Args:
        yaw (float): Rotation of the body about its vertical axis; 0 means
            the person faces the camera.
        elevation (float): Camera tilt down, radians.
        roll (float): In-image rotation, radians.
        scale (float): Pixels per body unit.
        centre (tuple): Image position (x, y) of the pelvis.
    """

    def __init__(self, yaw: float, elevation: float, roll: float,
                 scale: float, centre: Tuple[float, float]):
        self.yaw, self.elevation, self.roll = yaw, elevation, roll
        self.scale, self.centre = scale, centre
        self._r_yaw = _rot_y(yaw)

    def project(self, points: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Project body points.

        Args:
            points (np.ndarray): (N, 3) body-frame points.

        Returns:
            tuple: (N, 2) image xy and (N,) closeness to the camera (body
            units, larger is nearer).
        """
        q = np.asarray(points, float).reshape(-1, 3) @ self._r_yaw.T
        ce, se = math.cos(self.elevation), math.sin(self.elevation)
        up = q[:, 1] * ce - q[:, 2] * se
        close = q[:, 2] * ce + q[:, 1] * se
        a, b = q[:, 0], -up
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        x = self.centre[0] + self.scale * (a * cr - b * sr)
        y = self.centre[1] + self.scale * (a * sr + b * cr)
        return np.stack([x, y], axis=1), close


@dataclass
class Palette:
    """Colours (BGR) and clothing of one person."""
    skin: Tuple[int, ...]
    hair: Tuple[int, ...]
    shirt: Tuple[int, ...]
    trousers: Tuple[int, ...]
    shoes: Tuple[int, ...]
    short_sleeves: bool
    shorts: bool


def _sample_palette(rng: np.random.Generator) -> Palette:
    skin = np.array(_SKIN_TONES[rng.integers(len(_SKIN_TONES))], float)
    skin = skin * rng.uniform(0.9, 1.08) + rng.normal(0, 6, size=3)
    # the face/hair contrast carries the left/right cue, so keep it visible
    hairs = np.array(_HAIR_COLOURS, float) * rng.uniform(0.85, 1.15)
    far = np.linalg.norm(hairs - skin, axis=1) > 90
    if far.any():
        hair = hairs[rng.choice(np.flatnonzero(far))]
    else:
        hair = hairs[np.argmax(np.linalg.norm(hairs - skin, axis=1))]
    shirt = _random_colour(rng)
    trousers = (shirt if rng.random() < 0.15 else _random_colour(rng, 15,
                                                                  200))
    return Palette(
        skin=_scale_colour(skin, 1.0),
        hair=_scale_colour(hair, 1.0),
        shirt=shirt,
        trousers=trousers,
        shoes=_random_colour(rng, 10, 120),
        short_sleeves=bool(rng.random() < 0.45),
        shorts=bool(rng.random() < 0.25))


@dataclass
class Figure:
    """One person of an image: body, camera (pose in the image), which way
    the person faces (``'front'``: towards the camera) and colours."""
    body: Body
    camera: _Camera
    facing: str
    palette: Palette


def _sample_figure(rng: np.random.Generator, height: int, width: int,
                   num_people: int, placed: List[Figure],
                   difficulty: float) -> Figure:
    facing_front = bool(rng.random() < 0.6)
    yaw = rng.uniform(-math.pi / 3, math.pi / 3)
    if not facing_front:
        yaw += math.pi
    short = min(height, width)
    hi = 0.8 if num_people == 1 else 0.68
    scale = short * rng.uniform(0.25, hi)
    cam = _Camera(yaw, rng.uniform(0.0, 0.35),
                  float(np.clip(rng.normal(0.0, 0.25), -0.6, 0.6)), scale,
                  (0.0, 0.0))
    # leaning and head turns must not tip the face or chest to the other
    # side of the camera, or the left/right cue would contradict the labels
    sign = 1.0 if facing_front else -1.0
    for _ in range(50):
        body = _sample_body(rng)
        _, facing = cam.project(
            np.stack([body.face_normal, body.chest_normal]))
        if np.all(sign * facing > 0.15):
            break
    else:
        raise RuntimeError('could not sample a body facing the camera side')
    names = list(body.points.keys())
    xy, _ = cam.project(np.stack([body.points[n] for n in names]))
    margin = body.head_r * scale
    x0, y0 = xy.min(axis=0) - margin
    x1, y1 = xy.max(axis=0) + margin
    box_w, box_h = x1 - x0, y1 - y0
    lo_x, hi_x = -x0, width - x1
    lo_y, hi_y = -y0, height - y1
    if rng.random() < 0.15 * difficulty:  # cut by the image border
        lo_x, hi_x = lo_x - 0.35 * box_w, hi_x + 0.35 * box_w
        lo_y, hi_y = lo_y - 0.3 * box_h, hi_y + 0.3 * box_h
    if hi_x < lo_x:
        lo_x = hi_x = 0.5 * (lo_x + hi_x)
    if hi_y < lo_y:
        lo_y = hi_y = 0.5 * (lo_y + hi_y)
    cx, cy = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
    if placed and rng.random() < 0.25 * difficulty:  # make people overlap
        other = placed[int(rng.integers(len(placed)))]
        cx = float(
            np.clip(other.camera.centre[0] + rng.normal(0, 0.3 * box_w),
                    lo_x, hi_x))
    cam.centre = (float(cx), float(cy))
    return Figure(
        body=body,
        camera=cam,
        facing='front' if facing_front else 'back',
        palette=_sample_palette(rng))
