"""Synthetic COCO person-keypoint dataset for smoke-training pose models.

:func:`generate_synthetic_coco_keypoints` writes a small dataset in the COCO
person-keypoints layout that a tiny top-down heatmap model can learn on a
CPU in minutes, while still needing real keypoint reasoning:

.. code-block:: text

    ROOT/
      images/train/000001.jpg ...
      images/val/000001.jpg ...
      annotations/person_keypoints_train.json
      annotations/person_keypoints_val.json
      annotations/person_detections_val.json   (detector-style boxes)
      .complete.json                           (written last)

Figure model
    Every person is a 3D articulated body (pelvis, leaning upper body, head,
    two 2-segment arms and legs, hands and shoes) with randomly sampled
    proportions, limb widths and joint angles (arms down, out or raised,
    bent elbows, lifted or kneeling legs). The body is rotated about the
    vertical axis (yaw), seen from a slightly raised camera (elevation
    0-20 degrees), projected orthographically, rotated in the image plane
    (about +/-35 degrees) and scaled to 25-80 % of the image's shorter side.
    Parts are painted far-to-near with dark outlines, so limbs crossing the
    torso or each other are drawn the way they occlude. Left and right limbs
    share the same colours (shirt, trousers, skin, shoes); no joint has a
    colour of its own: joints are where segments meet, end or bend.

Left/right cue
    The yaw is drawn either from [-60, 60] degrees (the person faces the
    camera) or from [120, 240] degrees (the person faces away); near-profile
    views, where the cue would be weak, never occur. Only the front of the
    head carries a face: a skin-coloured face patch with two eyes (light
    sclera, dark pupil), a nose and a mouth on a hair-coloured head, while a
    head seen from behind is all hair with the two ears. The front of the
    shirt also carries a V collar and a button line; shoes point forward,
    i.e. towards the bottom of the image for a person facing the camera. So
    a visible face means the person's left (COCO "left") is on the image
    right (in the torso's own frame, whatever the in-plane rotation), no
    face means it is on the image left. Each annotation also stores
    ``"facing": "front" | "back"`` (an extra key that COCO tools ignore) so
    this can be checked.

Annotation semantics
    Keypoints are the exact projected joint positions of the generator's
    skeleton; eyes, nose and ears are fixed points on the head sphere.
    ``v=2``: the joint lies in the image and the topmost painted pixel there
    belongs to one of the joint's own body parts. ``v=1``: in the image but
    covered by another part of the same person, another person or a
    foreground object. ``v=0`` with ``x=y=0``: outside the image, or a face
    point on the far side of the head (a person facing away has no labelled
    nose or eyes; an ear is labelled from the front and from behind, but not
    when the head is turned so far that it lies on the hidden side).
    ``bbox`` and ``area`` come from the person's full painted silhouette
    (occluded parts included) clipped to the image; ``area`` is the
    silhouette's pixel count, as in COCO. Stick figures are thinner than real
    people (area is ~35 % of the box instead of ~50 %), so OKS is somewhat
    stricter than on COCO for the same box. Every annotated person has at
    least :data:`MIN_LABELLED_KEYPOINTS` labelled keypoints; a person that
    would have fewer is not drawn at all, so no painted person lacks labels.

Clutter
    Backgrounds are gradients, stripes, checkerboards or smooth noise with
    random shapes, lines and limb-like sticks in clothing colours on top;
    foreground objects occlude about a third of the people; 1-3 people per
    image may overlap or be cut by the image border; images get a colour
    cast, contrast change, noise, sometimes blur, and JPEG compression. The
    ``difficulty`` argument (0-1, default 1) scales all of these down
    together, for quick experiments with very small models.

Every image is generated from its own random stream seeded by
``(seed, split, index)``, so the same arguments give byte-identical files.
"""
import json
import math
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

try:
    from ..utils.fileio import atomic_write_text
except ImportError:  # loaded as a lone file by the generator tool
    import importlib.util
    _spec = importlib.util.spec_from_file_location(
        'micronet_mm_fileio',
        Path(__file__).resolve().parents[1] / 'utils' / 'fileio.py')
    _fileio = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_fileio)
    atomic_write_text = _fileio.atomic_write_text

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'COMPLETION_MARKER',
    'FORMAT_VERSION', 'PROGRESS_MARKER', 'MIN_LABELLED_KEYPOINTS',
    'dataset_state', 'generate_synthetic_coco_keypoints',
    'read_completion_marker'
]

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

COMPLETION_MARKER = '.complete.json'
PROGRESS_MARKER = '.in_progress.json'
MIN_LABELLED_KEYPOINTS = 6
FORMAT_VERSION = 1

_SPLIT_CODES = {'train': 1, 'val': 2}
_DETECTION_STREAM = 3
_JPEG_QUALITY = 92
_SHIFT = 4  # cv2 sub-pixel bits: coordinates are drawn at 1/16 px
_ONE = 1 << _SHIFT

# body part ids (painted into the per-pixel ownership map)
_TORSO, _NECK, _HEAD, _L_EAR, _R_EAR = 1, 2, 3, 4, 5
_L_UARM, _R_UARM, _L_FARM, _R_FARM, _L_HAND, _R_HAND = 6, 7, 8, 9, 10, 11
_L_THIGH, _R_THIGH, _L_SHIN, _R_SHIN, _L_FOOT, _R_FOOT = (12, 13, 14, 15,
                                                           16, 17)
