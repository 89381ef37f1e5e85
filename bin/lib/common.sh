# Shared by bin/backprop4j and bin/test: find a JDK 25+ and build when needed.
# Sourced, not run.

# Prints the major version of the java at $1, or nothing.
_bp4j_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

# Sets JAVA_HOME and JAVA to a JDK 25 or newer: JAVA_HOME if it is one, else java on PATH,
# else /usr/lib/jvm/*25*. Exits 2 with one line of advice when none is found.
bp4j_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*2[6-9]*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    major=$(_bp4j_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      JAVA="$candidate"
      JAVA_HOME=$(cd "$(dirname "$candidate")/.." && pwd)
      export JAVA_HOME JAVA
      return 0
    fi
  done
  echo "backprop4j needs a JDK 25 or newer and found none (JAVA_HOME, java on PATH, /usr/lib/jvm/*25*); install one, e.g. 'apt-get install temurin-25-jdk' or from https://adoptium.net, and set JAVA_HOME." >&2
  exit 2
}

bp4j_need_mvn() {
  command -v mvn >/dev/null 2>&1 || { echo "backprop4j builds with Maven 3.8+ and 'mvn' is not on PATH; install it (apt-get install maven)." >&2; exit 2; }
}
