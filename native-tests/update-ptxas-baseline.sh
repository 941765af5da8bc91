#!/usr/bin/env bash
# update-ptxas-baseline.sh: rewrite ptxas-baseline.tsv from the committed PTX (run
# cuda/build-ptx.sh first).  Deliberate: commit the new baseline with the kernel change
# and say why the resources moved.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ptxas=$(find_tool ptxas)
[ -n "$ptxas" ] || { echo "update-ptxas-baseline: ptxas not found" >&2; exit 2; }
{
  echo "# ptxas -v of the committed PTX ($("$ptxas" --version | grep -o 'release [0-9.]*'))"
  echo "# arch	kernel	registers	spill_stores	spill_loads	smem_bytes	stack_bytes"
  ptxas_table "$ptxas"
} > "$baseline"
echo "update-ptxas-baseline: wrote $(grep -vc '^#' "$baseline") entries to native-tests/ptxas-baseline.tsv"
