#!/usr/bin/env bash
# The Spark benchmark (issue #15): N x D float32 embeddings, K classes, generated as a Parquet
# directory of P part files and as .npy (the same rows), then `ncj analyze` on each: local[2] Spark
# against the single-machine run, both on the CPU, two passes, float32. Appends a row to the Spark
# table of bench/RESULTS.md. Usage: bench/run-spark.sh [N] [D] [K] [P]   (default 10000000 256 100 16)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
N=${1:-10000000}
D=${2:-256}
K=${3:-100}
P=${4:-16}
data=bench/out/spark-data-$N-$D-$K
mkdir -p bench/out
# The Spark module and its class path, as ./ncj builds them for a Parquet input
if [ ! -f spark/target/ncj-spark-0.1.0-SNAPSHOT.jar ] || [ ! -f spark/target/spark.classpath ]; then
  mvn -q -B -ntp -DskipTests -pl spark -am package dependency:build-classpath \
      -Dmdep.outputFile=target/spark.classpath -DincludeScope=compile
fi
cp="spark/target/ncj-spark-0.1.0-SNAPSHOT.jar:$(cat spark/target/spark.classpath)"
mapfile -t opts < <(grep -v '^#' spark/jvm.options | grep -v '^[[:space:]]*$')
opts+=("-Dlog4j2.configurationFile=spark/src/main/resources/org/ncj/spark/log4j2-ncj.properties")
./ncj --version >/dev/null   # the single-machine launcher's build, outside the timed runs
if [ ! -f "$data/y.npy" ]; then
  echo "bench: generating $N x $D (K = $K) in $data"
  "$JAVA_HOME/bin/java" "${opts[@]}" -Xmx4g -cp "$cp" bench/spark/GenerateData.java "$N" "$D" "$K" "$P" "$data"
fi
run() { # name, args...
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  NCJ_JAVA_OPTS="-Xmx6g" ./ncj analyze --quiet --backend cpu --dtype float32 --out "bench/out/spark-$name" "$@" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.1f}')"
}
npy=$(run npy --train-x "$data/x.npy" --train-y "$data/y.npy")
spk=$(run spark --spark 'local[2]' --train-x "$data/train.parquet:embedding" --train-y "$data/train.parquet:label")
python3 - "$N" "$D" "$K" "$P" "$npy" "$spk" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
n, d, k, p = map(int, sys.argv[1:5]); npy, spk = float(sys.argv[5]), float(sys.argv[6])
a = json.load(open("bench/out/spark-npy/metrics.json")); b = json.load(open("bench/out/spark-spark/metrics.json"))
diff = max(abs(a["metrics"][m] - b["metrics"][m]) / max(abs(a["metrics"][m]), 1e-30) for m in a["metrics"] if a["metrics"][m] is not None)
pa = a["seconds"].get("means", 0) + a["seconds"].get("covariance", 0)
pb = b["seconds"].get("means", 0) + b["seconds"].get("covariance", 0)
row = (f"| {n:,} × {d}, K = {k}, {p} part files | {npy:.1f} s | {spk:.1f} s | {spk / npy:.2f} | "
       f"{pa:.1f} s ({pa / n * 1e6:.1f} µs/row) | {pb:.1f} s ({pb / n * 1e6:.1f} µs/row) | {pb / pa:.2f} | {diff:.1e} | "
       f"{sys.argv[7]} cores, load {sys.argv[8]} |")
print(row)
t = open("bench/RESULTS.md").read()
mark = "<!-- spark:rows -->"
if mark in t:
    t = t.replace(mark, row + "\n" + mark)
    open("bench/RESULTS.md", "w").write(t)
PY
