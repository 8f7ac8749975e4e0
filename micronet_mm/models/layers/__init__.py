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
                                  ACTIVATIONS,
                                  ATTENTION_SITES,
                                  SQUEEZE_ACTIVATIONS,
                                  GroupedPointwiseExpansion,
                                  MicroBlockA,
                                  MicroBlockC,
                                  build_activation,
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
    'GroupedPointwiseExpansion', 'build_activation', 'ACTIVATIONS',
    'SQUEEZE_ACTIVATIONS', 'ATTENTION_SITES',
    'MicroFactorizedDepthwise', 'SpatialSeparableConv',
    'MicroFactorizedPointwise', 'adaptive_groups', 'MicroStem'
]
