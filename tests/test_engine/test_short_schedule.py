import pytest
from mmengine.config import Config

from micronet_mm.engine.short_schedule import short_schedule
from tests.helpers.tools import REPO

SYNTH = f'{REPO}/configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py'


def test_warmup_is_capped_at_a_tenth_and_the_rest_is_cosine():
    cfg = Config.fromfile(SYNTH, import_custom_modules=False)
    warmup = cfg.param_scheduler[0]['end']
    long = short_schedule(cfg, 100 * warmup)
    assert long['param_scheduler.0.end'] == warmup
    assert long['param_scheduler.1.T_max'] == 99 * warmup
    short = short_schedule(cfg, 4)
    assert short == {'train_cfg.max_iters': 4, 'param_scheduler.0.end': 1,
                     'param_scheduler.1.begin': 1,
                     'param_scheduler.1.end': 4,
                     'param_scheduler.1.T_max': 3}
    cfg.merge_from_dict(short)
    assert cfg.param_scheduler[1]['end'] == cfg.train_cfg.max_iters == 4


def test_other_schedules_are_refused_by_name():
    cfg = Config(dict(param_scheduler=[dict(type='PolyLR', end=10)]))
    with pytest.raises(ValueError, match=r'\[warm-up, main scheduler\]'):
        short_schedule(cfg, 10)
    with pytest.raises(ValueError, match='iters must be >= 1'):
        short_schedule(cfg, 0)
