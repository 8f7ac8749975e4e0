# COCO person keypoints, top-down, 256x192 crops, MicroNet v1 augmentation.
#
# RandomBBoxTransform draws every factor from a standard normal truncated
# to [-1, 1] and maps it linearly:
#   scale  = 1.0 + 0.35 * t   -> in [0.65, 1.35]   (applied always)
#   rotate = 45 * t degrees   -> in [-45, 45]      (applied with p = 0.6,
#                                                   else 0, as in mmpose)
# i.e. the paper's "rotation +-45 degrees, scale 0.65-1.35" as hard bounds,
# with mmpose's truncated-normal shape inside them (docs/en/pose.md). The
# code of the paper's reference [28] draws rotation from N(0, 45^2) clipped
# to +-90 degrees: a deviation, see docs/en/reproduction.md.
# Data preparation: docs/en/pose.md (section "Data").
dataset_type = 'CocoDataset'
data_mode = 'topdown'
# The one place to set the data root: `--cfg-options data_root=PATH` moves
# the loaders, the detection boxes and the metric's annotation file
# (micronet_mm.apis.load_config).
data_root = 'data/coco/'
# 149,813 person instances with keypoints in person_keypoints_train2017.json
# (what the reference code [28] loads; the paper says "150K", sec. 6.1):
# the epoch length tools/analysis/print_schedule.py assumes
num_train_samples = 149813

codec = dict(
    type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform',
        scale_factor=(0.65, 1.35),
        scale_prob=1.0,
        rotate_factor=45.0,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    # 32 per GPU x 4 GPUs = 128, the batch of the reference setup [28]
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val2017.json',
        # detector boxes (human AP 56.4), as mmpose's COCO baselines; the
        # path is not relative to data_root
        bbox_file=data_root + 'person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

# CocoMetric reads its own copy of the annotations: a full path
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
