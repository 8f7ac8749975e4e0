# ImageNet as the official MicroNet scripts feed it: RandomResizedCrop(224)
# + flip for training, short side 256 + centre crop 224 for evaluation,
# bilinear (torchvision's default) interpolation, no extra augmentation.
# 128 images per GPU x 4 GPUs = 512, the official batch.
# Data layout and preparation: docs/en/reproduction.md (section "ImageNet").
dataset_type = 'ImageNet'
# The one place to set the data root: `--cfg-options data_root=PATH` moves
# the train, val and test loaders (micronet_mm.apis.load_config).
data_root = 'data/imagenet'
# 1,281,167 training images (ILSVRC-2012; paper sec. 5 states the same):
# the epoch length tools/analysis/print_schedule.py assumes
num_train_samples = 1281167
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        backend='pillow',
        interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
