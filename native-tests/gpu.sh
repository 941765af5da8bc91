#!/usr/bin/env bash
# native-tests/gpu.sh: the same kernel drivers built with nvcc for a real GPU (part of the
# CUDA backend's GPU bundle).  Builds native-tests/build/gpu/nc_native_tests_gpu
# (default -arch=sm_90; ARCH=sm_80 etc. to change) and ptx_load (loads the committed PTX
# through the driver's JIT, as the Java backend does), then runs both; "--build-only" just
# builds.
# The drivers use the ABI's launch rules with the device's real SM count.
set -euo pipefail
source "$(dirname "$0")/common.sh"
nvcc=$(find_tool nvcc)
[ -n "$nvcc" ] || { echo "gpu.sh: nvcc not found (PATH or /usr/local/cuda/bin)"; exit 2; }
ARCH=${ARCH:-sm_90}
JOBS=${JOBS:-2}
mkdir -p "$build/gpu"
printf '%s\n' $DRIVERS | xargs -P "$JOBS" -I{} "$nvcc" -arch="$ARCH" -O2 -std=c++17 -x cu -I"$here" \
  -c "$here/{}.cpp" -o "$build/gpu/{}.o"
objs=(); for d in $DRIVERS; do objs+=("$build/gpu/$d.o"); done
"$nvcc" -arch="$ARCH" -o "$build/gpu/nc_native_tests_gpu" "${objs[@]}"
"$nvcc" -arch="$ARCH" -O2 -std=c++17 -o "$build/gpu/ptx_load" "$here/ptx_load.cu"
echo "gpu.sh: built native-tests/build/gpu/{nc_native_tests_gpu,ptx_load} for $ARCH"
[ "${1:-}" = "--build-only" ] && exit 0
status=0
"$build/gpu/ptx_load" "$ptx_dir" || status=1          # the committed PTX JIT-loads
"$build/gpu/nc_native_tests_gpu" || status=1           # the drivers on the GPU
exit $status
