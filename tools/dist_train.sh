#!/usr/bin/env bash
# Multi-process training with torchrun on one or several machines.
#   bash tools/dist_train.sh CONFIG NPROC [train.py args...]
# NPROC processes per machine (one per GPU; on CPU machines each process
# gets OMP_NUM_THREADS threads). Multi-node: set NNODES, NODE_RANK,
# MASTER_ADDR (and PORT) on every node. The backend (nccl on GPU, gloo on
# CPU) is chosen by tools/train.py. See docs/en/scaling_out.md.
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
