#!/usr/bin/env bash
# Builds the emulated CUDA driver (libcuda.so.1) and cuSOLVER (libcusolver.so.12) into
# native-tests/build/emudriver/ from cuda/*.cu and native-tests/emu/cuda_emu.h.
# Rebuilds only what changed.  Environment: CXX (default g++).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/native-tests/build/emudriver
gen=$out/gen
mkdir -p "$gen"
CXX=${CXX:-g++}
flags=(-std=c++20 -O2 -fPIC -pthread -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-unused-parameter
       -I"$root/native-tests" -I"$here" -I"$gen")

# Generated tables: kernel families, their extern "C" __global__ entries, JCuda's symbols.
python3 - "$root/cuda" "$gen" "$here/jcuda-driver-symbols.txt" <<'PY'
import os, re, sys
kdir, gen, syms = sys.argv[1:4]
fams = sorted(f for f in os.listdir(kdir) if f.endswith('.cu'))
entry = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?([A-Za-z_]\w*)')
names = []
for f in fams:
    names += entry.findall(open(os.path.join(kdir, f)).read())
def write(path, text):  # only when changed, so that make-like checks stay quiet
    if not os.path.exists(path) or open(path).read() != text:
        open(path, 'w').write(text)
write(os.path.join(gen, 'families.inc'), ''.join('#include "%s/%s"\n' % (kdir, f) for f in fams))
write(os.path.join(gen, 'entries.inc'), ''.join('NC_EMU_ENTRY(%s)\n' % n for n in names))
write(os.path.join(gen, 'stubs.inc'), ''.join('NC_STUB(%s)\n' % s.strip() for s in open(syms) if s.strip()))
PY

newer() {  # newer OUT INPUT...: true when OUT is missing or older than an input
  local o=$1; shift
  [ ! -f "$o" ] && return 0
  [ -n "$(find "$@" -newer "$o" 2>/dev/null | head -1)" ]
}
obj() {  # obj SRC OUT DEPS...
  local src=$1 o=$2; shift 2
  if newer "$o" "$src" "$@"; then "$CXX" "${flags[@]}" -c "$src" -o "$o"; fi
}
obj "$here/kernels.cpp" "$out/kernels.o" "$root/cuda" "$root/native-tests/emu" "$here/kernel_table.h" "$gen/entries.inc" "$gen/families.inc" &
k=$!
obj "$here/driver.cpp" "$out/driver.o" "$root/native-tests/emu" "$here/kernel_table.h"
obj "$here/stubs.cpp" "$out/stubs.o" "$gen/stubs.inc"
wait $k
if newer "$out/libcuda.so.1" "$out/kernels.o" "$out/driver.o" "$out/stubs.o"; then
  "$CXX" "${flags[@]}" -shared -Wl,-soname,libcuda.so.1 -Wl,-z,defs -o "$out/libcuda.so.1" \
    "$out/driver.o" "$out/kernels.o" "$out/stubs.o"
fi
if newer "$out/libcusolver.so.12" "$here/cusolver.cpp" "$out/libcuda.so.1"; then
  "$CXX" "${flags[@]}" -shared -Wl,-soname,libcusolver.so.12 -o "$out/libcusolver.so.12" "$here/cusolver.cpp" \
    "$out/libcuda.so.1"
fi
echo "$out/libcuda.so.1"
