#!/usr/bin/env bash
# Builds bench/hsdis/build/hsdis-amd64.so, the disassembler HotSpot loads for -XX:+PrintAssembly
# (x86-64 Linux; needs gcc and Debian's libcapstone-dev, installed here when missing and run as
# root). Then, for example, to read the decisions' score tiles as C2 compiles them:
#   LD_LIBRARY_PATH=bench/hsdis/build java --add-modules jdk.incubator.vector \
#     -XX:+UnlockDiagnosticVMOptions -XX:PrintAssemblyOptions=intel \
#     -XX:CompileCommand=print,org.ncj.backend.cpu.SimdRows::tile4x4 \
#     -cp bench/target/benchmarks.jar org.ncj.backend.cpu.ScoreKernelRate 512 1
# The C2 nmethod is the block after "Compiled method (c2)". A developer tool: nothing in the build
# or the tests uses it. JDKs ship no hsdis, and OpenJDK's own builds only inside its build system
# (configure --with-hsdis=capstone); hsdis.c is the same protocol over the same library, in one file.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f /usr/include/capstone/capstone.h ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq libcapstone-dev >/dev/null; else
    echo "hsdis: install libcapstone-dev (apt-get install libcapstone-dev) and run again" >&2; exit 2; fi
fi
mkdir -p build
gcc -O2 -Wall -shared -fPIC -o build/hsdis-amd64.so hsdis.c -lcapstone
echo "hsdis: built bench/hsdis/build/hsdis-amd64.so"
