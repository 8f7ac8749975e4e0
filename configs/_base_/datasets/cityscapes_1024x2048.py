# Cityscapes (fine annotations, 19 train ids), evaluated on whole 1024x2048
# images. CheckedCityscapesDataset is mmseg's CityscapesDataset with layout
# checks; CheckSegMap rejects label maps with values outside 0..18/255 or
# of the wrong size, naming the file (micronet_mm/datasets/checks.py).
# Data preparation: docs/en/segmentation.md.
dataset_type = 'CheckedCityscapesDataset'
# The one place to set the data root: `--cfg-options data_root=PATH` moves
# the train, val and test loaders (micronet_mm.apis.load_config).
data_root = 'data/cityscapes/'
# 2,975 fine training images (paper sec. 6.2; the Cityscapes benchmark's
# train split): the epoch length tools/analysis/print_schedule.py assumes
num_train_samples = 2975
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
    # The paper cites DeepLab's augmentation (random scale 0.5-2, crop,
    # flip); cat_max_ratio and PhotoMetricDistortion are mmseg's Cityscapes
    # recipe (project choice, docs/en/reproduction.md).
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
    # 4 images per GPU x 4 GPUs = 16, the schedule's reference batch
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    # one pass over the data per epoch (epoch-based schedule)
    sampler=dict(type='DefaultSampler', shuffle=True),
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
