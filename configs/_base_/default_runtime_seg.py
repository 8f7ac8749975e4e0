# mmseg runtime shared by the segmentation configs
default_scope = 'mmseg'
custom_imports = dict(imports=['micronet_mm.seg'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # every 24 epochs, with the validation of cityscapes_240e.py (the toy
    # configs checkpoint by iteration); tools/train.py turns this into
    # micronet_mm's AtomicCheckpointHook
    checkpoint=dict(
        type='CheckpointHook', by_epoch=True, interval=24,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # draws only when enabled (tools/test.py --show-dir sets draw=True)
    visualization=dict(type='SegVisualizationHook', draw=False),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
