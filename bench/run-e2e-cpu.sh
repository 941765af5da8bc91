#!/usr/bin/env bash
# End to end against the Python package (issue #13, target 6): `./ncj analyze` (two passes and
# --one-pass) and rhubarbwu/neural-collapse (bench/e2e/package_run.py, PyTorch on the CPU) on the
# same .npy files with the same number of threads, for each shape K:D:N below. Prints each time,
# ncj / package, and the largest relative difference between the metrics both compute; rewrites
# the "End to end against the Python package" part of bench/RESULTS.md.
#
# Usage: NC_PACKAGE=DIR [REPS=3] bench/run-e2e-cpu.sh [K:D:N ...]   (default: 10:512:200000 2000:128:200000)
# Every time in the table is the median of REPS runs, the three commands interleaved.
# DIR is a checkout of https://github.com/rhubarbwu/neural-collapse (it needs python3 with numpy,
# scipy and torch: Debian's python3-torch and python3-scipy serve). Threads: NCJ_THREADS (default:
# the number of cores), given to PyTorch (torch.set_num_threads) and to ncj's JVM and OpenBLAS
# (NCJ_JAVA_OPTS=-XX:ActiveProcessorCount, OPENBLAS_NUM_THREADS).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/find-jdk.sh
pkg=${NC_PACKAGE:-}
if [ -z "$pkg" ] || [ ! -f "$pkg/neural_collapse/measure.py" ]; then
  echo "bench: set NC_PACKAGE to a checkout of https://github.com/rhubarbwu/neural-collapse" >&2
  exit 2
fi
py=${PYTHON:-python3}
"$py" -c 'import torch, scipy, numpy' 2>/dev/null || py=/usr/bin/python3
"$py" -c 'import torch, scipy, numpy' || { echo "bench: $py lacks torch, scipy or numpy" >&2; exit 2; }
threads=${NCJ_THREADS:-$(nproc)}
reps=${REPS:-3}
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(10:512:200000 2000:128:200000)
./ncj --help >/dev/null   # builds the launcher's jar outside the timed runs
out=bench/out/e2e
mkdir -p "$out"
now() { date +%s.%N; }
table="| K | D | N | package (PyTorch) | ncj analyze | ncj / package | ncj analyze --one-pass | one pass / package | largest metric difference | load (1 min) |
|---|---|---|---|---|---|---|---|---|---|"
for s in "${shapes[@]}"; do
  IFS=: read -r k d n <<<"$s"
  dir=$out/k$k-d$d-n$n
  if [ ! -f "$dir/weights.npy" ]; then
    mkdir -p "$dir"
    "$py" - "$dir" "$k" "$d" "$n" <<'PY'
import sys
import numpy as np
out, k, d, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(7)
m = rng.standard_normal((k, d)).astype(np.float32) * 3
y = rng.integers(0, k, n, dtype=np.int64)
x = m[y] + rng.standard_normal((n, d), dtype=np.float32)
np.save(f"{out}/train_x.npy", x)
np.save(f"{out}/train_y.npy", y)
np.save(f"{out}/weights.npy", m + 0.5 * rng.standard_normal((k, d)).astype(np.float32))
PY
  fi
  echo "bench: K=$k D=$d N=$n"
  load=$(cut -d' ' -f1 /proc/loadavg)
  # Each of the three runs REPS times, interleaved, so that a change of load touches all three;
  # the table has the medians.
  args=(analyze --train-x "$dir/train_x.npy" --train-y "$dir/train_y.npy" --weights "$dir/weights.npy" --quiet)
  tps=() tns=() t1s=()
  for rep in $(seq "$reps"); do
    "$py" -W ignore bench/e2e/package_run.py "$pkg" "$dir/train_x.npy" "$dir/train_y.npy" "$dir/weights.npy" --threads "$threads" >"$dir/package.json"
    tps+=("$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"]["total"])' "$dir/package.json")")
    export OPENBLAS_NUM_THREADS=$threads NCJ_JAVA_OPTS="-XX:ActiveProcessorCount=$threads"
    t=$(now)
    ./ncj "${args[@]}" --out "$dir/ncj" >"$dir/ncj.txt" 2>&1
    tns+=("$(echo "$(now) - $t" | bc)")
    t=$(now)
    ./ncj "${args[@]}" --one-pass --out "$dir/ncj1" >"$dir/ncj1.txt" 2>&1
    t1s+=("$(echo "$(now) - $t" | bc)")
    unset OPENBLAS_NUM_THREADS NCJ_JAVA_OPTS
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
  tp=$(median "${tps[@]}") tn=$(median "${tns[@]}") t1=$(median "${t1s[@]}")
  echo "  package ${tps[*]} s; ncj ${tns[*]} s; ncj --one-pass ${t1s[*]} s"
  load="$load–$(cut -d' ' -f1 /proc/loadavg)"
  diff=$("$py" - "$dir/package.json" "$dir/ncj/metrics.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["metrics"]
q = json.load(open(sys.argv[2]))["metrics"]
worst = max((abs(p[m] - q[m]) / max(abs(q[m]), 1e-30), m) for m in p if m in q)
print(f"{worst[0]:.1e} ({worst[1]})")
PY
)
  row=$(printf '| %s | %s | %s | %.2f s | %.2f s | %.2f | %.2f s | %.2f | %s | %s |' "$k" "$d" "$n" "$tp" "$tn" \
        "$(echo "$tn / $tp" | bc -l)" "$t1" "$(echo "$t1 / $tp" | bc -l)" "$diff" "$load")
  echo "$row"
  table+="
$row"
done
section="### $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, $threads threads, $(date -u +%Y-%m-%d)

\`NC_PACKAGE=… bench/run-e2e-cpu.sh\`: wall-clock of the whole \`./ncj analyze\` command (JVM start,
reading the files, every phase, writing metrics.json, per_class.csv and report.html) against the
package's accumulators and measures (bench/e2e/package_run.py; interpreter start and imports not
counted) on the same float32 .npy files. ncj computes more measures (19 against 11). The
difference column compares the measures both compute (nc1 pinv/svd/quot/cdnv, ETF, dist kernel,
NC3, NC4). Package commit: $(git -C "$pkg" rev-parse --short HEAD 2>/dev/null || echo unknown).

$table"
"$py" - "$section" <<'PY'
import re, sys
path = "bench/RESULTS.md"
t = open(path).read()
block = "<!-- e2e-cpu:begin -->\n" + sys.argv[1] + "\n<!-- e2e-cpu:end -->"
if "<!-- e2e-cpu:begin -->" in t:
    t = re.sub(r"<!-- e2e-cpu:begin -->.*?<!-- e2e-cpu:end -->", lambda m: block, t, flags=re.S)
else:
    t = t.replace("## CPU scale runs", "## End to end against the Python package\n\n" + block + "\n\n## CPU scale runs", 1)
open(path, "w").write(t)
PY
echo "bench: rewrote the end-to-end section of bench/RESULTS.md"
