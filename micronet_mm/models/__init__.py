from .backbones import MicroNet  # noqa: F401
