# Top-down heatmap pose model: MicroNet at output stride 16 (the stride-32
# rows run at stride 16 with dilation 2) + MicroKeypointHead. The defaults
# here are MicroNet-M0; configs/pose/* set arch, taps and head widths.
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='MicroNet',
        arch='m0',
        # stride-4, stride-8 and the last layer (stride 16)
        out_indices=(1, 2, 7),
        strides=(2, 2, 2, 1),
        dilations=(1, 1, 1, 2)),
    head=dict(
        type='MicroKeypointHead',
        in_channels=(8, 16, 576),
        out_channels=17,
        channels=(96, 48),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        # must equal the dataset codec (checked by tests/test_pose)
        decoder=dict(
            type='MSRAHeatmap',
            input_size=(192, 256),
            heatmap_size=(48, 64),
            sigma=2)),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
