# MicroNet-M0 (6M, official "M1") + MR-ASPP, Cityscapes 1024x2048.
# Paper: 0.81B MAdds. Taps: layer 2 (16 ch, stride 8) and the closing 1x1
# expansion, layer 7 (576 ch, stride 16 at output stride 16). Trained from
# random init as in the paper; configs/_base_/models/micronet_mraspp.py shows
# the init_cfg that starts from an ImageNet checkpoint of the same arch.
_base_ = [
    '../_base_/models/micronet_mraspp.py',
    '../_base_/datasets/cityscapes_1024x2048.py',
    '../_base_/schedules/cityscapes_240e.py',
    '../_base_/default_runtime_seg.py',
]
model = dict(
    backbone=dict(arch='m0', out_indices=(2, 7)),
    decode_head=dict(in_channels=(16, 576)))
