"""Micro-block heatmap head for top-down keypoint detection (mmpose).

The MicroNet paper (v1, section "Human pose estimation") describes the head
in two sentences: three micro-blocks, one at stride 8 and two at stride 4,
with bilinear upsampling, spatial attention "as in Dynamic ReLU", and a
pointwise convolution that predicts the 17 heatmaps; the backbone runs at
output stride 16. Everything else is this project's choice and is written
down in ``docs/en/pose.md``. In short::

    x16 (1/16, C16) -> Micro-Factorized 1x1 -> C8      (reduce, at 1/16)
    bilinear x2 to the size of x8, + BN(1x1(x8))        (skip, at 1/8)
    MicroBlockC  C8 -> C4                               (block 1, at 1/8)
    bilinear x2 to the size of x4, + BN(1x1(x4))        (skip, at 1/4)
    MicroBlockC  C4 -> C4  (twice, residual)            (blocks 2-3, 1/4)
    1x1 conv     C4 -> K heatmaps

Each micro-block is the backbone's regular combination (grouped 1x1
expansion + Dynamic Shift-Max, Micro-Factorized depthwise conv + Dynamic
Shift-Max, grouped 1x1 squeeze + K=1 Shift-Max). The Shift-Max after the
depthwise conv additionally multiplies its output by Dynamic ReLU's spatial
attention ``min(HW * softmax(BN(conv1x1(x))) / 3, 1)`` (DY-ReLU-C).
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.structures import PixelData
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from torch import Tensor, nn

from ..layers import MicroBlockC, MicroFactorizedPointwise


def _pair_of(value, name: str) -> Tuple[int, int]:
    """An int or a pair of ints -> a pair (one value per head stride)."""
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f'MicroKeypointHead: {name} must be an int or a '
                         f'pair (stride 8, stride 4) of ints, got {value}')
    return value


class MicroKeypointHead(BaseHead):
    """MicroNet keypoint heatmap head.

    Args:
        in_channels (Sequence[int]): Channels of the three backbone features
            the head reads, ordered ``(stride 4, stride 8, stride 16)``, e.g.
            ``(8, 16, 576)`` for MicroNet-M0 with ``out_indices=(1, 2, 7)``.
        out_channels (int): Number of keypoints ``K``. Defaults to 17.
        channels (Sequence[int]): Head widths ``(C8, C4)`` at strides 8 and
            4. Each must be even and divisible by its ``groups`` (C4 by
            both). Defaults to ``(96, 48)`` (MicroNet-M0).
        expand_ratio (int | Sequence[int]): Hidden width of a micro-block
            is ``expand_ratio * in``; one value or one per stride (8, 4).
            Defaults to ``(6, 4)``: 6 as in the backbone's regular rows,
            4 at stride 4, where the activations dominate the run time.
        kernel_size (int | Sequence[int]): Depthwise kernel size (one value
            or one per stride). Defaults to 5.
        groups (int | Sequence[int]): Groups of the grouped 1x1 convs and of
            the Shift-Max shifts (one value or one per stride). Defaults to
            ``(8, 4)``.
        reduction (int): Shift-Max hyper-function reduction (hidden width
            of its MLP is ``C / reduction``). Defaults to 16, as in the
            backbone's late rows.
        num_blocks (Sequence[int]): Micro-blocks at strides 8 and 4.
            Defaults to ``(1, 2)`` (the paper's head).
        activations (Sequence[str]): Activations after the expansion, the
            depthwise conv and the squeeze of every micro-block (names as in
            :mod:`micronet_mm.models.layers.micro_blocks`). Defaults to
            ``('relu6', 'shift_max_k2', 'identity')``, the pattern of the
            largest released model's regular rows.
        spatial_attention (Sequence[str]): Shift-Max activations inside each
            micro-block that get Dynamic ReLU's spatial attention, any of
            ``'in'``, ``'mid'``, ``'out'``. Defaults to ``('mid', )``.
        dsm_cfg (dict, optional): Overrides for every Shift-Max of the head
            (see :func:`micronet_mm.models.layers.build_activation`), e.g.
            ``dict(type='StaticShiftMax')`` with ``spatial_attention=()``.
            Defaults to None (Dynamic Shift-Max).
        init_ab (tuple): ``(init_a, init_b)`` offsets of the K=2 Shift-Max
            coefficients. Defaults to ``((1.0, 0.5), (0.0, 0.5))``, the
            values of the larger released models.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        align_corners (bool): ``align_corners`` of the bilinear upsampling.
            Defaults to False.
        loss (dict): Keypoint heatmap loss. Defaults to
            ``dict(type='KeypointMSELoss', use_target_weight=True)``.
        decoder (dict, optional): Codec config used by :meth:`predict`,
            e.g. ``dict(type='MSRAHeatmap', input_size=(192, 256),
            heatmap_size=(48, 64), sigma=2)``. Defaults to None.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to Kaiming (fan-out) on convs, N(0, 0.01) on linear
            layers, ones on norms and N(0, 0.001) on the final 1x1 conv.

    Shape:
        ``forward(feats)`` with ``feats[-3:]`` of shapes
        (N, in_channels[0], H/4, W/4), (N, in_channels[1], H/8, W/8) and
        (N, in_channels[2], H/16, W/16) returns heatmaps (N, K, H/4, W/4)
        (the sizes of the stride-4 feature, whatever the rounding).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 17,
                 channels: Sequence[int] = (96, 48),
                 expand_ratio: Union[int, Sequence[int]] = (6, 4),
                 kernel_size: Union[int, Sequence[int]] = 5,
                 groups: Union[int, Sequence[int]] = (8, 4),
                 reduction: int = 16,
                 num_blocks: Sequence[int] = (1, 2),
                 activations: Sequence[str] = ('relu6', 'shift_max_k2',
                                               'identity'),
                 spatial_attention: Sequence[str] = ('mid', ),
                 dsm_cfg: Optional[dict] = None,
                 init_ab: tuple = ((1.0, 0.5), (0.0, 0.5)),
                 norm_cfg: dict = dict(type='BN'),
                 align_corners: bool = False,
                 loss: dict = dict(
                     type='KeypointMSELoss', use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg=None):
        if init_cfg is None:
            init_cfg = self.default_init_cfg
        super().__init__(init_cfg)
        in_channels = tuple(in_channels) if not isinstance(
            in_channels, int) else (in_channels, )
        if len(in_channels) != 3:
            raise ValueError(
                'MicroKeypointHead: in_channels must list the channels of '
                'three backbone features (stride 4, stride 8, stride 16), '
                f'e.g. (8, 16, 576) for MicroNet-M0; got {in_channels}')
        channels = _pair_of(channels, 'channels')
        ratios = _pair_of(expand_ratio, 'expand_ratio')
        kernels = _pair_of(kernel_size, 'kernel_size')
        groups = _pair_of(groups, 'groups')
        num_blocks = _pair_of(num_blocks, 'num_blocks')
        if min(num_blocks) < 1:
            raise ValueError('MicroKeypointHead: num_blocks must be >= 1 at '
                             f'each stride, got {num_blocks}')
        # the stride-8 block maps C8 -> C4 with the stride-8 groups
        for width, g in ((channels[0], groups[0]), (channels[1], groups[0]),
                         (channels[1], groups[1])):
            if width % g or width % 2:
                raise ValueError(
                    f'MicroKeypointHead: channels {channels} must be even '
                    f'and divisible by groups {groups} (C4 by both)')
        if len(activations) != 3:
            raise ValueError(
                'MicroKeypointHead: activations must name three activations '
                '(after the expansion, the depthwise conv and the squeeze), '
                f'got {activations!r}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.channels = channels
        self.align_corners = align_corners
        self.spatial_attention = tuple(spatial_attention)
        self.activations = tuple(activations)
        c4_in, c8_in, c16_in = in_channels
        c8, c4 = channels

        # 1/16 -> C8 before upsampling: the widest tensor is reduced where
        # it is cheapest; micro-factorised so that every output channel
        # still sees every input channel
        self.reduce = MicroFactorizedPointwise(
            c16_in, c8, norm_cfg=norm_cfg)
        self.lateral8 = ConvModule(
            c8_in, c8, 1, bias=False, norm_cfg=norm_cfg, act_cfg=None)
        self.lateral4 = ConvModule(
            c4_in, c4, 1, bias=False, norm_cfg=norm_cfg, act_cfg=None)

        block_args = dict(
            reduction=reduction,
            init=dict(init_a=init_ab[0], init_b=init_ab[1]),
            act_in=self.activations[0],
            act_mid=self.activations[1],
            act_out=self.activations[2],
            spatial_attention=self.spatial_attention,
            dsm_cfg=dsm_cfg,
            norm_cfg=norm_cfg)
        # stride 8: the first block narrows C8 -> C4, the others keep C4
        layers8 = []
        for i in range(num_blocks[0]):
            cin = c8 if i == 0 else c4
            layers8.append(
                self._block(cin, c4, ratios[0] * cin, kernels[0], groups[0],
                            block_args))
        self.blocks8 = nn.Sequential(*layers8)
        self.blocks4 = nn.Sequential(*[
            self._block(c4, c4, ratios[1] * c4, kernels[1], groups[1],
                        block_args) for _ in range(num_blocks[1])
        ])
        self.final_layer = nn.Conv2d(c4, out_channels, 1)

        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) \
            if decoder is not None else None

    def _block(self, cin, cout, hidden, kernel, groups, block_args):
        if hidden % groups or hidden % 4:
            raise ValueError(
                f'MicroKeypointHead: hidden width {hidden} (expand_ratio * '
                f'{cin}) must be divisible by 4 and by groups={groups}')
        try:
            return MicroBlockC(
                cin,
                hidden,
                cout,
                kernel,
                groups_in=groups,
                groups_hidden=groups,
                groups_out=groups,
                groups_shift_out=groups,
                **block_args)
        except ValueError as err:
            raise ValueError(f'MicroKeypointHead: {err} (activations='
                             f'{self.activations}, spatial_attention='
                             f'{self.spatial_attention})') from None

    @property
    def default_init_cfg(self):
        return [
            dict(
                type='Kaiming',
                layer='Conv2d',
                mode='fan_out',
                nonlinearity='relu',
                distribution='normal'),
            dict(type='Normal', layer='Linear', std=0.01),
            dict(type='Constant', layer=['_BatchNorm'], val=1),
            # start from near-zero heatmaps, as mmpose's heatmap heads do
            dict(
                type='Normal',
                std=0.001,
                bias=0.0,
                override=dict(name='final_layer'))
        ]

    def _upsample(self, x: Tensor, like: Tensor) -> Tensor:
        # the exact size of the skip feature, so odd input sizes work
        return F.interpolate(
            x,
            size=like.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Heatmaps from the backbone features.

        Args:
            feats (Sequence[Tensor]): Backbone outputs; the last three are
                the stride-4, stride-8 and stride-16 features.

        Returns:
            Tensor: Heatmaps of shape (N, K, H4, W4), the size of the
            stride-4 feature.
        """
        if len(feats) < 3:
            raise ValueError(
                'MicroKeypointHead needs three backbone features (strides '
                f'4, 8, 16), got {len(feats)}; set the backbone out_indices '
                'to the stride-4, stride-8 and last layer')
        x4, x8, x16 = feats[-3:]
        x = self.reduce(x16)
        x = self._upsample(x, x8) + self.lateral8(x8)
        x = self.blocks8(x)
        x = self._upsample(x, x4) + self.lateral4(x4)
        x = self.blocks4(x)
        return self.final_layer(x)

    def predict(self,
                feats,
                batch_data_samples,
                test_cfg: dict = {}):
        """Decode keypoints, optionally with flip test.

        Args:
            feats (Sequence[Tensor] | list): Backbone features, or with
                ``test_cfg['flip_test']`` the pair ``[feats, feats_flipped]``
                (features of the horizontally flipped input).
            batch_data_samples (list[PoseDataSample]): Samples of the batch;
                ``metainfo['flip_indices']`` of the first one is used for
                flip test.
            test_cfg (dict): ``flip_test``, ``flip_mode`` (default
                ``'heatmap'``), ``shift_heatmap`` (default False) and
                ``output_heatmaps``.

        Returns:
            list[InstanceData] | tuple: Per sample ``keypoints`` (N, K, 2)
            in input-image pixels and ``keypoint_scores`` (N, K); with
            ``output_heatmaps`` also a list of ``PixelData(heatmaps=(K, h,
            w))``.
        """
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, (list, tuple)) and len(feats) == 2
                    and not torch.is_tensor(feats[0])):
                raise ValueError(
                    'flip_test expects feats = [feats, feats_flipped], as '
                    'TopdownPoseEstimator passes them')
            if not batch_data_samples or \
                    'flip_indices' not in batch_data_samples[0].metainfo:
                raise KeyError(
                    'flip_test needs metainfo["flip_indices"] in the data '
                    'samples (from the dataset meta, e.g. mmpose coco.py)')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            heatmaps = self.forward(feats[0])
            heatmaps_flip = flip_heatmaps(
                self.forward(feats[1]),
                flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                flip_indices=flip_indices,
                shift_heatmap=test_cfg.get('shift_heatmap', False))
            heatmaps = (heatmaps + heatmaps_flip) * 0.5
        else:
            heatmaps = self.forward(feats)

        preds = self.decode(heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=h) for h in heatmaps.detach()]
        return preds

    def loss(self, feats, batch_data_samples, train_cfg: dict = {}) -> dict:
        """Heatmap loss (and PCK accuracy) against the samples' targets.

        Args:
            feats (Sequence[Tensor]): Backbone features.
            batch_data_samples (list[PoseDataSample]): Samples with
                ``gt_fields.heatmaps`` (K, h, w) and
                ``gt_instance_labels.keypoint_weights`` (1, K), as
                ``GenerateTarget`` produces.
            train_cfg (dict): ``compute_acc`` (default True).

        Returns:
            dict: ``loss_kpt`` and, unless disabled, ``acc_pose``.
        """
        pred = self.forward(feats)
        gt = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        if gt.shape[-2:] != pred.shape[-2:]:
            raise ValueError(
                f'target heatmaps are {tuple(gt.shape[-2:])} (h, w) but the '
                f'head predicts {tuple(pred.shape[-2:])}; the codec '
                'heatmap_size must be the input size / 4')
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        losses = dict(loss_kpt=self.loss_module(pred, gt, weights))
        if train_cfg.get('compute_acc', True):
            # numpy has no bfloat16 (autocast training)
            _, acc, _ = pose_pck_accuracy(
                output=to_numpy(pred.float()),
                target=to_numpy(gt.float()),
                mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(acc, device=gt.device)
        return losses
