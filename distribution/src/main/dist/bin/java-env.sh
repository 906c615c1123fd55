# Finds a JDK 25 or newer and sets KILN_JAVA to its java. Sourced by bin/kiln, ./kiln and .ci/run.
# Order: $JAVA_HOME if it is 25+, then <dir>/*25* under KILN_JVM_DIRS (default /usr/lib/jvm),
# then any other JDK there that is 25+, newest first, then `java` on the PATH.

kiln_java_version() {
  # Prints the feature version of the java given (25 for "25.0.1"), or nothing.
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

kiln_find_java() {
  local dirs="${KILN_JVM_DIRS:-/usr/lib/jvm}" candidate v
  for candidate in \
      ${JAVA_HOME:+"$JAVA_HOME/bin/java"} \
      "$dirs"/*25*/bin/java \
      $(ls -d "$dirs"/*/bin/java 2>/dev/null | sort -rV) \
      "$(command -v java 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    v=$(kiln_java_version "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      KILN_JAVA="$candidate"
      return 0
    fi
  done
  echo "kiln: no JDK 25 or newer found: set JAVA_HOME to one (looked at \$JAVA_HOME, $dirs and the PATH)" >&2
  return 1
}
