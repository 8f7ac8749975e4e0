# Cityscapes schedule. From the paper (arXiv 2011.12289v1, sec. 6.2): 240
# epochs from random initialisation, lr 0.2 with cosine decay to 1e-4,
# weight decay 4e-5. Project choices (the paper names neither optimiser nor
# batch): SGD with momentum 0.9 (as MobileNetV3's LR-ASPP and mmseg's
# Cityscapes recipes) and a reference total batch of 16 (4 GPUs x 4).
# Epoch-based, so 240 epochs stay 240 epochs on any number of GPUs; the lr
# scales linearly with the total batch (auto_scale_lr, see
# docs/en/reproduction.md). Print what a cluster will run with
#   python tools/analysis/print_schedule.py CONFIG --gpus N
num_epochs = 240
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=4e-5),
    clip_grad=None)
param_scheduler = [
    # Project choice (the paper states none): a linear warm-up over the
    # first epoch, so that lr 0.2 does not hit randomly initialised BN
    # statistics.
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        convert_to_iter_based=True,
        begin=0,
        end=1),
    dict(
        type='CosineAnnealingLR',
        T_max=num_epochs - 1,
        eta_min=1e-4,
        by_epoch=True,
        convert_to_iter_based=True,
        begin=1,
        end=num_epochs),
]
# validate every 24 epochs (default_runtime_seg.py checkpoints as often)
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=num_epochs, val_interval=24)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# lr 0.2 is for a total batch of 16; --cfg-options auto_scale_lr.enable=False
# keeps 0.2 whatever the batch
auto_scale_lr = dict(enable=True, base_batch_size=16)
