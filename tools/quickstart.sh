#!/usr/bin/env bash
# Quickstart (`make quickstart`): MicroNet-M0 MR-ASPP on a generated
# Cityscapes-format set, on the CPU, in a few minutes.
#   1. generate data/synthetic_cityscapes unless a complete set is there
#      (one written by an older generator is regenerated, same settings);
#   2. train configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py with
#      tools/train.py (progress bar) in a fresh timestamped work dir;
#   3. evaluate the checkpoint (mIoU) with tools/test.py;
#   4. draw a prediction overlay with demo/seg_demo.py.
# Every run gets its own work_dirs/quickstart/<timestamp>/; earlier runs are
# never touched (work_dirs/quickstart/latest points to the newest).
# Environment: QUICKSTART_ITERS overrides the number of training iterations,
# QUICKSTART_DATA the data root (default data/synthetic_cityscapes),
# QUICKSTART_WORK_ROOT the parent of the run folders (default
# work_dirs/quickstart), PYTHON the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
CONFIG=configs/seg/micronet_m0_mraspp_synthetic-cityscapes.py
DATA=${QUICKSTART_DATA:-data/synthetic_cityscapes}
# OpenMP threads that spin while waiting for a busy core slow training on
# a shared machine by up to 10x; waiting passively costs nothing otherwise
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export PYTHONPATH="$ROOT:${PYTHONPATH:-}"

step() { printf '\n==> %s\n' "$*"; }

step "1/4 data: $DATA"
STATE=$("$PYTHON" -c "import sys; from micronet_mm.datasets.synthetic.cityscapes import dataset_state; print(dataset_state(sys.argv[1]))" "$DATA")
if [ "$STATE" = current ]; then
    echo "complete synthetic set found, reusing it"
elif [ "$STATE" = outdated ]; then
    echo "the set was written by an older version of the generator;" \
        "regenerating it with the same settings"
    "$PYTHON" -c "import sys; from micronet_mm.datasets.synthetic.cityscapes import regenerate; regenerate(sys.argv[1])" "$DATA"
else
    "$PYTHON" tools/dataset_converters/generate_synthetic_cityscapes.py "$DATA"
fi

RUNS=${QUICKSTART_WORK_ROOT:-work_dirs/quickstart}
STAMP=$(date +%Y%m%d_%H%M%S)
WORK=$RUNS/$STAMP
n=1
while [ -e "$WORK" ]; do WORK=$RUNS/${STAMP}_$n; n=$((n + 1)); done
mkdir -p "$WORK"
ln -sfn "$(basename "$WORK")" "$RUNS/latest"

# data_root moves the train, val and test loaders (micronet_mm.apis)
OPTIONS=("data_root=$DATA")
if [ -n "${QUICKSTART_ITERS:-}" ]; then
    ITERS=$QUICKSTART_ITERS
    # max_iters and the warm-up/cosine schedule shortened to ITERS
    SCHEDULE_TEXT=$("$PYTHON" -m micronet_mm.engine.short_schedule "$CONFIG" "$ITERS")
    mapfile -t SCHEDULE <<< "$SCHEDULE_TEXT"
    OPTIONS+=("${SCHEDULE[@]}"
              "train_cfg.val_interval=$ITERS"
              "default_hooks.checkpoint.interval=$ITERS")
fi

step "2/4 train MicroNet-M0 MR-ASPP (log: $WORK/train.log)"
start=$(date +%s)
# the progress bar goes to the terminal, the logger lines to train.log
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK" \
    --cfg-options "${OPTIONS[@]}" > "$WORK/train.log"
train_s=$(( $(date +%s) - start ))
CKPT=$(cat "$WORK/last_checkpoint")
echo "trained in ${train_s}s: $CKPT"

step "3/4 evaluate (log: $WORK/test.log)"
"$PYTHON" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" \
    --cfg-options "${OPTIONS[@]}" > "$WORK/test.log" 2>&1
MIOU=$(grep -o 'mIoU: [0-9.]*' "$WORK/test.log" | tail -1 | cut -d' ' -f2)
grep -A 24 'per class results' "$WORK/test.log" | tail -23 | cut -c 1-200 \
    > "$WORK/per_class_iou.txt" || true
cat "$WORK/per_class_iou.txt"

step "4/4 prediction overlay"
IMG=$(find "$DATA/leftImg8bit/val" -name '*_leftImg8bit.png' | sort | head -1)
"$PYTHON" demo/seg_demo.py "$IMG" "$CONFIG" "$CKPT" \
    --out-file "$WORK/overlay.png"

cat <<EOF

Done. MicroNet-M0 MR-ASPP, ${train_s}s of training on $(nproc) CPU core(s):
  val mIoU:    ${MIOU:-?} (%, 19 classes, $DATA val split)
  checkpoint:  $CKPT
  overlay:     $WORK/overlay.png  (image: $IMG)
  logs:        $WORK/train.log, $WORK/test.log, $WORK/per_class_iou.txt
  latest run:  $RUNS/latest -> $(basename "$WORK")
EOF
