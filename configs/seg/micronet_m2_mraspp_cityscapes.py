# MicroNet-M2 (21M, official "M3") + MR-ASPP, Cityscapes 1024x2048.
# Paper: 1.75B MAdds. Taps: layer 3 (24 ch, stride 8) and the closing 1x1
# expansion, layer 12 (864 ch, stride 16).
_base_ = ['./micronet_m0_mraspp_cityscapes.py']
model = dict(
    backbone=dict(arch='m2', out_indices=(3, 12)),
    decode_head=dict(in_channels=(24, 864)))
