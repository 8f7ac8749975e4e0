"""Mutual learning (MicroNet paper, section 5.1).

Every MicroNet is trained together with a full-rank partner of the same
width and depth, in which each micro-factorized convolution is replaced by
the regular one it approximates (dense 1x1 convs, ``k x k`` depthwise
convs). Both networks learn from the labels and from each other through a
KL-divergence term between their softened predictions (deep mutual
learning). Only the MicroNet is used at test time.
"""
import copy
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def kl_to_partner(logits: torch.Tensor, partner_logits: torch.Tensor,
                  temperature: float) -> torch.Tensor:
    """``T^2 * KL(softmax(partner / T) || softmax(logits / T))``, batch mean.

    The partner's prediction is the (detached) target.
    """
    target = F.softmax(partner_logits.detach() / temperature, dim=1)
    log_prob = F.log_softmax(logits / temperature, dim=1)
    return F.kl_div(log_prob, target, reduction='batchmean') * temperature**2


class MutualLearningClassifier(ImageClassifier):
    """Image classifier trained jointly with a full-rank partner.

    Args:
        backbone (dict): The MicroNet backbone config.
        head (dict): Classification head config (shared by both networks,
            built twice).
        partner_backbone (dict, optional): The partner's backbone. Defaults
            to ``backbone`` with ``full_rank=True``.
        kl_weight (float): Weight of each network's KL term. Defaults to 1.
        temperature (float): Softmax temperature of the KL terms.
            Defaults to 1.
        **kwargs: Other :class:`ImageClassifier` arguments (neck, train_cfg,
            data_preprocessor, init_cfg).
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 partner_backbone: Optional[dict] = None,
                 kl_weight: float = 1.0,
                 temperature: float = 1.0,
                 **kwargs):
        if kwargs.get('neck') is not None:
            raise ValueError('MutualLearningClassifier does not support a '
                             'neck; put pooling in the head')
        super().__init__(backbone=backbone, head=head, **kwargs)
        if partner_backbone is None:
            partner_backbone = copy.deepcopy(backbone)
            partner_backbone['full_rank'] = True
        self.partner_backbone = MODELS.build(partner_backbone)
        self.partner_head = MODELS.build(copy.deepcopy(head))
        self.kl_weight = kl_weight
        self.temperature = temperature

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """Cross-entropy of both networks plus the two KL terms.

        Returns:
            dict: ``loss`` (MicroNet CE), ``loss_partner`` (partner CE),
            ``loss_kl`` and ``loss_partner_kl``.
        """
        logits = self.head(self.extract_feat(inputs))
        partner_logits = self.partner_head(self.partner_backbone(inputs))
        losses = dict(self.head._get_loss(logits, data_samples))
        partner = self.partner_head._get_loss(partner_logits, data_samples)
        losses['loss_partner'] = partner.pop('loss')
        losses['loss_kl'] = self.kl_weight * kl_to_partner(
            logits, partner_logits, self.temperature)
        losses['loss_partner_kl'] = self.kl_weight * kl_to_partner(
            partner_logits, logits, self.temperature)
        return losses
