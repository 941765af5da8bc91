#!/usr/bin/env bash
# Runs the CUDA checks ON the GPU machine, from the repository root, with no network and no
# Java installed: everything comes from bundle/ (built here by bench/gpu/make-bundle.sh).
#   bash bench/gpu/run-gpu.sh          # logs to $OUT/ when OUT is set, else bench/out/gpu/
# Steps (each under its own timeout, about 8 minutes in all):
#   1. find libcuda.so.1 and CUDA 13's libcusolver.so.12 / libcublas.so.13 (toolkit or PyTorch's nvidia wheels)
#   2. nvidia-smi -L
#   3. JUnit console on org.ncj.backend.cuda (CPU-vs-CUDA agreement, leak test, PTX entry check)
#   4. native-tests/gpu.sh, if present
#   5. compute-sanitizer memcheck and racecheck over KernelDriver (every kernel once)
#   6. Throughput (class sums vs D2D copy, covariance vs FP32 peak and cuBLAS, pairwise at K=8192)
#   7. bench/baseline_torch.py on the same shapes, and bench/compare.py: ncj / PyTorch per operation
#   8. org.ncj.scale.ScaleRun: every measure at K = 50,257, D = 1024 (Zipf counts), time per phase and memory
# Ends with one summary; exit status 0 only if every step that ran passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$ROOT/bundle
LOG=${OUT:-$ROOT/bench/out/gpu}
mkdir -p "$LOG"
START=$(date +%s)
declare -a SUMMARY=()
FAIL=0
note() { SUMMARY+=("$1"); echo ">> $1"; }

if [[ ! -x "$B/jre/bin/java" ]]; then
  echo "bundle/ is missing: build it with bench/gpu/make-bundle.sh on a machine with JDK 25 and Maven" >&2
  exit 2
fi

