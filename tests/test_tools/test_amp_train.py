"""tools/train.py --amp on CPU: bfloat16 autocast trains classification,
segmentation and pose, and Dynamic Shift-Max's coefficients stay within
their designed range under autocast with the trained weights."""
import math

import pytest
import torch

from benchmarks.tiny_runs import TOOL_ENV, read_scalars, write_config
from micronet_mm.models.layers.dynamic_shift_max import DynamicShiftMax
from micronet_mm.utils.config import build_model_from_config
from tests.helpers.tools import run_tool
from tests.helpers.training import weights

pytestmark = pytest.mark.slow  # runs the tools

CASES = {
    # task: (config values, checkpoint, input (N, C, H, W))
    'cls': (dict(epochs=1), 'epoch_1.pth', (2, 3, 32, 32)),
    'seg': (dict(iters=3, val_interval=3, ckpt_interval=3), 'iter_3.pth',
            (2, 3, 32, 64)),
    'pose': (dict(epochs=1), 'epoch_1.pth', (2, 3, 64, 48)),
}


@pytest.mark.parametrize('task', sorted(CASES))
def test_bf16_amp_trains_and_shift_max_stays_bounded(task, tmp_path, request):
    values, ckpt, shape = CASES[task]
    root = request.getfixturevalue(f'{task}_data')
    config = write_config(tmp_path, task, root, **values)
    work = tmp_path / 'work'
    proc = run_tool('tools/train.py', config, '--work-dir', str(work),
                    '--amp', env=TOOL_ENV)
    assert "type='CPUAmpOptimWrapper'" in proc.stdout + proc.stderr
    losses = [r['loss'] for r in read_scalars(work) if 'loss' in r]
    assert losses and all(math.isfinite(v) for v in losses)
    state = weights(str(work / ckpt))
    assert all(torch.isfinite(v).all() for v in state.values()
               if v.is_floating_point())

    model, _ = build_model_from_config(config)
    model.load_state_dict(state)
    layers = [m for m in model.modules() if isinstance(m, DynamicShiftMax)]
    assert layers
    seen = []

    def check(module, args, output):
        coefs = module.coefficients(args[0])
        dynamic = (coefs.float() - module.coef_offset).abs()
        seen.append((dynamic.max().item() / module.coef_range,
                     bool(torch.isfinite(output).all())))

    handles = [m.register_forward_hook(check) for m in layers]
    torch.manual_seed(0)
    # inputs far outside the normalised range, as a diverging run would
    # feed the deeper layers
    x = torch.randn(shape) * 50
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        out = model(x, data_samples=None, mode='tensor')
    for h in handles:
        h.remove()
    assert len(seen) == len(layers)
    # bf16 rounds each coefficient by at most 2**-8 relative
    assert all(m <= 1 + 2**-7 for m, _ in seen)
    assert all(ok for _, ok in seen)
    outs = out if isinstance(out, (tuple, list)) else [out]
    assert all(torch.isfinite(o.float()).all() for o in outs)
