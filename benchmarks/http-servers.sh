#!/usr/bin/env bash
# The JDK's HTTP server against Jetty 12 on streaming, disconnect detection and concurrency:
# the measurement behind serving's choice of server (serving/README.md, docs/ARCHITECTURE.md).
#   benchmarks/http-servers.sh     (fetches jetty-server from Maven Central into target/)
set -euo pipefail
cd "$(dirname "$0")/.."
JETTY=${JETTY:-12.1.14}
LIB=benchmarks/target/http-servers-lib
mkdir -p "$LIB"
for a in jetty-server jetty-http jetty-io jetty-util; do
  ./mvnw -B -q dependency:copy -Dartifact="org.eclipse.jetty:$a:$JETTY" -DoutputDirectory="$LIB"
done
./mvnw -B -q dependency:copy -Dartifact=org.slf4j:slf4j-api:2.0.17 -DoutputDirectory="$LIB"
java -cp "$LIB/*" benchmarks/http-servers/HttpServersCompare.java
