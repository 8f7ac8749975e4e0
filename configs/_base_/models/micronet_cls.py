# MicroNet ImageNet classifier; the arch configs override backbone.arch and
# the head widths. The head reproduces the released classifier exactly.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='MicroNet', arch='m0'),
    neck=None,
    head=dict(
        type='MicroNetClsHead',
        num_classes=1000,
        in_channels=576,
        mid_channels=960,
        dropout_ratio=0.05,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ),
)
