"""The models MicroNet is weighed against, each built from its own library.

* cls: torchvision MobileNetV3-Small (first peer) and -Large.
* seg: MobileNetV3-Small LR-ASPP as in the paper's Cityscapes comparison
  (MicroNet paper Table 8; LR-ASPP of "Searching for MobileNetV3"): output
  stride 16 (last stage dilated), reduced tail, 128 head channels, one
  stride-8 skip; built from torchvision's ``mobilenet_v3_small(dilated=True,
  reduced_tail=True)`` features and its ``LRASPPHead`` (first peer). mmseg's
  ``lraspp_m-v3s-d8`` (output stride 8, two skips, 33.9B MAdds) is the
  second, much heavier row. The same pieces are registered in mmseg
  (``TorchvisionMobileNetV3Small``, ``TorchvisionLRASPPHead``; model dict
  ``LRASPP_OS16``) so the toy-set benchmark trains the baseline through
  mmseg's runner like every other model.
* pose: RTMPose-t from mmpose's own config (first peer) and the MobileNetV2
  SimpleBaseline (``td-hm_mobilenetv2``).

Every builder returns ``(model, source)`` with the model in eval mode and
random weights; segmentation and pose models return what MicroNet's
exports return (stride-8 logits; heatmaps or SimCC vectors) so the timed
work is the same.
"""
import copy
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS as SEG_MODELS
from torch import nn


