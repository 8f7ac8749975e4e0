"""What ``prepare_train_config`` makes of the project configs: mixed
precision, distributed settings with and without CUDA, exact-resume data
loader settings, data checks, and the cached config text."""
import os.path as osp

import pytest
from mmengine.config import Config

from micronet_mm.engine import config_setup
from micronet_mm.engine.config_setup import (
    CachedTextConfig,
    make_resume_exact,
    prepare_test_config,
    prepare_train_config,
)
from tests.helpers.tools import REPO

SEG = osp.join(REPO, 'configs/seg/micronet_m0_mraspp_cityscapes.py')
POSE = osp.join(REPO, 'configs/pose/micronet_m0_heatmap_coco-256x192.py')
CLS = osp.join(REPO, 'configs/cls/micronet_m0_in1k.py')


def _norm_types(node, found=None):
    found = set() if found is None else found
    if isinstance(node, dict):
        if 'norm_cfg' in node and isinstance(node['norm_cfg'], dict):
            found.add(node['norm_cfg'].get('type'))
        for value in node.values():
            _norm_types(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _norm_types(value, found)
    return found


@pytest.fixture
def cuda(monkeypatch):
    """Pretend a GPU is present (the configs are only prepared)."""
    monkeypatch.setattr(config_setup, '_has_cuda', lambda: True)


@pytest.mark.parametrize('config', [CLS, SEG, POSE])
def test_amp_is_fp16_with_dynamic_scaling_on_gpu(cuda, tmp_path, config):
    cfg = prepare_train_config(config, work_dir=str(tmp_path), amp=True,
                               launcher='pytorch')
    wrapper = cfg.optim_wrapper
    assert wrapper.type == 'AmpOptimWrapper'
    assert wrapper.dtype == 'float16' and wrapper.loss_scale == 'dynamic'
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    # MMEngine's own GPU set-up: DDP on LOCAL_RANK, no wrapper override
    assert cfg.get('model_wrapper_cfg') is None


@pytest.mark.parametrize('config', [CLS, SEG, POSE])
def test_amp_is_bf16_autocast_on_cpu(tmp_path, config):
    cfg = prepare_train_config(config, work_dir=str(tmp_path), amp=True)
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert 'loss_scale' not in cfg.optim_wrapper


def test_gpu_distributed_keeps_syncbn(cuda, tmp_path):
    cfg = prepare_train_config(SEG, work_dir=str(tmp_path),
                               launcher='pytorch')
    assert _norm_types(cfg.model) == {'SyncBN'}


def test_cpu_distributed_uses_gloo_bn_and_cpu_ddp(tmp_path):
    cfg = prepare_train_config(SEG, work_dir=str(tmp_path),
                               launcher='pytorch')
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert _norm_types(cfg.model) == {'BN'}
    # torch's DDP takes no device ids for CPU modules
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    # BN statistics of the ranks are averaged before validation
    types = [h['type'] for h in cfg.custom_hooks]
    assert types.count('SyncBuffersHook') == 1


def test_pose_config_keeps_its_single_sync_buffers_hook(tmp_path):
    cfg = prepare_train_config(POSE, work_dir=str(tmp_path),
                               launcher='slurm')
    types = [h['type'] for h in cfg.custom_hooks]
    assert types.count('SyncBuffersHook') == 1
    assert {'NonFiniteLossHook', 'RNGStateHook',
            'CheckpointTaskHook'} <= set(types)


def test_single_process_adds_no_ddp_settings(tmp_path):
    cfg = prepare_train_config(SEG, work_dir=str(tmp_path))
    assert cfg.get('model_wrapper_cfg') is None
    assert 'SyncBuffersHook' not in [h['type'] for h in cfg.custom_hooks]


def test_deterministic_epoch_runs_restart_their_workers():
    base = dict(train_dataloader=dict(num_workers=2, persistent_workers=True),
                randomness=dict(seed=0, deterministic=True))
    epoch = Config(dict(base, train_cfg=dict(by_epoch=True, max_epochs=2)))
    make_resume_exact(epoch)
    assert epoch.train_dataloader.persistent_workers is False
    # iteration loops replay their loader; non-deterministic runs keep
    # their setting
    it = Config(dict(base, train_cfg=dict(type='IterBasedTrainLoop',
                                          max_iters=2)))
    make_resume_exact(it)
    assert it.train_dataloader.persistent_workers is True
    loose = Config(dict(base, train_cfg=dict(by_epoch=True, max_epochs=2),
                        randomness=dict(seed=0)))
    make_resume_exact(loose)
    assert loose.train_dataloader.persistent_workers is True


def test_loaders_are_wrapped_in_checked_load(tmp_path):
    cfg = prepare_train_config(SEG, work_dir=str(tmp_path),
                               cfg_options=['skip_bad_images=True'])
    train = cfg.train_dataloader.dataset.pipeline
    val = cfg.val_dataloader.dataset.pipeline
    assert train[0].type == 'CheckedLoad' and train[0].skip_bad is True
    assert train[0].loader.type == 'LoadImageFromFile'
    # mmseg's label loader is checked too; evaluation never skips
    assert any(t.type == 'CheckedLoad' and t.loader.type == 'LoadAnnotations'
               for t in val)
    assert all(not t.get('skip_bad', False) for t in val)
    assert 'BadImageReportHook' in [h['type'] for h in cfg.custom_hooks]

    pose = prepare_test_config(POSE, __file__)
    pipeline = pose.test_dataloader.dataset.pipeline
    assert pipeline[0].type == 'CheckedLoad'
    assert pipeline[0].loader.type == 'LoadImage'
    assert 'CheckpointTaskHook' in [h['type'] for h in pose.custom_hooks]


def test_cached_config_text_matches_mmengine(tmp_path):
    cfg = prepare_train_config(CLS, work_dir=str(tmp_path))
    assert isinstance(cfg, CachedTextConfig)
    plain = Config(cfg.to_dict())
    assert cfg.pretty_text == plain.pretty_text
    # a changed config is formatted again, not served from the cache
    cfg.train_cfg.max_epochs = 7
    assert 'max_epochs=7' in cfg.pretty_text
    # the runner deep-copies the config: the copy keeps the cache
    import copy
    assert isinstance(copy.deepcopy(cfg), CachedTextConfig)



@pytest.mark.parametrize('launcher,names', [
    ('pytorch', 'RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT'),
    ('slurm', 'SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST'),
])
def test_launcher_without_its_environment(monkeypatch, launcher, names):
    from micronet_mm.engine.dist import init_cpu_distributed
    for name in names.split(', '):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as err:
        init_cpu_distributed(launcher)
    assert f'--launcher {launcher}: environment variable(s) {names} not ' \
        'set' in str(err.value)
    assert 'tools/' in str(err.value)
    assert init_cpu_distributed('none') is False
