# MicroNet-M2 (21M backbone at 224x224) top-down heatmap, COCO 256x192.
# 163M MAdds (paper: 163M).
_base_ = ['./micronet_m0_heatmap_coco-256x192.py']
model = dict(
    backbone=dict(arch='m2', out_indices=(1, 3, 12)),
    head=dict(in_channels=(16, 24, 864), channels=(144, 72)))
