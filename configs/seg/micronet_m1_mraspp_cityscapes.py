# MicroNet-M1 (12M, official "M2") + MR-ASPP, Cityscapes 1024x2048.
# Paper: between M0's 0.81B and M2's 1.75B MAdds. Taps: layer 3 (24 ch,
# stride 8) and the closing 1x1 expansion, layer 9 (768 ch, stride 16).
_base_ = ['./micronet_m0_mraspp_cityscapes.py']
model = dict(
    backbone=dict(arch='m1', out_indices=(3, 9)),
    decode_head=dict(in_channels=(24, 768)))