# ---- 1. libraries
first() { for f in "$@"; do [[ -e "$f" ]] && { echo "$f"; return 0; }; done; return 1; }
LIBCUDA=$( (ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 /{print $NF; exit}') )
[[ -z "$LIBCUDA" ]] && LIBCUDA=$(find /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia /usr/local/cuda*/compat \
    -maxdepth 3 -name 'libcuda.so.1' 2>/dev/null | head -1)
PYROOTS=$(ls -d /opt/torch/.venv/lib/python3*/site-packages /usr/local/lib/python3*/dist-packages \
    /usr/local/lib/python3*/site-packages /usr/lib/python3*/site-packages /opt/conda/lib/python3*/site-packages \
    ${VIRTUAL_ENV:+$VIRTUAL_ENV/lib/python3*/site-packages} 2>/dev/null)
CANDIDATE_DIRS=""
for d in ${CUDA_HOME:+$CUDA_HOME/lib64} /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib; do
  [[ -d "$d" ]] && CANDIDATE_DIRS+=" $d"
done
for p in $PYROOTS; do
  for sub in nvidia/cu13/lib nvidia/cusolver/lib nvidia/cublas/lib nvidia/cusparse/lib nvidia/nvjitlink/lib; do
    [[ -d "$p/$sub" ]] && CANDIDATE_DIRS+=" $p/$sub"
  done
done
findlib() { for d in $CANDIDATE_DIRS; do [[ -e "$d/$1" ]] && { echo "$d/$1"; return 0; }; done; return 1; }
CUSOLVER=$(findlib libcusolver.so.12 || findlib libcusolver.so.11 || true)
CUBLAS=$(findlib libcublas.so.13 || findlib libcublas.so.12 || true)
LIBDIRS=""
for f in "$LIBCUDA" "$CUSOLVER" "$CUBLAS"; do
  [[ -n "$f" ]] && LIBDIRS+="${LIBDIRS:+:}$(dirname "$f")"
done
# cuSOLVER's dependencies (cublasLt, cusparse, nvJitLink) may sit in sibling wheel folders
for d in $CANDIDATE_DIRS; do
  case "$d" in */nvidia/*) LIBDIRS+=":$d" ;; esac
done
export LD_LIBRARY_PATH="${LIBDIRS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
note "libcuda.so.1: ${LIBCUDA:-NOT FOUND}; cusolver: ${CUSOLVER:-not found}; cublas: ${CUBLAS:-not found}"

CP=$(ls "$B"/lib/*.jar | tr '\n' ':')$B/test-classes
if [[ -d "$B/ptx" ]]; then
  CP+=":$B/ptx"   # PTX built by make-bundle.sh because none was committed
  note "PTX: from bundle/ptx (built from cuda/*.cu by make-bundle.sh; not the committed resources)"
fi
JAVA=("$B/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xmx8g -Dncj.cuda.libpath="$LIBDIRS")

# ---- 2. device
nvidia-smi -L 2>&1 | tee "$LOG/nvidia-smi.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$LOG/nvidia-smi.txt"
note "device: $(nvidia-smi -L 2>/dev/null | head -1) driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)"

step() { # name timeout logfile command...
  local name=$1 t=$2 log=$3; shift 3
  local s=$(date +%s)
  timeout --kill-after=10 "$t" "$@" >"$log" 2>&1
  local rc=$?
  local took=$(( $(date +%s) - s ))
  if [[ $rc -eq 0 ]]; then note "$name: PASS (${took}s)"; 
  elif [[ $rc -eq 124 || $rc -eq 137 ]]; then note "$name: TIMEOUT after ${t}s"; FAIL=1
  else note "$name: FAIL rc=$rc (${took}s, see $(basename "$log"))"; FAIL=1; fi
  return $rc
}

# ---- 3. JUnit
step "junit org.ncj.backend.cuda" 210 "$LOG/junit.txt" "${JAVA[@]}" -jar "$B/junit-console.jar" execute \
    --class-path "$CP" --select-package org.ncj.backend.cuda --details=tree --disable-banner \
    --reports-dir "$LOG/junit-reports"
tail -25 "$LOG/junit.txt"
note "junit: $(grep -E 'tests (successful|failed|skipped|aborted)' "$LOG/junit.txt" | tr -s ' ' | tr '\n' ';')"
grep -E '^\[(skip|cuda|info)\]' "$LOG/junit.txt" | head -20
if grep -q 'CUDA unavailable' "$LOG/junit.txt"; then
  note "junit: CUDA TESTS SKIPPED: $(grep -m1 -o 'CUDA unavailable: .*' "$LOG/junit.txt" | sed 's/\x1b\[[0-9;]*m//g')"
  FAIL=1
fi
if grep -q 'PTX files not committed' "$LOG/junit.txt"; then
  note "junit: PTX ENTRY CHECK SKIPPED (no PTX in the build)"
  FAIL=1
fi

# ---- 4. native tests
if [[ -f native-tests/gpu.sh ]]; then
  step "native-tests/gpu.sh" 45 "$LOG/native-tests.txt" bash native-tests/gpu.sh
  tail -10 "$LOG/native-tests.txt"
else
  note "native-tests/gpu.sh: absent, skipped"
fi

# ---- 5. compute-sanitizer
SAN=$(command -v compute-sanitizer || first /usr/local/cuda*/bin/compute-sanitizer /usr/local/cuda*/compute-sanitizer/compute-sanitizer \
    $(for p in $PYROOTS; do echo "$p/nvidia/cu13/bin/compute-sanitizer" "$p/nvidia/cuda_sanitizer_api/compute-sanitizer/compute-sanitizer"; done) || true)
if [[ -n "$SAN" ]]; then
  for tool in memcheck racecheck; do
    step "compute-sanitizer $tool" 60 "$LOG/sanitizer-$tool.txt" "$SAN" --tool "$tool" --error-exitcode 99 \
        "${JAVA[@]}" -cp "$CP" org.ncj.backend.cuda.KernelDriver
    grep -E 'ERROR SUMMARY|KernelDriver|Error|Hazard' "$LOG/sanitizer-$tool.txt" | head -8
  done
else
  note "compute-sanitizer: not found, memcheck/racecheck skipped"
  step "KernelDriver (no sanitizer)" 60 "$LOG/kernel-driver.txt" "${JAVA[@]}" -cp "$CP" org.ncj.backend.cuda.KernelDriver
fi

# ---- 6. throughput
step "throughput" 60 "$LOG/throughput.txt" "${JAVA[@]}" -cp "$CP" org.ncj.backend.cuda.Throughput
cat "$LOG/throughput.txt" | grep -v '^WARNING' | head -20

# ---- 8 (before the baseline). LLM-vocabulary scale: K = 50,257, D = 1024, Zipf counts, every measure
step "scale run K=50257 D=1024" 180 "$LOG/scale.txt" "${JAVA[@]}" -Xmx24g -cp "$CP" org.ncj.scale.ScaleRun cuda 50257 1024 262144 16384
grep -E '^(scale|classes|time|peak|device memory)' "$LOG/scale.txt"

# ---- 7. the PyTorch baseline on the same shapes (the way the Python package computes)
PY=$(command -v python3 || true)
if [[ -n "$PY" ]] && "$PY" -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  step "torch baseline" 150 "$LOG/baseline-gpu.json" "$PY" bench/baseline_torch.py --device cuda --preset gpu
  "$PY" bench/compare.py gpu "$LOG/throughput.txt" "$LOG/baseline-gpu.json" > "$LOG/compare.txt" 2>&1
  cat "$LOG/compare.txt"
else
  note "torch baseline: python3 with CUDA PyTorch not found, skipped"
fi

# ---- summary
echo
echo "================ ncj GPU summary ($(( $(date +%s) - START ))s, logs in $LOG) ================"
printf '%s\n' "${SUMMARY[@]}" | tee "$LOG/summary.txt"
grep -E 'GB/s|TFLOP/s|Gpairs|eigh' "$LOG/throughput.txt" 2>/dev/null | tee -a "$LOG/summary.txt"
cat "$LOG/compare.txt" 2>/dev/null | tee -a "$LOG/summary.txt"
grep -E '^(scale|classes|time|peak|device memory)' "$LOG/scale.txt" 2>/dev/null | tee -a "$LOG/summary.txt"
exit $FAIL
