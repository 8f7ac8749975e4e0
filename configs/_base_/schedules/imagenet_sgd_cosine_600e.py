# The official MicroNet recipe: SGD (momentum 0.9, no Nesterov), lr 0.2 at
# batch 512, weight decay on every parameter, cosine annealing to 0 per
# iteration over 600 epochs. (The v1 paper text says lr 0.02; the released
# weights were trained with the scripts' 0.2, see docs/en/model_zoo.md.)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=3e-5))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=600,
        eta_min=0.0,
        by_epoch=True,
        convert_to_iter_based=True,
        begin=0,
        end=600),
]
train_cfg = dict(by_epoch=True, max_epochs=600, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# lr 0.2 is for a total batch of 512 and scales linearly with the total
# batch (docs/en/reproduction.md); auto_scale_lr.enable=False keeps 0.2
auto_scale_lr = dict(enable=True, base_batch_size=512)
