"""The effective schedule (micronet_mm/engine/schedule.py) and its dry-run
(tools/analysis/print_schedule.py): recipes keep their epochs on any
number of GPUs and the learning rate follows the linear scaling rule."""
import importlib.util
import json
import math
import os.path as osp

import pytest
from mmengine.config import Config

from micronet_mm.engine.schedule import compute_schedule, iters_per_epoch
from micronet_mm.utils.config import load_config
from tests.helpers.tools import REPO

TOOL = osp.join(REPO, 'tools', 'analysis', 'print_schedule.py')

# config -> (epochs, lr, reference total batch, training set size, warm-up
# in epochs): the recipe as docs/en/reproduction.md states it
RECIPES = {
    'configs/seg/micronet_m3_mraspp_cityscapes.py': (240, 0.2, 16, 2975, 1),
    'configs/cls/micronet_m0_in1k.py': (600, 0.2, 512, 1281167, 0),
    'configs/cls/micronet_m2_in1k.py': (600, 0.2, 512, 1281167, 5),
    'configs/pose/micronet_m2_heatmap_coco-256x192.py':
    (250, 1e-3, 128, 149813, 1),
}


def _dry_run(capsys, *argv):
    spec = importlib.util.spec_from_file_location('print_schedule', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(list(argv))
    return capsys.readouterr().out


@pytest.mark.parametrize('config', sorted(RECIPES))
@pytest.mark.parametrize('gpus', [1, 4, 8])
@pytest.mark.parametrize('batch', [None, 3])
def test_dry_run_keeps_epochs_and_scales_lr(capsys, config, gpus, batch):
    epochs, lr, base_batch, size, warmup = RECIPES[config]
    argv = [osp.join(REPO, config), '--gpus', str(gpus), '--json']
    if batch:
        argv += ['--batch-per-gpu', str(batch)]
    out = json.loads(_dry_run(capsys, *argv))
    per_gpu = batch or Config.fromfile(
        osp.join(REPO, config)).train_dataloader.batch_size
    total = gpus * per_gpu
    assert out['gpus'] == gpus and out['total_batch'] == total
    assert out['epochs'] == epochs
    assert out['base_lr'] == lr
    assert out['lr'] == pytest.approx(lr * total / base_batch, rel=1e-12)
    # one pass over the data per epoch: every sample once per rank group
    steps = math.ceil(math.ceil(size / gpus) / per_gpu)
    assert out['iters'] == epochs * steps
    assert out['warmup_iters'] == warmup * steps


def test_reference_cluster_reproduces_the_recipe(capsys):
    """Seg on its reference 4 GPUs x 4: lr 0.2, 240 x 186 steps; on one GPU
    the same 240 epochs take 4x the steps at a quarter of the lr."""
    config = osp.join(REPO, 'configs/seg/micronet_m0_mraspp_cityscapes.py')
    four = json.loads(_dry_run(capsys, config, '--gpus', '4', '--json'))
    one = json.loads(_dry_run(capsys, config, '--gpus', '1', '--json'))
    assert (four['iters'], four['lr']) == (240 * 186, 0.2)
    assert one['iters'] == 240 * 744 and one['lr'] == pytest.approx(0.05)
    text = _dry_run(capsys, config, '--gpus', '8')
    assert 'total batch 32' in text and '240 epochs' in text
    assert 'lr 0.4 (config 0.2 at total batch 16, scaled x2)' in text


def test_scaling_can_be_turned_off(capsys):
    config = osp.join(REPO, 'configs/cls/micronet_m1_in1k.py')
    out = json.loads(_dry_run(capsys, config, '--gpus', '8', '--json',
                              '--cfg-options', 'auto_scale_lr.enable=False'))
    assert out['lr'] == out['base_lr'] == 0.2
    assert out['total_batch'] == 8 * 128


def test_iteration_based_toy_config_keeps_its_iterations():
    cfg = load_config(
        osp.join(REPO, 'configs/seg/micronet_m0_mraspp_synthetic-cityscapes'
                 '.py'))
    one, two = (compute_schedule(cfg, gpus) for gpus in (1, 2))
    assert one.iters == two.iters == cfg.train_cfg.max_iters
    assert two.epochs == pytest.approx(2 * one.epochs)
    assert two.lr == pytest.approx(2 * one.lr)
    assert one.warmup_iters == two.warmup_iters == 50


@pytest.mark.parametrize('size,gpus,batch,drop_last,round_up,expected', [
    (10, 3, 2, False, True, 2),   # 4 per rank (padded) -> 2 batches
    (10, 3, 3, True, True, 1),    # 4 per rank, the incomplete batch dropped
    (10, 4, 2, False, False, 2),  # rank 0 of 4 gets indices 0, 4, 8
    (10, 1, 4, False, True, 3),
])
def test_iters_per_epoch_matches_the_sampler(monkeypatch, size, gpus, batch,
                                             drop_last, round_up, expected):
    """The formula against mmengine's DefaultSampler on rank 0."""
    from mmengine.dataset import sampler as samplers
    from torch.utils.data import DataLoader
    monkeypatch.setattr(samplers, 'get_dist_info', lambda: (0, gpus))
    sampler = samplers.DefaultSampler(list(range(size)), shuffle=False,
                                      round_up=round_up)
    loader = DataLoader(list(range(size)), batch_size=batch,
                        sampler=sampler, drop_last=drop_last)
    assert len(loader) == expected
    assert iters_per_epoch(size, gpus, batch, drop_last) == expected


def test_missing_dataset_size_is_a_clear_error(capsys, tmp_path):
    config = tmp_path / 'no_size.py'
    config.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/cls/micronet_m0_in1k.py')!r}]\n"
        "num_train_samples = None\n")
    with pytest.raises(SystemExit) as err:
        _dry_run(capsys, str(config), '--gpus', '2')
    assert 'num_train_samples' in str(err.value)
    with pytest.raises(SystemExit) as err:
        _dry_run(capsys, osp.join(REPO, 'configs/cls/micronet_m0_in1k.py'),
                 '--gpus', '0')
    assert 'gpus must be a positive integer, got 0' in str(err.value)
