# Cityscapes (fine annotations, 19 train ids), evaluated on whole 1024x2048
# images. CheckedCityscapesDataset is mmseg's CityscapesDataset with layout
# checks; CheckSegMap rejects label maps with values outside 0..18/255 or
# of the wrong size, naming the file (micronet_mm/datasets/checks.py).
# Data preparation: docs/en/segmentation.md.
dataset_type = 'CheckedCityscapesDataset'
data_root = 'data/cityscapes/'
crop_size = (512, 1024)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    # (w, h): the natural input of these configs, 1024x2048
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    # labels are loaded after the resize: metrics use full-size labels
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    # 4 images per GPU x 4 GPUs = 16 (the schedule assumes 16)
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
