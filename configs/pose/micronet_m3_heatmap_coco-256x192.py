# MicroNet-M3 (44M backbone at 224x224, project design) top-down heatmap,
# COCO 256x192. 248M MAdds (paper: about a third of the <850M baselines).
_base_ = ['./micronet_m0_heatmap_coco-256x192.py']
model = dict(
    backbone=dict(arch='m3', out_indices=(1, 3, 14)),
    head=dict(in_channels=(24, 36, 1296), channels=(144, 88)))