@SEG_MODELS.register_module()
class TorchvisionMobileNetV3Small(BaseModule):
    """torchvision's MobileNetV3-Small features as an mmseg backbone, as in
    the paper's LR-ASPP baseline: last stage dilated (output stride 16),
    reduced tail, random weights.

    Args:
        init_cfg (dict, optional): mmengine init config. Defaults to None,
            which keeps torchvision's own initialisation.

    Shape:
        Input: (N, 3, H, W). Output: the tuple ``(low, high)`` of the
        stride-8 map (N, 24, ceil(H/8), ceil(W/8)) that torchvision's
        LR-ASPP builder takes as its skip, and the last map
        (N, 288, ceil(H/16), ceil(W/16)).
    """

    def __init__(self, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        from torchvision.models import mobilenet_v3_small
        features = mobilenet_v3_small(
            weights=None, dilated=True, reduced_tail=True).features
        stages = [0] + [
            i for i, block in enumerate(features)
            if getattr(block, '_is_cn', False)
        ] + [len(features) - 1]
        # the stride-8 skip torchvision's own LR-ASPP builder takes
        self.low_index = stages[-4]
        self.features = features
        self.out_channels = (features[self.low_index].out_channels,
                             features[-1].out_channels)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        low = None
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == self.low_index:
                low = x
        return low, x


@SEG_MODELS.register_module()
class TorchvisionLRASPPHead(BaseDecodeHead):
    """torchvision's ``LRASPPHead`` as an mmseg decode head, so that the
    paper's LR-ASPP baseline trains through mmseg's ``EncoderDecoder``.

    The head keeps torchvision's layers (its BatchNorm2d and ReLU) and its
    two classifiers, which replace ``BaseDecodeHead``'s single
    ``conv_seg``: the logits are ``low_classifier(low) +
    high_classifier(upsampled gated high)``.

    Args:
        init_cfg (dict, optional): mmengine init config. Defaults to None,
            which keeps torchvision's initialisation (BaseDecodeHead's
            default initialises the ``conv_seg`` this head does not have).
        **kwargs: :class:`BaseDecodeHead` arguments. ``in_channels`` and
            ``in_index`` list the stride-8 feature, then the stride-16
            one; ``channels`` is LR-ASPP's inter channels (128 in the
            paper). ``norm_cfg`` and ``act_cfg`` are refused: the layers
            are torchvision's.

    Shape:
        Inputs: the backbone tuple, see ``in_index``. Output: logits
        (N, num_classes, h8, w8) at the stride-8 feature's size.
    """

    def __init__(self, init_cfg: Optional[dict] = None, **kwargs):
        for key in ('norm_cfg', 'act_cfg'):
            if key in kwargs:
                raise ValueError(
                    f'TorchvisionLRASPPHead uses torchvision\'s BatchNorm2d '
                    f'and ReLU; remove {key}={kwargs[key]!r}')
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(init_cfg=init_cfg, **kwargs)
        if (self.input_transform != 'multiple_select'
                or len(self.in_channels) != 2 or len(self.in_index) != 2):
            raise ValueError(
                'TorchvisionLRASPPHead takes two features (stride 8, then '
                "stride 16) with input_transform='multiple_select'; got "
                f'in_channels={self.in_channels}, in_index={self.in_index}, '
                f'input_transform={self.input_transform!r}')
        from torchvision.models.segmentation.lraspp import LRASPPHead
        del self.conv_seg  # the LR-ASPP classifiers below replace it
        self.lraspp = LRASPPHead(*self.in_channels, self.out_channels,
                                 self.channels)

    def forward(self, inputs) -> torch.Tensor:
        """Stride-8 logits (N, num_classes, h8, w8) of the backbone tuple
        ``inputs``."""
        low, high = self._transform_inputs(inputs)
        # gated 1x1 branch on the stride-16 map, upsampled to stride 8
        x = self.lraspp.cbr(high) * self.lraspp.scale(high)
        x = resize(x, size=low.shape[2:], mode='bilinear',
                   align_corners=self.align_corners)
        return self.cls_seg(low, x)

    def cls_seg(self, low: torch.Tensor,
                high: torch.Tensor) -> torch.Tensor:
        """Sum of the skip's and the gated branch's classifiers."""
        if self.dropout is not None:
            low, high = self.dropout(low), self.dropout(high)
        return self.lraspp.low_classifier(low) + \
            self.lraspp.high_classifier(high)


class MobileNetV3SmallLRASPP(nn.Module):
    """MobileNetV3-Small LR-ASPP at output stride 16, stride-8 logits.

    torchvision's ``LRASPP`` wrapper also upsamples its logits to the
    input size; MicroNet's MR-ASPP export ends at stride 8, so this module
    stops there too and both are timed on the same work.

    Args:
        num_classes (int): Output classes. Defaults to 19 (Cityscapes).
        channels (int): LR-ASPP head channels. Defaults to 128.
    """

    def __init__(self, num_classes: int = 19, channels: int = 128):
        super().__init__()
        from torchvision.models.segmentation.lraspp import LRASPPHead
        self.backbone = TorchvisionMobileNetV3Small()
        self.head = LRASPPHead(*self.backbone.out_channels, num_classes,
                               channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low, high = self.backbone(x)
        return self.head(dict(low=low, high=high))


# model dicts equivalent to the packaged configs, for installations that do
# not ship them (mmseg lraspp_m-v3s-d8, mmpose td-hm_mobilenetv2 256x192)
LRASPP_D8 = dict(
    type='EncoderDecoder',
    backbone=dict(type='MobileNetV3', arch='small', out_indices=(0, 1, 12),
                  norm_cfg=dict(type='BN', eps=0.001, requires_grad=True)),
    decode_head=dict(
        type='LRASPPHead', in_channels=(16, 16, 576), in_index=(0, 1, 2),
        channels=128, input_transform='multiple_select', dropout_ratio=0.1,
        num_classes=19, norm_cfg=dict(type='BN', eps=0.001,
                                      requires_grad=True),
        act_cfg=dict(type='ReLU'), align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=1.0)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
# the paper's LR-ASPP baseline as an mmseg model (no dropout, as torchvision)
LRASPP_OS16 = dict(
    type='EncoderDecoder',
    backbone=dict(type='TorchvisionMobileNetV3Small'),
    decode_head=dict(
        type='TorchvisionLRASPPHead', in_channels=(24, 288), in_index=(0, 1),
        channels=128, dropout_ratio=0.0, num_classes=19,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=1.0)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
MOBILENETV2_POSE = dict(
    type='TopdownPoseEstimator',
    backbone=dict(type='MobileNetV2', widen_factor=1., out_indices=(7, )),
    head=dict(
        type='HeatmapHead', in_channels=1280, out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=dict(type='MSRAHeatmap', input_size=(192, 256),
                     heatmap_size=(48, 64), sigma=2)),
    test_cfg=dict(flip_test=False))
LRASPP_D8_CONFIG = ('mobilenet_v3/mobilenet-v3-d8-s_lraspp_4xb4-320k_'
                    'cityscapes-512x1024.py')
MOBILENETV2_POSE_CONFIG = ('body_2d_keypoint/topdown_heatmap/coco/'
                           'td-hm_mobilenetv2_8xb64-210e_coco-256x192.py')
RTMPOSE_T_CONFIG = 'body_2d_keypoint/rtmpose/coco/' \
    'rtmpose-t_8xb256-420e_coco-256x192.py'


def openmmlab_model(scope: str, relative: str,
                    fallback: Optional[dict] = None
                    ) -> Tuple[nn.Module, str]:
    """Model of a config shipped by mmseg / mmpose, without pretrained
    weights or data preprocessor (the exports take normalised images)."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm

    from micronet_mm.utils.config import build_in_scope, installed_config
    try:
        model_cfg = Config.fromfile(installed_config(scope,
                                                     relative)).model.to_dict()
        source = f'{scope}/.mim/configs/{relative}'
    except FileNotFoundError:
        if fallback is None:
            raise
        model_cfg = copy.deepcopy(fallback)
        source = 'model dict in benchmarks/peers.py (config not shipped)'
    model_cfg.pop('pretrained', None)
    model_cfg.pop('data_preprocessor', None)
    model_cfg['backbone'].pop('init_cfg', None)
    if scope == 'mmpose':
        model_cfg.setdefault('test_cfg', {})['flip_test'] = False
    # SyncBN is for distributed training only
    return revert_sync_batchnorm(build_in_scope(model_cfg, scope)).eval(), \
        source


def add_ratios(rows: Dict[str, dict], names: Sequence[str],
               fields: Dict[str, str]) -> Optional[str]:
    """Ratios of every row to the run's first peer, in place.

    Args:
        rows (dict): Model name -> result row.
        names (Sequence[str]): The task's peers, first peer first; the
            first of them present in ``rows`` is the reference.
        fields (dict): Ratio name -> row field; each row gets
            ``f'{name}_vs_first_peer'``, None where either value is
            missing or zero.

    Returns:
        str | None: The reference peer, None when the run has no peer.
    """
    first = next((name for name in names if name in rows), None)
    peer = rows.get(first, {})
    for row in rows.values():
        for name, field in fields.items():
            ok = row.get(field) and peer.get(field)
            row[f'{name}_vs_first_peer'] = (round(row[field] / peer[field], 3)
                                            if ok else None)
    return first


def peers(task: str) -> Dict[str, Tuple[nn.Module, str, bool]]:
    """Peers of a task, first peer first: name -> (model, source,
    tensor_mode), where tensor_mode says the model is an OpenMMLab model
    called with ``mode='tensor'``."""
    import torchvision
    if task == 'cls':
        return {
            'MobileNetV3-Small': (torchvision.models.mobilenet_v3_small(
                weights=None).eval(), 'torchvision mobilenet_v3_small',
                                  False),
            'MobileNetV3-Large': (torchvision.models.mobilenet_v3_large(
                weights=None).eval(), 'torchvision mobilenet_v3_large',
                                  False),
        }
    if task == 'seg':
        d8, source = openmmlab_model('mmseg', LRASPP_D8_CONFIG, LRASPP_D8)
        return {
            'LR-ASPP MobileNetV3-Small OS16 (paper baseline)':
            (MobileNetV3SmallLRASPP().eval(),
             'torchvision mobilenet_v3_small(dilated, reduced_tail) + '
             'LRASPPHead(128), stride-8 logits', False),
            'LR-ASPP MobileNetV3-Small d8 (mmseg lraspp_m-v3s-d8)':
            (d8, source, True),
        }
    if task == 'pose':
        rtm, rtm_source = openmmlab_model('mmpose', RTMPOSE_T_CONFIG)
        mbv2, mbv2_source = openmmlab_model('mmpose',
                                            MOBILENETV2_POSE_CONFIG,
                                            MOBILENETV2_POSE)
        return {
            'RTMPose-t': (rtm, rtm_source, True),
            'SimpleBaseline MobileNetV2': (mbv2, mbv2_source, True),
        }
    raise ValueError(f'unknown task {task!r}; choose cls, seg or pose')
