# MicroNet-M0 (6M backbone at 224x224) top-down heatmap, COCO 256x192.
# 77M MAdds (paper: 77M): tools/analysis/get_flops.py on this file.
_base_ = [
    '../_base_/models/micronet_heatmap.py',
    '../_base_/datasets/coco_topdown_256x192.py',
    '../_base_/schedules/pose_adam_250e.py',
    '../_base_/default_runtime_pose.py',
]
model = dict(
    backbone=dict(arch='m0', out_indices=(1, 2, 7)),
    head=dict(in_channels=(8, 16, 576), channels=(96, 48)))
