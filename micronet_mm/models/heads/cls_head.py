"""MicroNet's classification head (mmpretrain)."""
from typing import Tuple

import torch
from mmpretrain.models.heads import ClsHead
from torch import nn
from torch.nn.utils.fusion import fuse_linear_bn_eval


class MicroNetClsHead(ClsHead):
    """The released MicroNet classifier.

    ReLU6, global average pooling and h-swish on the last feature map, then
    ``Linear + BatchNorm1d + h-swish`` to ``mid_channels``, dropout, and
    ``Linear + BatchNorm1d + h-swish`` to the class logits. The final
    h-swish bounds the logits from below at -0.375, as in the official
    models; it is kept so that converted weights give identical outputs.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the last backbone feature.
        mid_channels (int): Width of the hidden linear layer.
        dropout_ratio (float): Dropout before the last linear layer.
            Defaults to 0.1.
        init_cfg (dict): Defaults to N(0, 0.01) on the linear layers, as in
            the official code.
        **kwargs: ``loss``, ``topk``, ``cal_acc`` of
            :class:`mmpretrain.models.heads.ClsHead`.

    Shape:
        Input: a tuple whose last item is (N, in_channels, H, W).
        Output: (N, num_classes).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mid_channels: int,
                 dropout_ratio: float = 0.1,
                 init_cfg=dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs):
        super().__init__(init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.fc1 = nn.Linear(in_channels, mid_channels)
        self.bn1 = nn.BatchNorm1d(mid_channels)
        self.dropout = nn.Dropout(dropout_ratio)
        self.fc2 = nn.Linear(mid_channels, num_classes)
        self.bn2 = nn.BatchNorm1d(num_classes)
        self.act = nn.Hardswish()

    def switch_to_deploy(self) -> None:
        """Fold the eval-mode BatchNorm1d layers into the linear layers
        (``micronet_mm.deploy.fuse`` calls this on a copy); the head then
        computes the same function with two layers fewer."""
        for fc_name, bn_name in (('fc1', 'bn1'), ('fc2', 'bn2')):
            bn = getattr(self, bn_name)
            if isinstance(bn, nn.BatchNorm1d) and bn.running_var is not None:
                setattr(self, fc_name,
                        fuse_linear_bn_eval(getattr(self, fc_name), bn))
                setattr(self, bn_name, nn.Identity())

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """(N, C, H, W) -> (N, mid_channels) hidden features."""
        x = torch.clamp(feats[-1], 0.0, 6.0).mean((2, 3))
        return self.act(self.bn1(self.fc1(self.act(x))))

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        x = self.dropout(self.pre_logits(feats))
        return self.act(self.bn2(self.fc2(x)))
