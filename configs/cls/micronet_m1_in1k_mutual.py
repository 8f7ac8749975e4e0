# Paper section 5.1: train MicroNet-M1 jointly with its full-rank partner
# (dense 1x1 and k x k depthwise convs) and a KL-divergence term. The
# partner is dropped at test time; checkpoints load into
# micronet_m1_in1k.py with the partner weights ignored.
_base_ = ['./micronet_m1_in1k.py']
model = dict(type='MutualLearningClassifier', kl_weight=1.0, temperature=1.0)
