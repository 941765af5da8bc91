#!/usr/bin/env bash
# Runs the CPU JMH suite and rewrites the CPU part of bench/RESULTS.md (about 12 minutes on 2 cores).
# Usage: bench/run-cpu.sh [extra JMH args, e.g. a benchmark regex]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
# The BLAS anchor needs a native BLAS; without one the anchor is netlib's Java BLAS, said in the table.
if ! ldconfig -p 2>/dev/null | grep -q 'libblas.so.3' && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1 || echo "bench: no native BLAS installed" >&2
fi
mvn -B -q -ntp install -DskipTests  # the library and bench/target/benchmarks.jar
mkdir -p bench/out
java -jar bench/target/benchmarks.jar "org.ncj.bench.(CpuBench|PassesBench|MeasureBench)" -rf json -rff bench/out/cpu.json "$@" | tee bench/out/cpu.log
python3 bench/results.py cpu bench/out/cpu.json bench/RESULTS.md
echo "bench: rewrote the CPU part of bench/RESULTS.md"
# The PyTorch baseline on the same shapes (Debian's python3-torch: apt-get install python3-torch).
PYT=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import torch' 2>/dev/null; then PYT=$p; break; fi
done
if [ -n "$PYT" ]; then
  "$PYT" bench/baseline_torch.py --device cpu --preset cpu > bench/out/baseline-cpu.json
  python3 bench/compare.py cpu bench/out/cpu.json bench/out/baseline-cpu.json > bench/out/compare-cpu.md
  python3 - <<'PY'
import re
t = open("bench/RESULTS.md").read()
c = open("bench/out/compare-cpu.md").read().strip()
t = re.sub(r"<!-- cpu-baseline:begin -->.*?<!-- cpu-baseline:end -->",
           lambda m: "<!-- cpu-baseline:begin -->\n" + c + "\n<!-- cpu-baseline:end -->", t, flags=re.S)
open("bench/RESULTS.md", "w").write(t)
PY
  echo "bench: rewrote the CPU baseline comparison"
else
  echo "bench: no PyTorch for the CPU baseline (apt-get install python3-torch)" >&2
fi
