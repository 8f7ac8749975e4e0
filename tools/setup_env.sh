#!/usr/bin/env bash
# Build (or bring up to date) the project's virtual environment in .venv/.
#
# Idempotent: a stamp keyed by the hash of this script and the requirement
# files makes a second run return in well under a second.  The mmcv 2.1.0
# wheel (PyPI has only its source; a CPU build takes ~14 min on 2 cores) is
# cached outside the work tree, keyed by mmcv/torch/python versions, so only
# the first setup on a machine pays for it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MICRONET_VENV:-$ROOT/.venv}"
PY_BASE="${PYTHON:-python3.11}"
command -v "$PY_BASE" >/dev/null 2>&1 || PY_BASE=python3

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
NUMPY_VERSION=2.4.6
CACHE="${MICRONET_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/micronet_mm}"

stamp_key() {
  cat "$ROOT/tools/setup_env.sh" "$ROOT"/requirements/*.txt "$ROOT/setup.py" \
    "$ROOT"/micronet_mm/deploy/kernels/{CMakeLists.txt,shift_max.cpp} \
    | sha256sum | cut -c1-16
}
STAMP="$VENV/.micronet_mm_setup"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_key)" && -x "$VENV/bin/python" ]]; then
  exit 0
fi

log() { printf '[setup_env] %s\n' "$*" >&2; }
log "building environment in $VENV (python: $($PY_BASE --version 2>&1))"

[[ -x "$VENV/bin/python" ]] || "$PY_BASE" -m venv "$VENV"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q)

"${PIP[@]}" --upgrade pip
# mmcv's and chumpy's setup.py import pkg_resources, gone from setuptools>=80.
"${PIP[@]}" "setuptools>=77,<80" wheel ninja "numpy==$NUMPY_VERSION"
"${PIP[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
# chumpy (an mmpose dependency) fails to build under build isolation.
"${PIP[@]}" --no-build-isolation chumpy==0.70

PYTAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG-cpu"
if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
  log "building mmcv $MMCV_VERSION with ops (first time on this machine: ~15 min)"
  BUILD="$(mktemp -d)"
  trap 'rm -rf "$BUILD"' EXIT
  "$PY" -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
    "mmcv==$MMCV_VERSION" -d "$BUILD"
  tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
  # torch 2.14's headers require C++20; mmcv hard-codes c++14/17.
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' \
    "$BUILD/mmcv-$MMCV_VERSION/setup.py"
  (cd "$BUILD/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=0 \
    MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$PY" -m pip wheel -q --no-build-isolation \
    --no-deps . -w "$BUILD/dist")
  mkdir -p "$WHEEL_DIR"
  # Copy then rename so an interrupted copy never looks like a cached wheel.
  for whl in "$BUILD"/dist/mmcv-*.whl; do
    cp "$whl" "$WHEEL_DIR/.partial" && mv "$WHEEL_DIR/.partial" "$WHEEL_DIR/$(basename "$whl")"
  done
fi
"${PIP[@]}" "$WHEEL_DIR"/mmcv-*.whl

CONSTRAINTS="$(mktemp)"
printf 'torch==%s\ntorchvision==%s\nnumpy==%s\nmmcv==%s\nsetuptools<80\n' \
  "$TORCH_VERSION" "$TORCHVISION_VERSION" "$NUMPY_VERSION" "$MMCV_VERSION" >"$CONSTRAINTS"
"${PIP[@]}" -c "$CONSTRAINTS" -r "$ROOT/requirements/runtime.txt"
# The xtcocotools wheel is built against numpy 1; rebuild it against numpy 2.
if ! "$PY" -c 'import xtcocotools._mask' >/dev/null 2>&1; then
  "${PIP[@]}" --no-binary xtcocotools --no-build-isolation --no-deps \
    --force-reinstall xtcocotools==1.14.3
fi
"${PIP[@]}" -c "$CONSTRAINTS" -r "$ROOT/requirements/tests.txt"
# openmim may pull an old setuptools; re-pin what the builds above need.
"${PIP[@]}" -c "$CONSTRAINTS" "setuptools>=77,<80"
# mim install == pip install + OpenMMLab wheel index; proves the add-on is
# mim-installable on every setup
"$VENV/bin/mim" install -q --no-build-isolation --no-deps -e "$ROOT"
rm -f "$CONSTRAINTS"

# micronet_mm's compiled kernels (the OpenVINO extension with the one-pass
# Shift-Max): built once per sources/OpenVINO/CPU into $CACHE/kernels, with
# the system's cmake or, where there is none, PyPI's
command -v cmake >/dev/null 2>&1 || "${PIP[@]}" "cmake>=3.16"
MICRONET_MM_CACHE="$CACHE" "$PY" -m micronet_mm.deploy.kernels build >/dev/null

"$PY" - <<'PY'
import mmcv.ops, mmseg, mmpose.apis, mmpretrain, mmdet, xtcocotools.cocoeval  # noqa
import onnxruntime, openvino, micronet_mm  # noqa
PY
stamp_key >"$STAMP"
log "environment ready"
