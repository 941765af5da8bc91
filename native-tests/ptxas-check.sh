#!/usr/bin/env bash
# ptxas-check.sh: ptxas -v of every kernel of the committed PTX for sm_80 and sm_90
# (registers, spill stores/loads, shared memory), compared with ptxas-baseline.tsv.
# Fails on any spill, on more than 10 % more registers than the baseline, or on kernels
# added or removed; prints the table of differences.  update-ptxas-baseline.sh rewrites
# the baseline deliberately.  Exit 0 ok, 1 regression, 2 no ptxas.
set -uo pipefail
source "$(dirname "$0")/common.sh"
ptxas=$(find_tool ptxas)
[ -n "$ptxas" ] || { echo "ptxas-check: ptxas not found (PATH or /usr/local/cuda/bin)"; exit 2; }
[ -f "$baseline" ] || { echo "ptxas-check: no baseline $baseline (run native-tests/update-ptxas-baseline.sh)"; exit 1; }
now=$(mktemp); trap 'rm -f "$now"' EXIT
ptxas_table "$ptxas" > "$now"
awk -F'\t' '
  FNR == NR { if ($1 !~ /^#/) { key = $1 " " $2; breg[key] = $3; bst[key] = $4; bld[key] = $5; bsm[key] = $6; seen[key] = 0 } next }
  { key = $1 " " $2; why = "";
    if ($4 > 0 || $5 > 0) why = why "spills ";
    if (!(key in breg)) why = why "not-in-baseline ";
    else { seen[key] = 1; if ($3 > breg[key] * 1.10) why = why "registers+>10% " }
    if (why != "" || (key in breg && ($3 != breg[key] || $6 != bsm[key]))) {
      rows[++n] = sprintf("%-6s %-28s %5s -> %-5s %6s -> %-6s %5s/%-5s %s", $1, $2, (key in breg) ? breg[key] : "-", $3,
                          (key in breg) ? bsm[key] : "-", $6, $4, $5, why == "" ? "ok (changed)" : "FAIL " why) }
    if (why != "") bad = 1 }
  END {
    for (k in seen) if (!seen[k]) { split(k, a, " "); rows[++n] = sprintf("%-6s %-28s %5s -> %-5s %6s -> %-6s %11s FAIL missing (removed kernel?)", a[1], a[2], breg[k], "-", bsm[k], "-", ""); bad = 1 }
    if (n > 0) {
      printf "%-6s %-28s %14s %16s %11s %s\n", "arch", "kernel", "registers", "smem bytes", "spill st/ld", "status"
      for (i = 1; i <= n; i++) print rows[i]
    }
    exit bad ? 1 : 0 }' "$baseline" "$now"
status=$?
count=$(wc -l < "$now")
if [ $status = 0 ]; then echo "ptxas-check: $count kernel/arch entries within the baseline (no spills, registers <= baseline + 10 %)"
else echo "ptxas-check: FAILED (regenerate the baseline with native-tests/update-ptxas-baseline.sh only if the change is deliberate)"; fi
exit $status
