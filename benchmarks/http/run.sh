#!/usr/bin/env bash
# HTTP load benchmark: the sample app without rate limiting, with ratestack's filter (limits that never bind, and
# every request refused), and the same endpoint limited by bucket4j-spring-boot-starter with equivalent per-IP
# limits. Builds the apps, starts each alone on loopback, drives GET /test with wrk, and prints a table of requests
# per second and latency percentiles. Writes benchmarks/results/http.csv and http-throughput.png.
#
#   benchmarks/http/run.sh                 # 10 s per configuration after a 5 s warm-up
#   DURATION=30s CONNECTIONS=32 benchmarks/http/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m}
RESULTS=benchmarks/results
mkdir -p "$RESULTS"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

echo "Building the apps ..." >&2
mvn -q -B -ntp -pl sample-app,benchmarks -am package -DskipTests
mvn -q -B -ntp -f benchmarks/bucket4j-app/pom.xml package -DskipTests

SAMPLE=sample-app/target/sample-app-0.1.0-SNAPSHOT.jar
BUCKET4J=benchmarks/bucket4j-app/target/bucket4j-app-0.1.0-SNAPSHOT.jar
NEVER=1000000000
PID=

stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
  fi
}
trap stop EXIT

# run LABEL PORT JAR ARGS...: starts the app, warms it up, measures, stops it, appends a CSV row.
# With SCRIPT set, wrk runs that Lua script (many clients).
run() {
  local label=$1 port=$2 jar=$3
  shift 3
  local script=()
  if [ -n "${SCRIPT:-}" ]; then script=(-s "$SCRIPT"); fi
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$jar" --server.port="$port" --server.address=127.0.0.1 "$@" >"$RESULTS/app.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/test"; then break; fi
    sleep 0.5
  done
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${script[@]}" "http://127.0.0.1:$port/test" >/dev/null
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "http://127.0.0.1:$port/test")
  stop
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$label,$rps,$(ms "$p50"),$(ms "$p99"),${non2xx:-0}" >>"$RESULTS/http.csv"
  printf '| %-42s | %12s | %8s | %8s | %10s |\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

# wrk prints 1.23ms, 456.00us or 1.02s: in milliseconds.
ms() {
  case "$1" in
    *us) awk -v v="${1%us}" 'BEGIN {printf "%.3f", v / 1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN {printf "%.3f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN {printf "%.3f", v * 1000}' ;;
    *) echo "$1" ;;
  esac
}

echo "label,requests_per_second,p50_ms,p99_ms,non_2xx" >"$RESULTS/http.csv"
echo "GET /test, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores, $(java -version 2>&1 | head -1)"
printf '| %-42s | %12s | %8s | %8s | %10s |\n' "configuration" "requests/s" "p50" "p99" "non-2xx"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------------------" "--------------" "----------" "----------" "------------"
run "no rate limiting" 8000 "$SAMPLE" --ratelimit.enabled=false
run "ratestack - limits never bind" 8000 "$SAMPLE" \
  --ratelimit.global.limit=$NEVER --ratelimit.global.per=1s \
  --ratelimit.per-route.limit=$NEVER --ratelimit.per-route.per=1s
run "ratestack - every request refused" 8000 "$SAMPLE" \
  --ratelimit.global.limit=1 --ratelimit.global.per=1d
run "bucket4j starter - limits never bind" 8081 "$BUCKET4J" --limit=$NEVER
run "bucket4j starter - every request refused" 8081 "$BUCKET4J" --limit=1

# The same with 1000 clients behind a trusted proxy (X-Forwarded-For), each with limiters of its own.
SCRIPT=benchmarks/http/many-clients.lua
PROXY=--server.forward-headers-strategy=framework
run "1000 clients: no rate limiting" 8000 "$SAMPLE" $PROXY --ratelimit.enabled=false
run "1000 clients: ratestack - never bind" 8000 "$SAMPLE" $PROXY \
  --ratelimit.global.limit=$NEVER --ratelimit.global.per=1s \
  --ratelimit.per-route.limit=$NEVER --ratelimit.per-route.per=1s
run "1000 clients: bucket4j - never bind" 8081 "$BUCKET4J" $PROXY --limit=$NEVER
unset SCRIPT

java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.ThroughputChart "$RESULTS/http.csv" \
  "$RESULTS/http-throughput.png" "GET /test: requests per second ($(nproc) cores, wrk -c$CONNECTIONS)"
echo "Wrote $RESULTS/http.csv and $RESULTS/http-throughput.png" >&2
