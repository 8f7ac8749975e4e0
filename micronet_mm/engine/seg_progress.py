"""A tqdm progress bar for iteration-based training runs.

MMEngine's logger prints a line every ``interval`` iterations; for short
interactive runs (the quickstart) a bar with the running loss, speed and
time left is easier to follow. The hook is opt-in (add it to
``custom_hooks``) and draws on rank 0 only.
"""
import sys
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook


class TrainProgressBarHook(Hook):
    """Show training progress as a tqdm bar on stderr.

    Args:
        smoothing (float): Weight of the newest loss in the displayed
            exponential moving average. Defaults to 0.1.
        min_interval (float): Minimum seconds between redraws. Defaults to
            0.5.
        disable (bool, optional): Force the bar off (True) or on (False);
            None shows it on rank 0. Defaults to None.
    """

    priority = 'VERY_LOW'

    def __init__(self,
                 smoothing: float = 0.1,
                 min_interval: float = 0.5,
                 disable: Optional[bool] = None):
        if not 0 < smoothing <= 1:
            raise ValueError('TrainProgressBarHook: smoothing must be in '
                             f'(0, 1], got {smoothing!r}')
        self.smoothing = smoothing
        self.min_interval = min_interval
        self.disable = disable
        self._bar = None
        self._loss = None

    def before_train(self, runner) -> None:
        """Open the bar at the current (possibly resumed) iteration."""
        disable = (not is_main_process()) if self.disable is None else \
            self.disable
        if disable:
            return
        from tqdm import tqdm
        self._bar = tqdm(
            total=runner.max_iters,
            initial=runner.iter,
            desc='train',
            unit='it',
            file=sys.stderr,
            mininterval=self.min_interval,
            dynamic_ncols=True)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Advance by one iteration and show the smoothed loss."""
        if self._bar is None:
            return
        loss = (outputs or {}).get('loss')
        if loss is not None:
            loss = float(loss.detach()) if hasattr(loss, 'detach') \
                else float(loss)
            self._loss = loss if self._loss is None else (
                self.smoothing * loss + (1 - self.smoothing) * self._loss)
            self._bar.set_postfix(loss=f'{self._loss:.3f}', refresh=False)
        self._bar.update(1)

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        """Print the validation metrics above the bar."""
        if self._bar is not None and metrics:
            text = ', '.join(f'{k}={v:.2f}' if isinstance(v, float) else
                             f'{k}={v}' for k, v in metrics.items())
            self._bar.write(f'[iter {runner.iter}] val: {text}',
                            file=sys.stderr)

    def after_train(self, runner) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
