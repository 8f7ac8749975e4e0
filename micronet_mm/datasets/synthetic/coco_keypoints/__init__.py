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
      .complete.json                           (summary, written last)

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

Modules: :mod:`.body` (the 3D person, its camera and colours),
:mod:`.painters` (painting a person), :mod:`.clutter` (backgrounds,
occluders, camera effects), :mod:`.scene` (one annotated image), :mod:`.io`
(the dataset on disk; markers and overwrite rules are those of
:mod:`micronet_mm.datasets.synthetic.writer`).
"""
from .body import COCO_KEYPOINT_NAMES, COCO_SKELETON
from .io import (
    DEFAULT_NUM_TRAIN,
    DEFAULT_NUM_VAL,
    DEFAULT_SIZE,
    FORMAT,
    GENERATOR_VERSION,
    PROGRESS_FILE,
    SUMMARY_FILE,
    dataset_state,
    generate_synthetic_coco_keypoints,
    read_summary,
    recorded_arguments,
    regenerate,
)
from .scene import MIN_LABELLED_KEYPOINTS

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'DEFAULT_NUM_TRAIN',
    'DEFAULT_NUM_VAL', 'DEFAULT_SIZE', 'FORMAT', 'GENERATOR_VERSION',
    'MIN_LABELLED_KEYPOINTS', 'PROGRESS_FILE', 'SUMMARY_FILE',
    'dataset_state', 'generate_synthetic_coco_keypoints', 'read_summary',
    'recorded_arguments', 'regenerate'
]
