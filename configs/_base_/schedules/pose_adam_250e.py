# MicroNet v1 keypoint schedule: Adam, lr 1e-3, x0.1 at epochs 210 and 240,
# 250 epochs. The paper gives no warm-up or batch size; the 500-iteration
# linear warm-up and the batch of 64 x 8 GPUs are mmpose's (docs/en/pose.md).
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=10)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=250,
        milestones=[210, 240],
        gamma=0.1,
        by_epoch=True),
]
# lr 1e-3 is for a total batch of 512 (64 per GPU x 8)
auto_scale_lr = dict(base_batch_size=512)
