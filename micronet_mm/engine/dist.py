"""Process-group start-up for CPU runs.

MMEngine 0.10.7 starts distributed runs with ``torch.cuda.set_device``
before ``init_process_group`` whatever the backend, so ``--launcher
pytorch/slurm/mpi`` fails on a machine without GPUs. For CPU runs the
tools start the gloo process group here first (MMEngine then finds it
initialised and skips its own start-up); GPU runs go through MMEngine
unchanged.
"""
import datetime
import os
import subprocess
from typing import Optional

import torch
import torch.distributed as torch_dist

_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')


def _slurm_env() -> None:
    """Set torch's rendezvous variables from Slurm's (as MMEngine does)."""
    nodes = os.environ['SLURM_NODELIST']
    os.environ.setdefault(
        'MASTER_ADDR',
        subprocess.getoutput(f'scontrol show hostname {nodes} | head -n1'))
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def _mpi_env() -> None:
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']


_LAUNCHER_VARS = {
    'pytorch': (_ENV, 'start it with torchrun: bash tools/dist_train.sh '
                'CONFIG NPROC'),
    'slurm': (('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
              'start it with srun: bash tools/slurm_train.sh PARTITION '
              'JOB CONFIG'),
    'mpi': (('OMPI_COMM_WORLD_SIZE', 'OMPI_COMM_WORLD_RANK',
             'OMPI_COMM_WORLD_LOCAL_RANK', 'MASTER_ADDR'),
            'start it with mpirun'),
}


def check_launcher_env(launcher: str) -> None:
    """Raise a clear error if the launcher's environment is missing.

    Args:
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.

    Raises:
        RuntimeError: Naming the missing variables and how to start the
            run.
    """
    if launcher == 'none':
        return
    names, how = _LAUNCHER_VARS[launcher]
    missing = [n for n in names if n not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher {launcher}: environment variable(s) '
            f'{", ".join(missing)} not set; {how}')


def init_cpu_distributed(launcher: str,
                         dist_cfg: Optional[dict] = None) -> bool:
    """Start the gloo process group of a CPU run.

    Does nothing for ``launcher='none'`` or when a group is already
    running; with CUDA it only checks the launcher's environment (MMEngine
    starts the group).

    Args:
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.
        dist_cfg (dict, optional): The config's ``env_cfg.dist_cfg``;
            ``timeout`` (seconds) is honoured. Defaults to None.

    Returns:
        bool: Whether a process group was started here.

    Raises:
        RuntimeError: If the launcher's environment variables are missing.
    """
    if launcher == 'none' or torch_dist.is_initialized():
        return False
    check_launcher_env(launcher)
    if torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        _slurm_env()
    elif launcher == 'mpi':
        _mpi_env()
    kwargs = {}
    timeout = (dist_cfg or {}).get('timeout')
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(
        backend='gloo',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)
    return True
