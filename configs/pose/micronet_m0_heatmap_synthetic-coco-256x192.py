# MicroNet-M0 heatmap model on the generated COCO-keypoint set
# (tools/dataset_converters/generate_synthetic_coco_keypoints.py
#  data/synthetic_coco_keypoints). Same model, codec, augmentation and
# evaluation protocol (detector-style boxes, flip test) as the COCO config;
# a CPU-sized schedule: batch 8, Adam 2e-3, cosine decay.
_base_ = ['./micronet_m0_heatmap_coco-256x192.py']

data_root = 'data/synthetic_coco_keypoints/'
# people in the generator's default train split (600 images)
num_train_samples = 1057
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=100, start_factor=0.01,
        by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        T_max=30,
        eta_min=2e-5,
        begin=0,
        end=30,
        by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=5))

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='images/train/')))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        bbox_file=data_root + 'annotations/person_detections_val.json',
        data_prefix=dict(img='images/val/')))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
