# Paper M2 = official "M3" (21M MAdds, 62.5 top-1 published). The official
# script adds 5 warm-up epochs and weight decay 4e-5 for this model.
_base_ = [
    '../_base_/models/micronet_cls.py',
    '../_base_/datasets/imagenet_bs128_bilinear.py',
    '../_base_/schedules/imagenet_sgd_cosine_600e.py',
    '../_base_/default_runtime_cls.py',
]
model = dict(
    backbone=dict(arch='m2'),
    head=dict(in_channels=864, mid_channels=1024, dropout_ratio=0.1))
optim_wrapper = dict(optimizer=dict(weight_decay=4e-5))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        convert_to_iter_based=True,
        begin=0,
        end=5),
    dict(
        type='CosineAnnealingLR',
        T_max=595,
        eta_min=0.0,
        by_epoch=True,
        convert_to_iter_based=True,
        begin=5,
        end=600),
]
