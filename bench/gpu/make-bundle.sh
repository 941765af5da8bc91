#!/usr/bin/env bash
# Builds bundle/ (git-ignored): a jlink'ed Java runtime with only the modules needed, the
# project jar, its runtime dependency jars (JCuda natives slimmed to the driver binding), the
# test classes and the JUnit console launcher, so that bench/gpu/run-gpu.sh runs the CUDA tests
# on a machine with no Java and no network. Run from anywhere; needs JDK 25 and Maven here.
#   bench/gpu/make-bundle.sh            # online Maven if something is missing from ~/.m2
#   MVN_OFFLINE=1 bench/gpu/make-bundle.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JBIN="$JAVA_HOME/bin"
MVN=(mvn -q)
[[ "${MVN_OFFLINE:-0}" == 1 ]] && MVN+=(-o)
JUNIT_CONSOLE=1.14.3
B=bundle

echo "== maven: jar, test classes, dependencies"
(cd core && "${MVN[@]}" -DskipTests package test-compile)
rm -rf "$B"
mkdir -p "$B/lib" "$B/tmp"
(cd core && "${MVN[@]}" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="../$B/tmp")
(cd core && "${MVN[@]}" dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_CONSOLE \
    -DoutputDirectory="../$B/tmp")

echo "== jars"
cp core/target/ncj-*.jar "$B/lib/"
for j in "$B"/tmp/*.jar; do
  case "$(basename "$j")" in
    jcuda-natives-*-linux-x86_64.jar)
      # Keep only the driver-API binding (JCudaDriver); drop NVRTC, runtime and the 24 MB PTX compiler.
      rm -rf "$B/tmp/nat" && mkdir -p "$B/tmp/nat" && (cd "$B/tmp/nat" && "$JBIN/jar" xf "../$(basename "$j")" lib/)
      find "$B/tmp/nat/lib" -type f ! -name 'libJCudaDriver-*' -delete
      "$JBIN/jar" cf "$B/lib/$(basename "$j")" -C "$B/tmp/nat" lib
      ;;
    jcuda-natives-*.jar) ;; # the classifier-less stub
    junit-platform-console-standalone-*) cp "$j" "$B/junit-console.jar" ;;
    *) cp "$j" "$B/lib/" ;;
  esac
done
cp -r core/target/test-classes "$B/test-classes"
rm -rf "$B/test-classes/golden"   # CPU golden files: not used by the GPU run
rm -rf "$B/tmp"

PTX_SRC=core/src/main/resources/org/ncj/backend/cuda/ptx
if [[ ! -f "$PTX_SRC/class_sums.ptx" ]]; then
  # The kernels' PTX has not been committed yet: build it into bundle/ptx (on the test class
  # path of run-gpu.sh only), so the GPU run still tests the current cuda/*.cu.
  echo "WARNING: no committed PTX in $PTX_SRC; building it from cuda/*.cu into $B/ptx" >&2
  if [[ -x cuda/build-ptx.sh ]] || [[ -f cuda/build-ptx.sh ]]; then
    bash cuda/build-ptx.sh "$B/ptx/org/ncj/backend/cuda/ptx" || echo "WARNING: PTX build failed: CUDA tests will skip" >&2
  else
    echo "WARNING: cuda/build-ptx.sh absent: CUDA tests will skip" >&2
  fi
fi

echo "== jlink"
DEPS=$("$JBIN/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
    "$B"/lib/*.jar "$B/junit-console.jar" "$B/test-classes" 2>/dev/null | tail -1)
# Loaded reflectively or through FFM only: logging, Unsafe users, jcmd-free management not needed.
MODS="$DEPS,java.logging,jdk.unsupported"
# netlib's optional VectorBLAS pulls in the incubating Vector API, which ncj does not use.
# java.desktop is only for ReportBrowserTest's PNG check, which does not run on the GPU machine.
MODS=$(echo "$MODS" | tr ',' '\n' | grep -v -e '^jdk.incubator.vector$' -e '^java.desktop$' | paste -sd, -)
echo "modules: $MODS"
"$JBIN/jlink" --add-modules "$MODS" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-9 --output "$B/jre"
# The working tree and the bundle travel together under a 64 MiB limit: drop libjvm's symbols.
command -v strip >/dev/null && strip --strip-unneeded "$B/jre/lib/server/libjvm.so" || true

echo "== bundle"
du -sh "$B"/* | sort -h
du -sh "$B"
"$B/jre/bin/java" -version
