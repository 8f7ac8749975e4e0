# MicroNet v1 keypoint schedule (arXiv 2011.12289v1, sec. 6.1): Adam, lr
# 1e-3, x0.1 at epochs 210 and 240, 250 epochs. The paper takes its other
# settings from its reference [28], whose code trains with lr 1e-3 at a
# total batch of 128 (32 per GPU x 4, configs/_base_/datasets/
# coco_topdown_256x192.py). The warm-up is a project choice (below).
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=10)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    # Project choice (neither the paper nor [28] warms up): mmpose's linear
    # warm-up from 0.001 x lr, over one epoch rather than mmpose's 500
    # iterations so that it covers the same images at any total batch.
    dict(
        type='LinearLR',
        begin=0,
        end=1,
        start_factor=0.001,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        begin=0,
        end=250,
        milestones=[210, 240],
        gamma=0.1,
        by_epoch=True),
]
# lr 1e-3 is for a total batch of 128 and scales linearly with the total
# batch (docs/en/reproduction.md); auto_scale_lr.enable=False keeps 1e-3
auto_scale_lr = dict(enable=True, base_batch_size=128)
