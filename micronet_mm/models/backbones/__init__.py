from .micronet import ARCH_SETTINGS, MicroNet, MicroRow

__all__ = ["MicroNet", "MicroRow", "ARCH_SETTINGS"]
