# Official "M0" (4M MAdds, 46.6 top-1 published); not in the v1 paper.
_base_ = [
    '../_base_/models/micronet_cls.py',
    '../_base_/datasets/imagenet_bs128_bilinear.py',
    '../_base_/schedules/imagenet_sgd_cosine_600e.py',
    '../_base_/default_runtime_cls.py',
]
model = dict(
    backbone=dict(arch='4m'),
    head=dict(in_channels=384, mid_channels=640, dropout_ratio=0.05))
