# Paper M1 = official "M2" (12M MAdds, 59.4 top-1 published). Dropout 0.05
# as the paper gives for M0/M1 (sec. 5.1); the official M2 script uses 0.1.
_base_ = [
    '../_base_/models/micronet_cls.py',
    '../_base_/datasets/imagenet_bs128_bilinear.py',
    '../_base_/schedules/imagenet_sgd_cosine_600e.py',
    '../_base_/default_runtime_cls.py',
]
model = dict(
    backbone=dict(arch='m1'),
    head=dict(in_channels=768, mid_channels=1024, dropout_ratio=0.05))
