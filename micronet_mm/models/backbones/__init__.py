from .micronet import MicroNet
from .micronet_arch import (
    ARCH_SETTINGS,
    ExpansionRow,
    LiteRow,
    MicroNetArch,
    RegularRow,
)

__all__ = [
    "MicroNet", "MicroNetArch", "LiteRow", "RegularRow", "ExpansionRow",
    "ARCH_SETTINGS"
]
