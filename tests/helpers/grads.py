"""Gradient checks that fail for a detached or dead branch."""
import torch


def assert_learns(*params: torch.nn.Parameter) -> None:
    """Each parameter got a finite gradient that is not all zero.

    ``grad is not None`` alone passes for a branch whose output is
    multiplied by zero or detached further down.
    """
    for i, param in enumerate(params):
        assert param.grad is not None, f'parameter {i}: no gradient'
        assert torch.isfinite(param.grad).all(), \
            f'parameter {i}: non-finite gradient'
        assert param.grad.abs().sum() > 0, f'parameter {i}: zero gradient'
