# Sourced by .ci/test and ./ncj: exports JAVA_HOME pointing at a JDK 25, or exits 1 with one line.
# Looks at $JAVA_HOME first, then /usr/lib/jvm/*25*, then /opt and the user's SDKMAN folder.
ncj_is_jdk25() {
  [ -x "$1/bin/javac" ] || return 1
  "$1/bin/java" -version 2>&1 | head -n 1 | grep -Eq '"25(\.|")'
}
ncj_find_jdk() {
  local c
  if [ -n "${JAVA_HOME:-}" ] && ncj_is_jdk25 "$JAVA_HOME"; then return 0; fi
  for c in /usr/lib/jvm/*25* /opt/*jdk*25* /opt/java/*25* "$HOME"/.sdkman/candidates/java/25*; do
    if [ -d "$c" ] && ncj_is_jdk25 "$c"; then export JAVA_HOME="$c"; return 0; fi
  done
  return 1
}
if ! ncj_find_jdk; then
  echo "ncj: no JDK 25 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm/*25*): install a JDK 25, e.g. Eclipse Temurin 25, and/or set JAVA_HOME to it" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