_CODES_PER_FIGURE = 32
_OCCLUDER_CODE = 60000

# parts whose pixels count as "this joint is seen", in COCO keypoint order
_JOINT_PARTS: Tuple[Tuple[int, ...], ...] = (
    (_HEAD, ), (_HEAD, ), (_HEAD, ), (_HEAD, _L_EAR), (_HEAD, _R_EAR),
    (_TORSO, _L_UARM), (_TORSO, _R_UARM), (_L_UARM, _L_FARM),
    (_R_UARM, _R_FARM), (_L_FARM, _L_HAND), (_R_FARM, _R_HAND),
    (_TORSO, _L_THIGH), (_TORSO, _R_THIGH), (_L_THIGH, _L_SHIN),
    (_R_THIGH, _R_SHIN), (_L_SHIN, _L_FOOT), (_R_SHIN, _R_FOOT))

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


def _fixed(points: np.ndarray) -> np.ndarray:
    """Float pixel coordinates -> cv2 fixed-point coordinates."""
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


# ----------------------------------------------------------------------------
# figure sampling
# ----------------------------------------------------------------------------
def _sample_body(rng: np.random.Generator) -> dict:
    """Sample a 3D body in body units (standing height ~1).

    Frame: +X is the person's left, +Y up, +Z the direction the person faces;
    the pelvis centre is the origin.

    Returns:
        dict: ``points`` (name -> (3,) array), ``normals`` (facing
        directions of face and chest), ``head_r``, ``face_ring`` ((20, 3)
        array), ``front`` (shirt-front marks) and ``widths``.
    """
    prop = rng.uniform(0.92, 1.08, size=4)
    torso_len = 0.29 * prop[0]
    shoulder_w = 0.23 * prop[1]
    hip_w = 0.16 * prop[1] * rng.uniform(0.9, 1.1)
    head_r = 0.062 * rng.uniform(0.92, 1.12)
    upper_arm, forearm = 0.165 * prop[2], 0.15 * prop[2]
    thigh, shin = 0.245 * prop[3], 0.245 * prop[3]
    foot_len = 0.085 * rng.uniform(0.9, 1.1)
    widths = dict(
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
        upper[f'{side}_hand'] = wrist + 0.4 * widths['hand'] * fore_dir
        upper[f'{side}_shoulder_outer'] = shoulder + np.array(
            [sgn * 0.35 * widths['arm'], 0.25 * widths['arm'], 0.0])
        upper[f'{side}_waist'] = np.array(
            [sgn * (hip_w / 2 + 0.012), 0.45 * torso_len, 0.0])
    upper['neck_base'] = np.array([0.0, torso_len, 0.0])
    neck_top = np.array([0.0, torso_len + 0.045, 0.0])
    upper['neck_top'] = neck_top
    for name, vec in upper.items():
        pts[name] = r_upper @ vec
    for side, sgn in (('left', 1.0), ('right', -1.0)):
        pts[f'{side}_hip_outer'] = np.array(
            [sgn * (hip_w / 2 + 0.35 * widths['leg']), -0.3 * widths['leg'],
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
    normals = dict(
        face=r_head @ np.array([0.0, 0.0, 1.0]),
        chest=r_upper @ np.array([0.0, 0.0, 1.0]))

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
    front = dict(
        collar=[
            r_upper @ np.array([0.045, torso_len + 0.004, depth]),
            r_upper @ np.array([-0.045, torso_len + 0.004, depth]),
            r_upper @ np.array([0.0, torso_len - 0.065, depth])
        ],
        buttons=[
            r_upper @ np.array([0.0, torso_len - 0.075, depth]),
            r_upper @ np.array([0.0, 0.06, depth])
        ])
    return dict(
        points=pts,
        normals=normals,
        head_r=head_r,
        face_ring=np.stack(ring),
        front=front,
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


def _sample_palette(rng: np.random.Generator) -> dict:
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
    return dict(
        skin=_scale_colour(skin, 1.0),
        hair=_scale_colour(hair, 1.0),
        shirt=shirt,
        trousers=trousers,
        shoes=_random_colour(rng, 10, 120),
        short_sleeves=bool(rng.random() < 0.45),
        shorts=bool(rng.random() < 0.25))


def _sample_figure(rng: np.random.Generator, height: int, width: int,
                   num_people: int, placed: List[dict],
                   difficulty: float) -> dict:
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
            np.stack([body['normals']['face'], body['normals']['chest']]))
        if np.all(sign * facing > 0.15):
            break
    else:
        raise RuntimeError('could not sample a body facing the camera side')
    names = list(body['points'].keys())
    xy, _ = cam.project(np.stack([body['points'][n] for n in names]))
    margin = body['head_r'] * scale
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
            np.clip(other['camera'].centre[0] + rng.normal(0, 0.3 * box_w),
                    lo_x, hi_x))
    cam.centre = (float(cx), float(cy))
    return dict(
        body=body,
        camera=cam,
        facing='front' if facing_front else 'back',
        palette=_sample_palette(rng))


# ----------------------------------------------------------------------------
# painting
# ----------------------------------------------------------------------------
class _Painter:
    """Paint the same primitives into the image, ownership map and mask.

    Args:
        image (np.ndarray): (H, W, 3) uint8 BGR canvas.
        owner (np.ndarray): (H, W) uint16 map of the topmost part code.
        mask (np.ndarray | None): (H, W) uint8 silhouette of the current
            figure, or None.
        outline (int): Outline width in pixels.
    """

    def __init__(self, image: np.ndarray, owner: np.ndarray,
                 mask: Optional[np.ndarray], outline: int):
        self.image, self.owner, self.mask = image, owner, mask
        self.outline = outline
        self.code = 0

    def _targets(self):
        yield self.owner, self.code
        if self.mask is not None:
            yield self.mask, 1

    def line(self, p0, p1, width: float, colour, outlined: bool = True):
        p0, p1 = tuple(_fixed(p0)), tuple(_fixed(p1))
        w = max(1, int(round(width)))
        full = w + 2 * self.outline if outlined else w
        for canvas, value in self._targets():
            cv2.line(canvas, p0, p1, value, full, cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.line(self.image, p0, p1, _scale_colour(colour, 0.45), full,
                     cv2.LINE_AA, _SHIFT)
        cv2.line(self.image, p0, p1, colour, w, cv2.LINE_AA, _SHIFT)

    def circle(self, centre, radius: float, colour, outlined: bool = True):
        c = tuple(_fixed(centre))
        r = max(_ONE // 2, int(round(radius * _ONE)))
        full = r + self.outline * _ONE if outlined else r
        for canvas, value in self._targets():
            cv2.circle(canvas, c, full, value, -1, cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.circle(self.image, c, full, _scale_colour(colour, 0.45), -1,
                       cv2.LINE_AA, _SHIFT)
        cv2.circle(self.image, c, r, colour, -1, cv2.LINE_AA, _SHIFT)

    def poly(self, points, colour, outlined: bool = True):
        pts = [_fixed(points).reshape(-1, 1, 2)]
        for canvas, value in self._targets():
            cv2.fillPoly(canvas, pts, value, cv2.LINE_8, _SHIFT)
            if outlined:
                cv2.polylines(canvas, pts, True, value, 2 * self.outline + 1,
                              cv2.LINE_8, _SHIFT)
        if outlined:
            cv2.polylines(self.image, pts, True, _scale_colour(colour, 0.45),
                          2 * self.outline + 1, cv2.LINE_AA, _SHIFT)
        cv2.fillPoly(self.image, pts, colour, cv2.LINE_AA, _SHIFT)


def _figure_parts(fig: dict) -> Tuple[List[dict], dict]:
    """Build the depth-sorted paint list and keypoints of one figure.

    Returns:
        tuple: parts (list of dict with ``id``, ``depth``, ``ops``) and
        ``geo`` (dict with (17, 2) ``keypoints``, (17,) ``face_ok`` and the
        figure's pixel scale).
    """
    body, cam, pal = fig['body'], fig['camera'], fig['palette']
    names = list(body['points'].keys())
    xy_all, close_all = cam.project(
        np.stack([body['points'][n] for n in names]))
    xy = dict(zip(names, xy_all))
    close = dict(zip(names, close_all))
    s = cam.scale
    w = body['widths']
    head_r = body['head_r']
    torso_depth = close['torso_centre']
    # closeness is linear without offset, so projecting a direction gives
    # how much it points at the camera
    _, facing = cam.project(
        np.stack([body['normals']['face'], body['normals']['chest']]))
    face_front, torso_front = facing[0] > 0, facing[1] > 0

    def shade(colour, depth):
        # nearer parts slightly brighter: a depth hint shared by both sides
        return _scale_colour(colour,
                             float(np.clip(1 + 0.8 * (depth - torso_depth),
                                           0.8, 1.2)))

    parts = []

    def add(part_id, depth, ops):
        parts.append(dict(id=part_id, depth=float(depth), ops=ops))

    # torso with shirt-front marks
    poly_names = ['left_shoulder_outer', 'left_waist', 'left_hip_outer',
                  'right_hip_outer', 'right_waist', 'right_shoulder_outer']
    ops = [('poly', np.stack([xy[n] for n in poly_names]), pal['shirt'],
            True)]
    if torso_front:
        collar, _ = cam.project(np.stack(body['front']['collar']))
        buttons, _ = cam.project(np.stack(body['front']['buttons']))
        ops.append(('poly', collar, pal['skin'], False))
        ops.append(('line', buttons[0], buttons[1], max(1.0, 0.012 * s),
                    _scale_colour(pal['shirt'], 0.55), False))
    add(_TORSO, torso_depth, ops)
    add(_NECK, torso_depth - 1e-3,
        [('line', xy['neck_base'], xy['neck_top'], w['neck'] * s,
          pal['skin'], True)])

    # head: hair everywhere, the face only on the front half
    head_depth = close['head_centre']
    r_px = head_r * s
    ops = [('circle', xy['head_centre'], r_px, pal['hair'], True)]
    if face_front:
        ring_xy, ring_close = cam.project(body['face_ring'])
        offsets = ring_xy - xy['head_centre']
        behind = ring_close < close['head_centre']
        # ring points on the far side are pushed onto the visible outline
        lengths = np.linalg.norm(offsets, axis=1, keepdims=True) + 1e-9
        offsets[behind] = offsets[behind] / lengths[behind] * r_px
        ops.append(('poly', xy['head_centre'] + offsets, pal['skin'], False))
        for eye in ('left_eye', 'right_eye'):
            if close[eye] > close['head_centre']:
                ops.append(('circle', xy[eye], 0.24 * r_px, _SCLERA, False))
                ops.append(('circle', xy[eye], max(1.0, 0.15 * r_px), _PUPIL,
                            False))
        ops.append(('line', xy['nose_bridge'], xy['nose'],
                    max(1.0, 0.14 * r_px), _scale_colour(pal['skin'], 0.7),
                    False))
        ops.append(('line', xy['mouth_left'], xy['mouth_right'],
                    max(1.0, 0.1 * r_px), (60, 50, 150), False))
    else:
        for k in range(3):
            ops.append(('line', xy[f'strand{k}_top'], xy[f'strand{k}_end'],
                        max(1.0, 0.1 * r_px), _scale_colour(pal['hair'], 0.65),
                        False))
    add(_HEAD, head_depth, ops)
    for ear, part_id in (('left_ear', _L_EAR), ('right_ear', _R_EAR)):
        in_front = close[ear] - close['head_centre'] > -0.1 * head_r
        add(part_id, head_depth + (1e-3 if in_front else -1e-3),
            [('circle', xy[ear], 0.24 * r_px, pal['skin'], True)])

    # limbs
    for side, ids in (('left', (_L_UARM, _L_FARM, _L_HAND, _L_THIGH,
                                _L_SHIN, _L_FOOT)),
                      ('right', (_R_UARM, _R_FARM, _R_HAND, _R_THIGH,
                                 _R_SHIN, _R_FOOT))):
        segs = (
            (ids[0], f'{side}_shoulder', f'{side}_elbow', w['arm'],
             pal['shirt']),
            (ids[1], f'{side}_elbow', f'{side}_wrist', w['arm'] * 0.92,
             pal['skin'] if pal['short_sleeves'] else pal['shirt']),
            (ids[3], f'{side}_hip', f'{side}_knee', w['leg'],
             pal['trousers']),
            (ids[4], f'{side}_knee', f'{side}_ankle', w['leg'] * 0.9,
             pal['skin'] if pal['shorts'] else pal['trousers']),
            (ids[5], f'{side}_ankle', f'{side}_toe', w['leg'] * 0.85,
             pal['shoes']),
        )
        for part_id, a, b, width, colour in segs:
            depth = 0.5 * (close[a] + close[b])
            add(part_id, depth, [('line', xy[a], xy[b], width * s,
                                  shade(colour, depth), True)])
        hand = f'{side}_hand'
        add(ids[2], close[hand] + 1e-3,
            [('circle', xy[hand], w['hand'] * s, shade(pal['skin'],
                                                        close[hand]), True)])

    parts.sort(key=lambda p: p['depth'])
    keypoints = np.stack([xy[n] for n in COCO_KEYPOINT_NAMES])
    normals = np.array([
        (close[n] - close['head_centre']) / head_r
        for n in COCO_KEYPOINT_NAMES[:5]
    ])
    face_ok = np.ones(len(COCO_KEYPOINT_NAMES), bool)
    face_ok[:5] = normals > np.array(_FACE_NORMAL_MIN)
    return parts, dict(keypoints=keypoints, face_ok=face_ok, scale=s)


def _paint_ops(painter: _Painter, ops: list) -> None:
    for op in ops:
        kind = op[0]
        if kind == 'line':
            painter.line(op[1], op[2], op[3], op[4], op[5])
        elif kind == 'circle':
            painter.circle(op[1], op[2], op[3], op[4])
        else:
            painter.poly(op[1], op[2], op[3])


# ----------------------------------------------------------------------------
# backgrounds, occluders, camera effects
# ----------------------------------------------------------------------------
def _background(rng: np.random.Generator, height: int, width: int,
                difficulty: float) -> np.ndarray:
    kind = int(rng.integers(4))
    c0 = np.array(_random_colour(rng), np.float32)
    c1 = np.array(_random_colour(rng), np.float32)
    # broadcastable coordinates: (1, W) and (H, 1)
    xx = np.arange(width, dtype=np.float32)[None, :]
    yy = np.arange(height, dtype=np.float32)[:, None]
    if kind == 0:  # linear gradient
        ang = rng.uniform(0, 2 * math.pi)
        t = (xx * math.cos(ang) + yy * math.sin(ang))
        t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
    elif kind == 1:  # stripes
        ang = rng.uniform(0, math.pi)
        period = rng.uniform(6, 60)
        t = 0.5 + 0.5 * np.sin(
            (xx * math.cos(ang) + yy * math.sin(ang)) * 2 * math.pi / period)
    elif kind == 2:  # checkerboard
        cell = int(rng.integers(8, 64))
        t = (((xx // cell) + (yy // cell)) % 2).astype(np.float32)
        t = 0.25 + 0.5 * t
    else:  # smooth noise
        small = rng.random((max(2, height // 24), max(2, width // 24)))
        t = cv2.resize(small.astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
        t = np.clip(t, 0, 1)
    img = c0 + (c1 - c0) * t[..., None]
    # low-frequency colour blotches over every kind
    blot = rng.normal(0, 18, size=(max(2, height // 48), max(2, width // 48),
                                   3)).astype(np.float32)
    img += cv2.resize(blot, (width, height), interpolation=cv2.INTER_LINEAR)
    img = np.clip(img, 0, 255).astype(np.uint8)

    short = min(height, width)
    for _ in range(int(round(rng.integers(6, 22) * difficulty))):
        colour = _random_colour(rng, 0, 255)
        kind = int(rng.integers(5))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(0.02, 0.16) * short
        if kind == 0:
            cv2.circle(img, (int(cx), int(cy)), int(size), colour,
                       -1 if rng.random() < 0.7 else 2, cv2.LINE_AA)
        elif kind == 1:
            box = ((float(cx), float(cy)), (float(size * rng.uniform(0.5, 2)),
                                            float(size)),
                   float(rng.uniform(0, 180)))
            pts = cv2.boxPoints(box).astype(np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        elif kind == 2:
            n = int(rng.integers(3, 7))
            ang = np.sort(rng.uniform(0, 2 * math.pi, n))
            rad = size * rng.uniform(0.5, 1.0, n)
            pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)],
                           1).astype(np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        elif kind == 3:
            end = (int(cx + rng.normal(0, size * 2)),
                   int(cy + rng.normal(0, size * 2)))
            cv2.line(img, (int(cx), int(cy)), end, colour,
                     int(rng.integers(1, 4)), cv2.LINE_AA)
        else:
            cv2.ellipse(img, ((float(cx), float(cy)),
                              (float(size), float(size * rng.uniform(0.3, 1))),
                              float(rng.uniform(0, 180))), colour, -1,
                        cv2.LINE_AA)
    # limb-like distractor sticks in clothing/skin colours
    for _ in range(int(round(rng.integers(0, 5) * difficulty))):
        pal = _sample_palette(rng)
        colour = [pal['shirt'], pal['trousers'], pal['skin']][int(
            rng.integers(3))]
        p0 = np.array([rng.uniform(0, width), rng.uniform(0, height)])
        ang = rng.uniform(0, 2 * math.pi)
        length = rng.uniform(0.08, 0.25) * short
        p1 = p0 + length * np.array([math.cos(ang), math.sin(ang)])
        thick = int(max(2, rng.uniform(0.02, 0.045) * short))
        cv2.line(img, tuple(_fixed(p0)), tuple(_fixed(p1)),
                 _scale_colour(colour, 0.45), thick + 2, cv2.LINE_AA, _SHIFT)
        cv2.line(img, tuple(_fixed(p0)), tuple(_fixed(p1)), colour, thick,
                 cv2.LINE_AA, _SHIFT)
    return img


def _sample_occluders(rng: np.random.Generator, figures: List[dict],
                      height: int, width: int,
                      difficulty: float) -> List[dict]:
    occluders = []
    targets = [f for f in figures if rng.random() < 0.33 * difficulty]
    for fig in targets:
        cam = fig['camera']
        pts = np.stack([
            fig['body']['points'][n] for n in COCO_KEYPOINT_NAMES[5:]
        ])
        xy, _ = cam.project(pts)
        anchor = xy[int(rng.integers(len(xy)))]
        size = rng.uniform(0.12, 0.35) * cam.scale
        centre = anchor + rng.normal(0, 0.05 * cam.scale, size=2)
        occluders.append(_occluder_params(rng, centre, size))
    if rng.random() < 0.2 * difficulty:
        centre = np.array([rng.uniform(0, width), rng.uniform(0, height)])
        occluders.append(
            _occluder_params(rng, centre,
                             rng.uniform(0.08, 0.25) * min(height, width)))
    return occluders


def _occluder_params(rng: np.random.Generator, centre: np.ndarray,
                     size: float) -> dict:
    return dict(
        kind=int(rng.integers(4)),
        centre=(float(centre[0]), float(centre[1])),
        size=float(size),
        aspect=float(rng.uniform(0.3, 1.0)),
        angle=float(rng.uniform(0, 180)),
        colour=_random_colour(rng),
        stripes=bool(rng.random() < 0.4),
        stripe_colour=_random_colour(rng),
        stripe_period=float(rng.uniform(4, 14)),
        vertices=rng.uniform(0.5, 1.0, size=int(rng.integers(3, 8))))


def _paint_occluder(image: np.ndarray, owner: np.ndarray, occ: dict) -> None:
    mask = np.zeros(owner.shape, np.uint8)
    cx, cy = occ['centre']
    size = occ['size']
    if occ['kind'] == 0:  # rotated box
        box = ((cx, cy), (size, size * occ['aspect']), occ['angle'])
        cv2.fillPoly(mask, [cv2.boxPoints(box).astype(np.int32)], 1)
    elif occ['kind'] == 1:  # ellipse
        cv2.ellipse(mask, ((cx, cy), (size, size * occ['aspect']),
                           occ['angle']), 1, -1)
    elif occ['kind'] == 2:  # irregular polygon
        n = len(occ['vertices'])
        ang = np.linspace(0, 2 * math.pi, n, endpoint=False) + math.radians(
            occ['angle'])
        rad = 0.5 * size * occ['vertices']
        pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1)
    else:  # long bar, like a pole or railing
        ang = math.radians(occ['angle'])
        d = np.array([math.cos(ang), math.sin(ang)]) * size
        p0 = np.array([cx, cy]) - d
        p1 = np.array([cx, cy]) + d
        cv2.line(mask, tuple(_fixed(p0)), tuple(_fixed(p1)), 1,
                 max(2, int(0.25 * size * occ['aspect'])), cv2.LINE_8, _SHIFT)
    region = mask.astype(bool)
    layer = np.empty_like(image)
    layer[:] = occ['colour']
    if occ['stripes']:
        period = occ['stripe_period']
        h, w = owner.shape
        for k in range(int((h + w) / period) + 1):
            off = k * period
            cv2.line(layer, (int(off), 0), (int(off - h), h),
                     occ['stripe_colour'], max(1, int(period / 3)))
    image[region] = layer[region]
    owner[region] = _OCCLUDER_CODE


def _camera_effects(rng: np.random.Generator, image: np.ndarray,
                    difficulty: float) -> np.ndarray:
    img = image.astype(np.float32)
    d = difficulty
    gain = rng.uniform(1 - 0.15 * d, 1 + 0.15 * d, size=3).astype(np.float32)
    contrast = rng.uniform(1 - 0.2 * d, 1 + 0.2 * d)
    mean = img.mean()
    img = (img - mean) * contrast + mean + rng.uniform(-20 * d, 20 * d)
    img *= gain
    sigma = rng.uniform(0, 8 * d)
    if sigma > 0.5:
        img += sigma * rng.standard_normal(img.shape, dtype=np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3 * d:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.5, 1.0))
    return img


# ----------------------------------------------------------------------------
# one image
# ----------------------------------------------------------------------------
def _render(scene: dict, height: int, width: int):
    image = _background(
        np.random.default_rng(scene['bg_seed']), height, width,
        scene['difficulty'])
    owner = np.zeros((height, width), np.uint16)
    outline = max(1, int(round(0.006 * min(height, width))))
    geos, masks = [], []
    for k, fig in enumerate(scene['figures']):
        mask = np.zeros((height, width), np.uint8)
        painter = _Painter(image, owner, mask, outline)
        parts, geo = _figure_parts(fig)
        for part in parts:
            painter.code = k * _CODES_PER_FIGURE + part['id']
            _paint_ops(painter, part['ops'])
        geos.append(geo)
        masks.append(mask)
    for occ in scene['occluders']:
        _paint_occluder(image, owner, occ)
    image = _camera_effects(
        np.random.default_rng(scene['post_seed']), image,
        scene['difficulty'])
    return image, owner, geos, masks


def _annotate(k: int, geo: dict, owner: np.ndarray,
              mask: np.ndarray) -> Optional[dict]:
    """COCO annotation of figure ``k`` or None when it has too few labels."""
    height, width = owner.shape
    kpts = np.zeros((len(COCO_KEYPOINT_NAMES), 3))
    for j, (x, y) in enumerate(geo['keypoints']):
        if not geo['face_ok'][j]:
            continue
        if not (0 <= x <= width - 1 and 0 <= y <= height - 1):
            continue
        code = int(owner[int(round(y)), int(round(x))])
        own = code - k * _CODES_PER_FIGURE in _JOINT_PARTS[j]
        kpts[j] = (round(float(x), 2), round(float(y), 2), 2 if own else 1)
    num = int((kpts[:, 2] > 0).sum())
    area = int(cv2.countNonZero(mask))
    if num < MIN_LABELLED_KEYPOINTS or area == 0:
        return None
    x0, y0, bw, bh = cv2.boundingRect(mask)
    return dict(
        category_id=1,
        bbox=[float(x0), float(y0), float(bw), float(bh)],
        area=float(area),
        iscrowd=0,
        num_keypoints=num,
        keypoints=[
            float(v) if i % 3 < 2 else int(v)
            for i, v in enumerate(kpts.reshape(-1))
        ])


def _make_image(rng: np.random.Generator, height: int, width: int,
                max_people: int, difficulty: float):
    """Sample, paint and annotate one image.

    Returns:
        tuple: (H, W, 3) uint8 BGR image and list of annotation dicts (no
        ids yet), each with an extra ``facing`` key.
    """
    probs = np.array([0.45, 0.35, 0.2])[:max_people]
    for _ in range(20):
        num = 1 + int(rng.choice(len(probs), p=probs / probs.sum()))
        figures: List[dict] = []
        for _ in range(num):
            figures.append(
                _sample_figure(rng, height, width, num, figures, difficulty))
        # bigger people are nearer, so they are painted last
        figures.sort(key=lambda f: f['camera'].scale)
        scene = dict(
            figures=figures,
            occluders=_sample_occluders(rng, figures, height, width,
                                        difficulty),
            difficulty=difficulty,
            bg_seed=int(rng.integers(2**63)),
            post_seed=int(rng.integers(2**63)))
        # a person with too few labels is removed and the image repainted,
        # so that no painted person goes unannotated
        for _ in range(len(figures) + 1):
            image, owner, geos, masks = _render(scene, height, width)
            anns = [
                _annotate(k, geo, owner, mask)
                for k, (geo, mask) in enumerate(zip(geos, masks))
            ]
            keep = [a is not None for a in anns]
            if all(keep) or not any(keep):
                break
            scene['figures'] = [
                f for f, ok in zip(scene['figures'], keep) if ok
            ]
        if anns and all(a is not None for a in anns):
            for ann, fig in zip(anns, scene['figures']):
                ann['facing'] = fig['facing']
            return image, anns
    raise RuntimeError(
        'could not place a sufficiently visible person in a '
        f'{height}x{width} image after 20 attempts; use a larger image_size')


# ----------------------------------------------------------------------------
# dataset files
# ----------------------------------------------------------------------------
def _categories() -> List[dict]:
    return [
        dict(
            supercategory='person',
            id=1,
            name='person',
            keypoints=list(COCO_KEYPOINT_NAMES),
            skeleton=[list(pair) for pair in COCO_SKELETON])
    ]


def _write_json(path: Path, obj) -> None:
    atomic_write_text(str(path), json.dumps(obj, separators=(',', ':')))


def _params(num_train: int, num_val: int, image_size: Tuple[int, int],
            seed: int, max_people: int, difficulty: float) -> dict:
    return dict(
        format_version=FORMAT_VERSION,
        num_train=num_train,
        num_val=num_val,
        image_size=[image_size[0], image_size[1]],
        seed=seed,
        max_people=max_people,
        difficulty=difficulty)


def _generate_split(root: Path, split: str, num_images: int,
                    params: dict) -> Tuple[dict, dict]:
    height, width = params['image_size']
    seed = params['seed']
    img_dir = root / 'images' / split
    img_dir.mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    for idx in range(num_images):
        rng = np.random.default_rng([seed, _SPLIT_CODES[split], idx])
        image, img_anns = _make_image(rng, height, width,
                                      params['max_people'],
                                      params['difficulty'])
        file_name = f'{idx + 1:06d}.jpg'
        ok, buf = cv2.imencode('.jpg', image,
                               [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f'cv2 could not encode {img_dir / file_name}')
        buf.tofile(str(img_dir / file_name))
        images.append(
            dict(
                id=idx + 1,
                file_name=file_name,
                width=width,
                height=height,
                license=1))
        for ann in img_anns:
            ann['id'] = len(anns) + 1
            ann['image_id'] = idx + 1
            anns.append(ann)
    coco = dict(
        info=dict(
            description='micronet_mm synthetic COCO person keypoints '
            f'({split})',
            version=str(FORMAT_VERSION),
            year=2024,
            contributor='micronet_mm.datasets.synthetic_coco_keypoints',
            date_created='',
            generator=params),
        licenses=[dict(id=1, name='synthetic, no rights reserved', url='')],
        images=images,
        annotations=anns,
        categories=_categories())
    _write_json(root / 'annotations' / f'person_keypoints_{split}.json', coco)
    return coco, _split_stats(coco)


def _split_stats(coco: dict) -> dict:
    vis = np.array([a['keypoints'][2::3] for a in coco['annotations']],
                   int).reshape(-1, len(COCO_KEYPOINT_NAMES))
    facing = [a['facing'] for a in coco['annotations']]
    return dict(
        images=len(coco['images']),
        instances=len(coco['annotations']),
        keypoints_v0=int((vis == 0).sum()),
        keypoints_v1=int((vis == 1).sum()),
        keypoints_v2=int((vis == 2).sum()),
        instances_with_occluded=int((vis == 1).any(axis=1).sum()),
        facing_front=facing.count('front'),
        facing_back=facing.count('back'))


def _detections(coco: dict, seed: int) -> List[dict]:
    """Detector-like boxes: jittered ground truth plus weak false alarms."""
    rng = np.random.default_rng([seed, _DETECTION_STREAM])
    by_image: Dict[int, List[dict]] = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    dets = []
    for img in coco['images']:
        width, height = img['width'], img['height']
        for ann in by_image.get(img['id'], []):
            x, y, w, h = ann['bbox']
            cx = x + w / 2 + rng.normal(0, 0.04 * w)
            cy = y + h / 2 + rng.normal(0, 0.04 * h)
            w = w * math.exp(rng.normal(0, 0.06))
            h = h * math.exp(rng.normal(0, 0.06))
            dets.append(_det(img['id'], cx, cy, w, h, width, height,
                             rng.uniform(0.7, 0.99)))
        for _ in range(int(rng.choice(3, p=[0.5, 0.35, 0.15]))):
            h = rng.uniform(0.2, 0.6) * height
            w = h * rng.uniform(0.3, 0.7)
            dets.append(
                _det(img['id'], rng.uniform(0, width), rng.uniform(0, height),
                     w, h, width, height, rng.uniform(0.02, 0.35)))
    return dets


def _det(image_id, cx, cy, w, h, width, height, score) -> dict:
    x0 = float(np.clip(cx - w / 2, 0, width - 1))
    y0 = float(np.clip(cy - h / 2, 0, height - 1))
    x1 = float(np.clip(cx + w / 2, x0 + 1, width))
    y1 = float(np.clip(cy + h / 2, y0 + 1, height))
    return dict(
        image_id=int(image_id),
        category_id=1,
        bbox=[round(x0, 2), round(y0, 2), round(x1 - x0, 2),
              round(y1 - y0, 2)],
        score=round(float(score), 4))


# ----------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------
def read_completion_marker(root) -> Optional[dict]:
    """Return the completion record of a dataset, or None if incomplete.

    Args:
        root (str | Path): Dataset root.

    Returns:
        dict | None: The parameters and summary the dataset was generated
        with, or None when ``root`` holds no finished dataset.
    """
    path = Path(root) / COMPLETION_MARKER
    if not path.is_file():
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def dataset_state(root) -> str:
    """Classify a dataset directory before (re)generating into it.

    Args:
        root (str | Path): Dataset root.

    Returns:
        str: ``'missing'`` (no such path or an empty directory),
        ``'complete'`` (a finished dataset), ``'incomplete'`` (an interrupted
        run of this generator) or ``'foreign'`` (other, non-empty content).

    Raises:
        NotADirectoryError: If ``root`` exists and is not a directory.
    """
    root = Path(root)
    if not root.exists():
        return 'missing'
    if not root.is_dir():
        raise NotADirectoryError(
            f'dataset root {root} exists and is not a directory')
    if read_completion_marker(root) is not None:
        return 'complete'
    if (root / PROGRESS_MARKER).is_file():
        return 'incomplete'
    return 'foreign' if any(root.iterdir()) else 'missing'


def _remove_outputs(root: Path) -> None:
    """Delete the paths this generator writes, except the progress marker."""
    for sub in ('train', 'val'):
        path = root / 'images' / sub
        if path.is_dir():
            shutil.rmtree(path)
    if (root / 'images').is_dir() and not any((root / 'images').iterdir()):
        (root / 'images').rmdir()
    names = [
        COMPLETION_MARKER, 'annotations/person_keypoints_train.json',
        'annotations/person_keypoints_val.json',
        'annotations/person_detections_val.json'
    ]
    for name in names:
        path = root / name
        if path.is_file():
            path.unlink()


def generate_synthetic_coco_keypoints(root,
                                      num_train: int = 600,
                                      num_val: int = 100,
                                      image_size: Sequence[int] = (384, 384),
                                      seed: int = 0,
                                      max_people: int = 3,
                                      difficulty: float = 1.0,
                                      overwrite: bool = False) -> dict:
    """Write a synthetic COCO person-keypoint dataset.

    The defaults give about 1050 training and 175 validation people and
    take well under a minute on one core. See the module docstring for the
    figure model and the left/right cue.

    Args:
        root (str | Path): Output directory.
        num_train (int): Number of training images (1-3 people each).
        num_val (int): Number of validation images.
        image_size (Sequence[int]): (height, width) of every image, each at
            least 96.
        seed (int): Non-negative seed; equal arguments give identical files.
        max_people (int): Upper bound of people per image, 1-3.
        difficulty (float): In [0, 1]; scales background clutter,
            distractor sticks, foreground occluders, deliberate overlaps,
            border cuts and camera noise/blur/colour cast. 1 is the full
            dataset, 0 keeps the varied poses, sizes, multiple people and
            the left/right cue on clean gradient-and-texture backgrounds.
        overwrite (bool): Replace a finished dataset or unrelated content
            in ``root`` (only the paths this function writes are removed).
            An interrupted run of this function is always regenerated.

    Returns:
        dict: Summary with the parameters, per-split statistics (``images``,
        ``instances``, ``keypoints_v0/v1/v2``, ``facing_front/back``, ...)
        and ``detections_val``.

    Raises:
        ValueError: If an argument is out of range.
        FileExistsError: If ``root`` holds a finished dataset or other
            files and ``overwrite`` is False.
    """
    root = Path(root)
    image_size = tuple(int(v) for v in image_size)
    if len(image_size) != 2 or min(image_size) < 96:
        raise ValueError(
            f'image_size must be (height, width) with both >= 96, got '
            f'{image_size}')
    for name, value in (('num_train', num_train), ('num_val', num_val)):
        if int(value) != value or value < 1:
            raise ValueError(f'{name} must be a positive integer, got {value}')
    if int(seed) != seed or seed < 0:
        raise ValueError(f'seed must be a non-negative integer, got {seed}')
    if max_people not in (1, 2, 3):
        raise ValueError(f'max_people must be 1, 2 or 3, got {max_people}')
    if not 0.0 <= float(difficulty) <= 1.0:
        raise ValueError(f'difficulty must be in [0, 1], got {difficulty}')

    state = dataset_state(root)
    if state in ('complete', 'foreign') and not overwrite:
        what = ('a finished synthetic dataset'
                if state == 'complete' else 'other files')
        raise FileExistsError(
            f'{root} already holds {what}; refusing to overwrite it '
            '(pass overwrite=True / --force to replace it)')
    params = _params(int(num_train), int(num_val), image_size, int(seed),
                     int(max_people), float(difficulty))
    # mark the directory as "ours, in progress" before touching anything,
    # so an interruption from here on is regenerated rather than used
    root.mkdir(parents=True, exist_ok=True)
    _write_json(root / PROGRESS_MARKER, params)
    if state != 'missing':
        _remove_outputs(root)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)

    summary = dict(params=params, splits={})
    val_coco = None
    for split, num in (('train', int(num_train)), ('val', int(num_val))):
        coco, stats = _generate_split(root, split, num, params)
        summary['splits'][split] = stats
        if split == 'val':
            val_coco = coco
    dets = _detections(val_coco, int(seed))
    _write_json(root / 'annotations' / 'person_detections_val.json', dets)
    summary['detections_val'] = len(dets)

    # the completion marker goes last: its presence means "usable"
    _write_json(root / COMPLETION_MARKER, summary)
    (root / PROGRESS_MARKER).unlink()
    return dict(summary, root=str(root))
