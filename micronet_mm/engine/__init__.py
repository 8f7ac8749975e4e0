from .config_setup import (
                           CachedTextConfig,
                           enable_amp,
                           make_resume_exact,
                           prepare_test_config,
                           prepare_train_config,
                           replace_sync_bn,
)
from .hooks import (
                           AtomicCheckpointHook,
                           BadImageReportHook,
                           CheckpointTaskHook,
                           IncompatibleCheckpointError,
                           NonFiniteLossHook,
                           RNGStateHook,
                           bad_image_message,
                           checkpoint_scope,
)
from .optim_wrapper import CPUAmpOptimWrapper

__all__ = [
    'prepare_train_config', 'prepare_test_config', 'enable_amp',
    'replace_sync_bn', 'CPUAmpOptimWrapper', 'AtomicCheckpointHook',
    'NonFiniteLossHook', 'RNGStateHook', 'bad_image_message',
    'CheckpointTaskHook', 'BadImageReportHook', 'IncompatibleCheckpointError',
    'checkpoint_scope', 'make_resume_exact', 'CachedTextConfig'
]
