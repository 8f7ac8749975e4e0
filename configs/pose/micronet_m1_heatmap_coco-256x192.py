# MicroNet-M1 (12M backbone at 224x224) top-down heatmap, COCO 256x192.
# 126M MAdds (paper: between M0's 77M and M2's 163M).
_base_ = ['./micronet_m0_heatmap_coco-256x192.py']
model = dict(
    backbone=dict(arch='m1', out_indices=(1, 3, 9)),
    head=dict(in_channels=(12, 24, 768), channels=(128, 64)))
