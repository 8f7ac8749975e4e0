"""TrainProgressBarHook: counts iterations from the resumed one, shows
the smoothed loss, prints validation metrics, and stays quiet when off."""
from types import SimpleNamespace

import pytest
import torch

from micronet_mm.engine.seg_progress import TrainProgressBarHook


def _runner(iteration=0, max_iters=10):
    return SimpleNamespace(iter=iteration, max_iters=max_iters)


def test_bar_counts_from_resumed_iteration(capsys):
    hook = TrainProgressBarHook(smoothing=0.5, disable=False)
    hook.before_train(_runner(iteration=4))
    assert hook._bar.n == 4 and hook._bar.total == 10
    hook.after_train_iter(_runner(), 0,
                          outputs=dict(loss=torch.tensor(2.0,
                                                         requires_grad=True)))
    hook.after_train_iter(_runner(), 1, outputs=dict(loss=torch.tensor(1.0)))
    assert hook._bar.n == 6
    assert hook._loss == pytest.approx(1.5)
    hook.after_val_epoch(_runner(iteration=6), dict(mIoU=42.5))
    hook.after_train(_runner())
    assert hook._bar is None
    err = capsys.readouterr().err
    assert '[iter 6] val: mIoU=42.50' in err and 'loss=1.500' in err


def test_disabled_bar_does_nothing(capsys):
    hook = TrainProgressBarHook(disable=True)
    hook.before_train(_runner())
    hook.after_train_iter(_runner(), 0, outputs=dict(loss=torch.tensor(1.)))
    hook.after_val_epoch(_runner(), dict(mIoU=1.0))
    hook.after_train(_runner())
    assert capsys.readouterr().err == ''


def test_bad_smoothing():
    with pytest.raises(ValueError, match='smoothing'):
        TrainProgressBarHook(smoothing=0)
