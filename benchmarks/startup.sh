#!/usr/bin/env bash
# Startup time of `kiln --help` (and `kiln plugins`) on a built tree, against the floor: the same
# JVM with the same flags doing nothing (`java -version`). Prints the median of N runs of each
# and the ratio. Usage: benchmarks/startup.sh [runs]   (default 20)
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DIST="$ROOT/distribution/target/kiln"
RUNS="${1:-20}"
[ -x "$DIST/bin/kiln" ] || { echo "build first: ./mvnw -B -DskipTests package" >&2; exit 1; }
. "$DIST/bin/java-env.sh"
kiln_find_java

# Median wall time in milliseconds of running "$@" RUNS times (after one warm-up run).
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local times=() start end
  for _ in $(seq "$RUNS"); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

floor=$(median_ms "$KILN_JAVA" --add-modules jdk.incubator.vector --sun-misc-unsafe-memory-access=allow -version)
help=$(median_ms "$DIST/bin/kiln" --help)
plugins=$(median_ms "$DIST/bin/kiln" plugins)

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "java:    $("$KILN_JAVA" -version 2>&1 | head -n1)"
echo "runs:    $RUNS (median)"
printf '%-34s %6s ms\n' "JVM floor (java -version)" "$floor"
printf '%-34s %6s ms   %.1fx the floor\n' "kiln --help" "$help" "$(echo "$help / $floor" | bc -l)"
printf '%-34s %6s ms   %.1fx the floor\n' "kiln plugins" "$plugins" "$(echo "$plugins / $floor" | bc -l)"
