from .config_setup import (
                           enable_amp,
                           prepare_test_config,
                           prepare_train_config,
                           replace_sync_bn,
)
from .hooks import (
                           AtomicCheckpointHook,
                           NonFiniteLossHook,
                           RNGStateHook,
                           atomic_write_text,
)
from .optim_wrapper import CPUAmpOptimWrapper

__all__ = [
    'prepare_train_config', 'prepare_test_config', 'enable_amp',
    'replace_sync_bn', 'CPUAmpOptimWrapper', 'AtomicCheckpointHook',
    'NonFiniteLossHook', 'RNGStateHook', 'atomic_write_text'
]
