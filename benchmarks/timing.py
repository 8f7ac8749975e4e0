"""The timing loop of the benchmarks."""
import time
from typing import Callable, Dict, Hashable

import numpy as np


def interleaved(fns: Dict[Hashable, Callable[[], object]],
                rounds: int,
                runs: int = 1,
                warmup: int = 1) -> Dict[Hashable, dict]:
    """Time callables that take turns, so that load changes on a shared
    machine hit all of them alike.

    Args:
        fns (dict): Name -> callable without arguments.
        rounds (int): Turns of every callable.
        runs (int): Timed calls per turn. Defaults to 1.
        warmup (int): Untimed calls of each callable first (allocator,
            oneDNN kernel selection). Defaults to 1.

    Returns:
        dict: Name -> ``dict(median=ms, min=ms)`` over all timed calls.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(runs):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {
        name: dict(median=float(np.median(v)) * 1e3,
                   min=float(np.min(v)) * 1e3)
        for name, v in times.items()
    }
