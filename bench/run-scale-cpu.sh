#!/usr/bin/env bash
# CPU scale runs in the LLM-vocabulary regime (issue #7): org.ncj.scale.ScaleRun end to end
# (means, covariance + variance norms, decisions, every measure) for each shape below, with the
# JVM's peak heap and the process's peak resident memory (/usr/bin/time or /proc), and rewrites
# the "CPU scale runs" part of bench/RESULTS.md.
# Usage: bench/run-scale-cpu.sh [K:D:N ...]   (default: 32768:1024:262144 50257:1024:262144 32768:4096:65536)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(32768:1024:262144 50257:1024:262144 32768:4096:65536)
(cd core && { mvn -B -q -ntp -o test-compile 2>/dev/null || mvn -B -q -ntp test-compile; })
(cd core && { mvn -B -q -ntp -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/scale.classpath >/dev/null 2>&1 \
  || mvn -B -q -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/scale.classpath >/dev/null; })
cp=core/target/classes:core/target/test-classes:$(cat core/target/scale.classpath)
mkdir -p bench/out
mem_gib=$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)
heap=$(( mem_gib * 3 / 4 )); [ "$heap" -ge 2 ] || heap=2
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
table="| K | D | N | classes present | means | covariance + variance norms | decisions | measures | total | peak heap | peak RSS |
|---|---|---|---|---|---|---|---|---|---|---|"
for s in "${shapes[@]}"; do
  IFS=: read -r k d n <<<"$s"
  log=bench/out/scale-cpu-$k-$d-$n.txt
  echo "bench: scale run K=$k D=$d N=$n (log $log)"
  start=$(date +%s)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v java -Xmx${heap}g --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" org.ncj.scale.ScaleRun cpu "$k" "$d" "$n" 16384 >"$log" 2>&1
  else
    java -Xmx${heap}g --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" org.ncj.scale.ScaleRun cpu "$k" "$d" "$n" 16384 >"$log" 2>&1
  fi
  total=$(( $(date +%s) - start ))
  grep -E '^(classes|time|peak)' "$log" | sed 's/^/  /'
  present=$(sed -n 's/^classes: \([0-9]*\) of.*/\1/p' "$log")
  phase() { awk -v p="$1" 'index($0, "time " p) == 1 { print $(NF - 1) " s" }' "$log" | head -1; }
  heapuse=$(sed -n 's/^peak JVM heap in use[^:]*: \([0-9.]*\) GiB.*/\1 GiB/p' "$log")
  rss=$(awk '/Maximum resident set size/ { printf "%.2f GiB", $NF / 1048576 }' "$log")
  table+="
| $k | $d | $n | $present | $(phase means) | $(phase covariance) | $(phase decisions) | $(phase measures) | ${total} s | $heapuse | ${rss:-n/a} |"
done
section="### $cpu, $(nproc) cores, $(date -u +%Y-%m-%d), Java $(java -version 2>&1 | awk -F'"' 'NR==1 {print $2}')

ScaleRun (\`bench/run-scale-cpu.sh\`): Zipf(1.1) labels over K classes (many absent), float32,
batches of 16,384; decisions on the first 16,384 rows against all present classes; measures =
every NC1-NC3 measure of MetricSet (eigen-decomposition, pairwise dist/log/Riesz/CDNV/cosine,
ETF, NC3). Total includes generating the data and JVM start. Logs: bench/out/scale-cpu-*.txt.

$table"
python3 - "$section" <<'PY'
import re, sys
path = "bench/RESULTS.md"
t = open(path).read()
block = "<!-- cpu-scale:begin -->\n" + sys.argv[1] + "\n<!-- cpu-scale:end -->"
if "<!-- cpu-scale:begin -->" in t:
    t = re.sub(r"<!-- cpu-scale:begin -->.*?<!-- cpu-scale:end -->", lambda m: block, t, flags=re.S)
else:
    t = t.replace("## Tuned tile sizes", "## CPU scale runs\n\n" + block + "\n\n## Tuned tile sizes", 1)
open(path, "w").write(t)
PY
echo "bench: rewrote the CPU scale runs in bench/RESULTS.md"
