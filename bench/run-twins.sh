#!/usr/bin/env bash
# TwinsBench (the float32/float64 loops) against a baseline build of the library and this tree's,
# in alternating JMH runs (base, this, base, this, ...) so that load from other work on the machine
# falls on both; prints each figure per run and the ratio this/base of the medians (bench/RESULTS.md
# "float32/float64 loops from one source"). Neither build is installed into ~/.m2.
# Usage: bench/run-twins.sh [BASE_REV (default 0256e66, before the twins change)] [ROUNDS (default 2)]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
base=${1:-0256e66}
rounds=${2:-2}
out=$PWD/bench/out/twins
rm -rf "$out"
mkdir -p "$out/base"
(cd core && mvn -B -q -ntp compile dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$out/deps.txt")
git archive "$base" core pom.xml | tar -x -C "$out/base"
(cd "$out/base/core" && mvn -B -q -ntp compile)
for a in org.openjdk.jmh:jmh-core:1.37 org.openjdk.jmh:jmh-generator-annprocess:1.37; do
  mvn -B -q -ntp dependency:get -Dartifact=$a >/dev/null
done
m2=$(mvn -B -q -ntp help:evaluate -Dexpression=settings.localRepository -DforceStdout | sed 's/\x1b\[[0-9;]*m//g')
jmh=$m2/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar:$m2/net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar:$m2/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar
proc=$m2/org/openjdk/jmh/jmh-generator-annprocess/1.37/jmh-generator-annprocess-1.37.jar:$jmh
deps=$(cat "$out/deps.txt")
declare -A lib=([base]="$out/base/core/target/classes" [this]="$PWD/core/target/classes")
for v in base this; do
  javac --release 25 -proc:full -processorpath "$proc" -cp "${lib[$v]}:$deps:$jmh" -d "$out/bench-$v" \
    bench/src/main/java/org/ncj/bench/TwinsBench.java
done
# The rejected one-generic-form kernel against the generated twins (this tree only).
javac --release 25 -proc:full -processorpath "$proc" -cp "${lib[this]}:$deps:$jmh" -d "$out/bench-generic" \
  bench/src/main/java/org/ncj/bench/GenericFormBench.java
for ((r = 1; r <= rounds; r++)); do
  for v in base this; do
    echo "== round $r: $v" >&2
    java -cp "$out/bench-$v:${lib[$v]}:$deps:$jmh" org.openjdk.jmh.Main 'org.ncj.bench.TwinsBench' \
      -rf json -rff "$out/$v-$r.json" > "$out/$v-$r.log"
  done
done
echo "== generic form" >&2
java -cp "$out/bench-generic:${lib[this]}:$deps:$jmh" org.openjdk.jmh.Main 'org.ncj.bench.GenericFormBench' \
  -rf json -rff "$out/generic.json" > "$out/generic.log"
python3 - "$out" "$rounds" "$base" <<'PY'
import json, statistics, sys
out, rounds, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {v: [json.load(open(f"{out}/{v}-{r}.json")) for r in range(1, rounds + 1)] for v in ("base", "this")}
def key(b):
    p = ", ".join(f"{k}={v}" for k, v in sorted(b.get("params", {}).items()))
    return b["benchmark"].rsplit(".", 1)[1] + (f" ({p})" if p else "")
rows = {}
for v, rs in runs.items():
    for res in rs:
        for b in res:
            rows.setdefault(key(b), {"base": [], "this": []})[v].append(b["primaryMetric"]["score"])
print(f"| benchmark | {base} (ms, per run) | this tree (ms, per run) | this / base (medians) |")
print("|---|---|---|---|")
for k, d in rows.items():
    mb, mt = statistics.median(d["base"]), statistics.median(d["this"])
    f = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
    print(f"| {k} | {f(d['base'])} | {f(d['this'])} | {mt / mb:.3f} |")
g = {}
for b in json.load(open(f"{out}/generic.json")):
    g.setdefault(b["params"]["dtype"], {})[b["benchmark"].rsplit(".", 1)[1]] = b["primaryMetric"]["score"]
print()
print("| SYRK kernel, n=4096, D=256 | generated twin (ms) | one generic form (ms) | generic / twin |")
print("|---|---|---|---|")
for t, d in g.items():
    print(f"| {t} | {d['generated']:.2f} | {d['generic']:.2f} | {d['generic'] / d['generated']:.1f} |")
PY
