#!/usr/bin/env bash
# Runs the CPU JMH suite and rewrites the CPU part of bench/RESULTS.md (about 5 minutes on 2 cores).
# Usage: bench/run-cpu.sh [extra JMH args, e.g. a benchmark regex]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
# The BLAS anchor needs a native BLAS; without one the anchor is netlib's Java BLAS, said in the table.
if ! ldconfig -p 2>/dev/null | grep -q 'libblas.so.3' && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1 || echo "bench: no native BLAS installed" >&2
fi
mvn -B -q -ntp install -DskipTests
(cd bench && mvn -B -q -ntp package)
mkdir -p bench/out
java -jar bench/target/benchmarks.jar "org.ncj.bench.(CpuBench|PassesBench)" -rf json -rff bench/out/cpu.json "$@" | tee bench/out/cpu.log
python3 bench/results.py cpu bench/out/cpu.json bench/RESULTS.md
echo "bench: rewrote the CPU part of bench/RESULTS.md"
