#!/usr/bin/env bash
# native-tests/run.sh: the kernels' checks on every commit (issue #6).
#  1. (and 1b, an emulator self-test) the kernel drivers, built with g++ (C++20, -pthread) against the host CUDA
#     emulation (emu/cuda_emu.h), run every kernel family on random small problems and
#     compare with naive C++ references;
#  2. ptx-fresh.sh: the committed PTX equals what cuda/build-ptx.sh makes now;
#  3. ptxas-check.sh: registers / spills / shared memory for sm_80 and sm_90 against
#     ptxas-baseline.tsv.
# Steps 2-3 need nvcc/ptxas (PATH or /usr/local/cuda/bin): without them they are skipped
# with the reason printed, unless CI=true, where they are required (counted as failed).
# NCJ_SKIP_PTX_CHECKS=<reason> skips them anyway (hosted runners with another CUDA version,
# whose nvcc would write different PTX).
# The last line is "N passed, M failed"; the exit status is 1 when M > 0.
# Environment: CXX (default g++), JOBS (parallel compiles, default 2).
set -uo pipefail
source "$(dirname "$0")/common.sh"
CXX=${CXX:-g++}
JOBS=${JOBS:-2}
mkdir -p "$build/emu"
passed=0 failed=0

# 1. drivers under emulation
flags=(-std=c++20 -O2 -pthread -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-unused-parameter -I"$here")
compile_ok=1
printf '%s\n' $DRIVERS | xargs -P "$JOBS" -I{} sh -c '
  src="$1/{}.cpp"; obj="$2/{}.o"; shift 2
  if [ ! -f "$obj" ] || [ -n "$(find "$src" "$(dirname "$src")/nc_test.h" "$(dirname "$src")/emu" "$(dirname "$src")/../cuda" -newer "$obj" 2>/dev/null | head -1)" ]; then
    "$@" -c "$src" -o "$obj"
  fi' _ "$here" "$build/emu" "$CXX" "${flags[@]}" || compile_ok=0
objs=(); for d in $DRIVERS; do objs+=("$build/emu/$d.o"); done
if [ $compile_ok = 1 ] && "$CXX" "${flags[@]}" -o "$build/emu/nc_native_tests" "${objs[@]}"; then
  out=$("$build/emu/nc_native_tests" 2>&1); rc=$?
  printf '%s\n' "$out" | sed '$d'
  last=$(printf '%s\n' "$out" | tail -1)
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  else
    printf '%s\n' "$last"
    echo "FAIL kernel drivers stopped early (exit $rc): see the [cuda-emu] message above"; failed=$((failed + 1))
  fi
else
  echo "FAIL kernel drivers do not compile with $CXX"; failed=$((failed + 1))
fi

# 1b. the emulator itself fails loudly (no hang) on misuse: partial mask, divergent
#     barriers, lanes that exited
if "$CXX" "${flags[@]}" -o "$build/emu/emu_selftest" "$here/emu_selftest.cpp"; then
  for mode in ok mask early diverged lane-exit; do
    msg=$(NC_EMU_TIMEOUT_S=20 timeout 60 "$build/emu/emu_selftest" "$mode" 2>&1); rc=$?
    if { [ "$mode" = ok ] && [ $rc = 0 ]; } || { [ "$mode" != ok ] && [ $rc = 3 ] && [[ "$msg" == *"[cuda-emu] kernel k_"* ]]; }; then
      passed=$((passed + 1))
    else
      echo "FAIL emulator self-test '$mode': exit $rc, expected $([ "$mode" = ok ] && echo 0 || echo '3 with a [cuda-emu] message'): $msg"
      failed=$((failed + 1))
    fi
  done
else
  echo "FAIL emu_selftest.cpp does not compile"; failed=$((failed + 1))
fi

# 2-3. PTX freshness and ptxas resources
gpu_tool_check() {  # name script tool
  local name=$1 script=$2 tool=$3
  if [ -n "${NCJ_SKIP_PTX_CHECKS:-}" ]; then
    echo "SKIP $name: NCJ_SKIP_PTX_CHECKS says: $NCJ_SKIP_PTX_CHECKS"
    return
  fi
  if [ -z "$(find_tool "$tool")" ]; then
    if [ "${CI:-}" = "true" ]; then echo "FAIL $name: $tool not found and CI=true requires it"; failed=$((failed + 1))
    else echo "SKIP $name: $tool not found (PATH or /usr/local/cuda/bin); CI=true makes this a failure"; fi
    return
  fi
  if "$here/$script"; then passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
gpu_tool_check "PTX freshness" ptx-fresh.sh nvcc
gpu_tool_check "ptxas resources" ptxas-check.sh ptxas

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
