# The synthetic Cityscapes-format set of micronet_mm/datasets/
# synthetic_cityscapes.py (256x512 street scenes, the 19 Cityscapes
# classes), for the quickstart and CPU smoke training. Generate it with
#   python tools/dataset_converters/generate_synthetic_cityscapes.py \
#       data/synthetic_cityscapes
# Images are used at half resolution (128x256) for training and testing,
# so a CPU budget of minutes sees 4x more scenes; predictions are resized to
# the 256x512 labels for the metric. Layout, dataset type, label checks and
# metric are those of the Cityscapes base.
_base_ = ['./cityscapes_1024x2048.py']
data_root = 'data/synthetic_cityscapes/'
# the generator's default train split
num_train_samples = 300
prepare_hint = ('Generate the synthetic set with: python tools/'
                'dataset_converters/generate_synthetic_cityscapes.py '
                'data/synthetic_cityscapes (or run `make quickstart`).')
crop_size = (128, 256)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    # half resolution, zoomed in up to 1.5x, then a 128x256 crop
    dict(
        type='RandomResize',
        scale=(256, 128),
        ratio_range=(1.0, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    # no PhotoMetricDistortion: the generator already varies lighting and
    # colour, and the data worker shares the CPU with training
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19, ignore_index=255),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    # the toy schedule is iteration-based (mmseg's usual sampler)
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        prepare_hint=prepare_hint,
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        prepare_hint=prepare_hint,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
