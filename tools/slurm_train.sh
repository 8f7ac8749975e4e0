#!/usr/bin/env bash
# Training under Slurm: srun starts one process per task; tools/train.py
# reads the SLURM_* variables (--launcher slurm).
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [CPU_ONLY=0] [SRUN_ARGS=...] \
#       bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args...]
# GPUS is the number of processes in total, GPUS_PER_NODE per node. On CPU
# nodes set CPU_ONLY=1: no GPUs are requested and the processes talk over
# gloo. See docs/en/scaling_out.md.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
CPU_ONLY=${CPU_ONLY:-0}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}
GRES=()
if [ "$CPU_ONLY" != "1" ]; then
    GRES=(--gres=gpu:"$GPUS_PER_NODE")
fi

# shellcheck disable=SC2086
PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    ${GRES[@]+"${GRES[@]}"} \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$ROOT/tools/train.py" "$CONFIG" --launcher slurm "${@:4}"
