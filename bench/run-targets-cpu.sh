#!/usr/bin/env bash
# The CPU targets of issue #13 (covariance, decisions, class sums / variance norms, one pass) and the
# fused second pass of issue #14, each figure beside its limit timed alternately in the same run,
# with the load average on every line. Rows named "floor" bound a target from below in the same
# run: the BLAS ssyrk alone against the covariance's GEMM, the decisions' scores at the FP32 peak.
# A few minutes on 2 cores. Usage: bench/run-targets-cpu.sh [reps] [cov|dec|sums|passes|second ...]
# NCJ_JAVA_OPTS adds JVM options (-Dncj.simd=false: the scalar twins instead of the Vector API kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
mvn -B -q -ntp -o install -DskipTests 2>/dev/null || mvn -B -q -ntp install -DskipTests  # the library and bench/target/benchmarks.jar
mkdir -p bench/out
# OpenBLAS's threads sleep at once after a call instead of spinning ~0.1 s on the cores that the
# next Java figure needs (Targets' class comment has the measurement).
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-4}
java -Xmx8g --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector ${NCJ_JAVA_OPTS:-} -cp bench/target/benchmarks.jar org.ncj.bench.Targets "$@" | tee bench/out/targets-cpu.md
