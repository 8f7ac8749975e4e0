from .channel_permutation import (
                                  ChannelPermutation,
                                  compose_shuffles,
                                  shuffle_permutation,
)
from .dynamic_shift_max import (
                                  DynamicShiftMax,
                                  SpatialAttention,
                                  StaticShiftMax,
                                  group_shift_index,
                                  make_divisible,
)
from .micro_blocks import (
                                  GroupedPointwiseExpansion,
                                  MicroBlockA,
                                  MicroBlockC,
                                  build_shift_max,
)
from .micro_factorized_depthwise import (
                                  MicroFactorizedDepthwise,
                                  SpatialSeparableConv,
)
from .micro_factorized_pointwise import (
                                  MicroFactorizedPointwise,
                                  adaptive_groups,
)
from .stem import MicroStem

__all__ = [
    'ChannelPermutation', 'compose_shuffles', 'shuffle_permutation',
    'DynamicShiftMax', 'StaticShiftMax', 'SpatialAttention',
    'group_shift_index', 'make_divisible', 'MicroBlockA', 'MicroBlockC',
    'GroupedPointwiseExpansion', 'build_shift_max',
    'MicroFactorizedDepthwise', 'SpatialSeparableConv',
    'MicroFactorizedPointwise', 'adaptive_groups', 'MicroStem'
]
