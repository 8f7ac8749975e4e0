# The MicroNet paper's Cityscapes schedule: 240 epochs from random init,
# SGD, lr 0.2 with cosine decay to 1e-4, weight decay 4e-5. Iteration based:
# 240 epochs x 2975 train images / 16 images per iteration (4 GPUs x 4).
# With another total batch B, scale max_iters to 240 * 2975 // B (and the
# lr if you wish; --cfg-options train_cfg.max_iters=...).
num_epochs = 240
num_train_images = 2975
total_batch_size = 16
max_iters = num_epochs * num_train_images // total_batch_size  # 44625
iters_per_epoch = num_train_images // total_batch_size  # 185
# Our addition (the paper states none): a linear warm-up over the first
# epoch, so that lr 0.2 does not hit randomly initialised BN statistics.
warmup_iters = iters_per_epoch
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=4e-5),
    clip_grad=None)
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
        eta_min=1e-4,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters),
]
# validate every 24 epochs (default_runtime_seg.py checkpoints as often)
train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=24 * iters_per_epoch)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=total_batch_size)
