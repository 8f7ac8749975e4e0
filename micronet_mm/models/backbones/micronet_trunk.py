"""``MicroNetTrunk``: the registered name of ``MicroNet(truncate=True)``.

Kept so that configs and work directories written before ``truncate``
existed still build; new configs use ``dict(type='MicroNet', ...,
truncate=True)``.
"""
from .micronet import MicroNet


class MicroNetTrunk(MicroNet):
    """:class:`MicroNet` with ``truncate=True`` (layers after the deepest
    ``out_indices`` entry are not built).

    Args:
        *args: :class:`MicroNet` arguments.
        **kwargs: :class:`MicroNet` arguments other than ``truncate``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, truncate=True, **kwargs)
