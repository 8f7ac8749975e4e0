"""MicroNet cut after its deepest returned layer, for dense prediction.

:class:`MicroNet` always runs every row of its table and returns the
requested ones. A segmentation head that taps an earlier row (the 44M M3
at output stride 16 cannot afford its last two rows within the paper's
2.52B MAdds, see ``docs/en/mraspp_head.md``) would pay for rows whose output
is thrown away, and under DistributedDataParallel their parameters would
never receive gradients. :class:`MicroNetTrunk` builds the same network and
drops the rows after the deepest ``out_indices`` entry.
"""
from .micronet import MicroNet


class MicroNetTrunk(MicroNet):
    """:class:`MicroNet` without the layers after the deepest output.

    Layer names, channels and parameter names are those of the full
    network, so ImageNet checkpoints of the same arch load with
    ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')``; the
    weights of the dropped rows are reported as unexpected keys and
    ignored.

    Args:
        *args: :class:`MicroNet` arguments.
        **kwargs: :class:`MicroNet` arguments. ``frozen_stages`` must not
            exceed the deepest ``out_indices`` entry.

    Shape:
        As :class:`MicroNet`: input (N, 3, H, W), one feature map per
        ``out_indices`` entry.

    Example:
        >>> import torch
        >>> full = MicroNet('m0', out_indices=(2, 5))
        >>> trunk = MicroNetTrunk('m0', out_indices=(2, 5))
        >>> trunk.layer_names[-1], len(full.layer_names)
        ('layer5', 8)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last = max(self.out_indices)
        if self.frozen_stages > last:
            raise ValueError(
                f'MicroNetTrunk: frozen_stages={self.frozen_stages} refers '
                f'to layers after the deepest out_indices entry ({last}), '
                'which the trunk does not build')
        for name in self.layer_names[last + 1:]:
            delattr(self, name)
        self.layer_names = self.layer_names[:last + 1]
        self.out_channels_per_layer = self.out_channels_per_layer[:last + 1]
        self.num_layers = last + 1
