# MicroNet + MR-ASPP (Micro-Reduce ASPP) for Cityscapes. The arch configs
# under configs/seg/ set the backbone arch, its two taps and the head
# widths; the design is documented in docs/en/mraspp_head.md.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # the ImageNet statistics MicroNet was pretrained with
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # training batches are padded to a common size, a multiple of the
    # output stride (crops can be smaller than crop_size)
    size_divisor=16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MicroNet',
        arch='m0',
        # build the network only up to its deepest tap
        truncate=True,
        # taps: the last stride-8 layer, then the stride-16 feature
        out_indices=(2, 7),
        # output stride 16: the stride-32 stage keeps stride 1 and dilates
        # its depthwise convs by 2, as MobileNetV3's LR-ASPP backbone
        strides=(2, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg,
        # Trained from random init in the paper (Kaiming init, the
        # backbone default). For an ImageNet-pretrained backbone, convert
        # or train a classification checkpoint of the same arch and set:
        # init_cfg=dict(
        #     type='Pretrained',
        #     checkpoint='work_dirs/micronet_m0_in1k/epoch_600.pth',
        #     prefix='backbone.'),
    ),
    decode_head=dict(
        type='MRASPPHead',
        in_channels=(16, 576),
        in_index=(0, 1),
        channels=192,
        low_channels=64,
        # Micro-Factorized convs (aspp, low, fuse): squeezed width M and
        # groups G with M / G >= G, so every output sees every input
        mid_channels=(384, 32, 96),
        groups=(16, 4, 8),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            # average over labelled pixels only (as torch's cross_entropy)
            avg_non_ignore=True,
            loss_weight=1.0)),
    train_cfg=dict(),
    # whole-image inference: 1024x2048 in one pass
    test_cfg=dict(mode='whole'))
