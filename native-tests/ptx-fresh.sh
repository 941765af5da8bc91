#!/usr/bin/env bash
# ptx-fresh.sh: regenerate the PTX from cuda/ exactly as cuda/build-ptx.sh does (it
# runs that script into a temporary directory) and fail if it differs from the committed
# PTX in core/src/main/resources/org/ncj/backend/cuda/ptx/.  Exit 0 fresh, 1 stale, 2 no nvcc.
set -uo pipefail
source "$(dirname "$0")/common.sh"
nvcc=$(find_tool nvcc)
[ -n "$nvcc" ] || { echo "ptx-fresh: nvcc not found (PATH or /usr/local/cuda/bin)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
NVCC=$nvcc "$root/cuda/build-ptx.sh" "$tmp" >/dev/null || { echo "ptx-fresh: build-ptx.sh failed"; exit 1; }
status=0
for f in $FAMILIES; do
  if [ ! -f "$ptx_dir/$f.ptx" ]; then echo "ptx-fresh: $f.ptx is not committed"; status=1; continue; fi
  if ! cmp -s "$tmp/$f.ptx" "$ptx_dir/$f.ptx"; then
    echo "ptx-fresh: $f.ptx is stale (regenerate with cuda/build-ptx.sh and commit):"
    diff -u "$ptx_dir/$f.ptx" "$tmp/$f.ptx" | head -20
    c=$(grep -m1 'Cuda compilation tools' "$ptx_dir/$f.ptx"); n=$(grep -m1 'Cuda compilation tools' "$tmp/$f.ptx")
    [ "$c" = "$n" ] || echo "ptx-fresh: note: committed PTX is from '${c#// }', this nvcc is '${n#// }'"
    status=1
  fi
done
# path-dependent content: internal-linkage names (hash of the source path) or file paths
if grep -l -E '_INTERNAL_|\.file[[:space:]]' "$ptx_dir"/*.ptx >/dev/null 2>&1; then
  echo "ptx-fresh: PTX depends on the build directory (_INTERNAL_ names or .file paths): $(grep -l -E '_INTERNAL_|\.file[[:space:]]' "$ptx_dir"/*.ptx | xargs -n1 basename | tr '\n' ' ')"
  echo "ptx-fresh: use non-static (inline) device functions in cuda/, no -lineinfo"
  status=1
fi
for p in "$ptx_dir"/*.ptx; do
  b=$(basename "$p" .ptx)
  case " $FAMILIES " in *" $b "*) ;; *) echo "ptx-fresh: $b.ptx has no cuda/$b.cu"; status=1 ;; esac
done
[ $status = 0 ] && echo "ptx-fresh: committed PTX matches cuda/ ($FAMILIES)"
exit $status
