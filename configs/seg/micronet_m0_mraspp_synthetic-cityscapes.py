# MicroNet-M0 + MR-ASPP trained on the synthetic Cityscapes-format set
# (data/synthetic_cityscapes, 256x512 images used at 128x256) in minutes on
# a CPU: the quickstart (tools/quickstart.sh) and the toy column of
# benchmarks/seg_benchmark.py. Same model as micronet_m0_mraspp_cityscapes.py
# with plain BN; a short iteration-based AdamW schedule (batch 16, 360
# iterations, about 20 epochs of the 300 generated scenes) instead of the
# paper's 240-epoch one: on N processes it stays 360 iterations of N x 16.
_base_ = [
    '../_base_/models/micronet_mraspp.py',
    '../_base_/datasets/synthetic_cityscapes.py',
    '../_base_/default_runtime_seg.py',
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(arch='m0', out_indices=(2, 7), norm_cfg=norm_cfg),
    decode_head=dict(in_channels=(16, 576), norm_cfg=norm_cfg))
max_iters = 360
warmup_iters = 50
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=8e-3, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - warmup_iters,
        eta_min=1e-5,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters),
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=max_iters // 2,
                    max_keep_ckpts=2))
custom_hooks = [dict(type='TrainProgressBarHook')]
randomness = dict(seed=0)
# lr 8e-3 is for a total batch of 16 (scaled linearly for others)
auto_scale_lr = dict(enable=True, base_batch_size=16)
