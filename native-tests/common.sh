# common.sh: sourced by the native-tests scripts.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=$here/build
ptx_dir=$root/core/src/main/resources/org/ncj/backend/cuda/ptx
FAMILIES="class_sums centre syrk pairwise decisions"
DRIVERS="test_main test_class_sums test_centre test_syrk test_pairwise test_decisions"
PTXAS_ARCHS="sm_80 sm_90"
baseline=$here/ptxas-baseline.tsv
find_tool() {  # find_tool nvcc -> path or empty
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"
  elif [ -x "/usr/local/cuda/bin/$1" ]; then echo "/usr/local/cuda/bin/$1"
  fi
}
# ptxas_table ptxas-path: "arch kernel registers spill_stores spill_loads smem stack" per entry
# of the committed PTX.  Spills of non-inlined device functions count against the entry
# compiled before them.
ptxas_table() {
  local ptxas=$1 arch f
  for arch in $PTXAS_ARCHS; do
    for f in $FAMILIES; do
      "$ptxas" -v -arch="$arch" "$ptx_dir/$f.ptx" -o /dev/null 2>&1 | awk -v arch="$arch" '
        /Compiling entry function/ { match($0, /'"'"'[^'"'"']*'"'"'/); e = substr($0, RSTART + 1, RLENGTH - 2); order[++n] = e }
        /bytes spill stores/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "bytes" && $(i+2) == "spill" && $(i+3) == "stores,") st[e] += $i;
                                                           if ($(i+1) == "bytes" && $(i+2) == "spill" && $(i+3) == "loads") ld[e] += $i;
                                                           if ($(i+1) == "bytes" && $(i+2) == "stack" && $(i+3) == "frame,") if ($i > sf[e]) sf[e] = $i } }
        /Used [0-9]+ registers/ { for (i = 1; i <= NF; i++) { if ($i == "Used") reg[e] = $(i+1); if ($(i+1) == "bytes" && $(i+2) ~ /^smem/) sm[e] = $i } }
        END { for (i = 1; i <= n; i++) { e = order[i]; printf "%s\t%s\t%d\t%d\t%d\t%d\t%d\n", arch, e, reg[e], st[e], ld[e], sm[e], sf[e] } }'
    done
  done
}
