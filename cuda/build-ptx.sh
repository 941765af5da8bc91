#!/usr/bin/env bash
# build-ptx.sh: compile each kernel family (cuda/<family>.cu) to PTX, the form the Java
# CUDA backend loads with cuModuleLoadData:
#   core/src/main/resources/org/ncj/backend/cuda/ptx/<family>.ptx   (committed)
#
# Exact command, per family, run from cuda/ with relative paths:
#   nvcc -ptx -arch=compute_75 -O3 -std=c++17 <family>.cu -o <out>/<family>.ptx
# No -lineinfo and no -G: the PTX then carries no file paths (and cuda/ uses no static
# device functions, whose _INTERNAL_ names hash the source path), and nvcc writes no
# timestamps, so the output is a deterministic function of the sources and the nvcc
# version (native-tests/ptx-fresh.sh checks this against the committed files).
# compute_75 is the lowest virtual architecture nvcc 13 emits; the driver JIT-compiles it
# for newer GPUs.  nvcc 13 writes PTX ISA 9.0, which needs an R580 or newer driver.
#
# Usage: cuda/build-ptx.sh [out-dir]   (default: the resources directory above)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$root/core/src/main/resources/org/ncj/backend/cuda/ptx}
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || { echo "build-ptx.sh: nvcc not found (PATH or /usr/local/cuda/bin)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
FAMILIES="class_sums centre syrk pairwise decisions"
cd "$here"
for f in $FAMILIES; do
  "$NVCC" -ptx -arch=compute_75 -O3 -std=c++17 "$f.cu" -o "$out/$f.ptx"
done
echo "build-ptx.sh: wrote $(for f in $FAMILIES; do printf '%s.ptx ' "$f"; done)to ${1:-core/src/main/resources/org/ncj/backend/cuda/ptx}"
