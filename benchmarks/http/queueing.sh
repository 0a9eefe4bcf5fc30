#!/usr/bin/env bash
# Waiting for room (max-wait) on platform threads and on virtual threads: what requests that wait cost the others.
# The sample app runs with /example limited to 1 per 100 ms per client and a max-wait of 2 s (at most 500 waiting),
# /test not limited (excluded), and Tomcat at 20 threads. wrk keeps 100 connections on /example, so that nearly every
# request there waits, and meanwhile measures /test with 4 connections; the same /test load alone is the reference.
# On platform threads each waiting request holds a server thread; on virtual threads (Java 21+, here Temurin 25 when
# installed) it holds none. Writes benchmarks/results/queueing.csv: /test's requests/s, latency of the answered ones
# and how many timed out (2 s), and /example's 200s and 429s per second.
#
#   benchmarks/http/queueing.sh                  # about 2 minutes
#   DURATION=20s benchmarks/http/queueing.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
PORT=${PORT:-8200}
JAVA17=${JAVA17:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
RESULTS=${RESULTS:-benchmarks/results}
mkdir -p "$RESULTS"
LOGS=$(mktemp -d)

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  echo "Building the sample app ..." >&2
  mvn -q -B -ntp -pl sample-app -am package -DskipTests
fi
SAMPLE=sample-app/target/sample-app-0.1.0-SNAPSHOT.jar
ARGS=(--server.port=$PORT --server.tomcat.threads.max=20 --ratelimit.global.limit=1000000000
  --ratelimit.global.per=1s --ratelimit.excluded-paths=/test --ratelimit.routes[0].pattern=/example
  --ratelimit.routes[0].limit=1 --ratelimit.routes[0].per=100ms --ratelimit.routes[0].max-wait=2s
  --ratelimit.queue.max-waiting=500 --logging.level.root=warn)

SERVER=
stop() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; fi
}
trap stop EXIT

start() { # start JAVA LABEL [ARGS...]
  local java=$1 label=$2
  shift 2
  "$java" -Xms512m -Xmx512m -jar "$SAMPLE" "${ARGS[@]}" "$@" >"$LOGS/$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then return; fi
    sleep 0.5
  done
  echo "the server ($label) did not start; see $LOGS/$label.log" >&2
  exit 1
}

# probe: /test's requests/s, p50 and p99 (ms), as wrk prints them
ms() {
  case "$1" in
    *us) awk -v v="${1%us}" 'BEGIN {printf "%.2f", v / 1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN {printf "%.2f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN {printf "%.2f", v * 1000}' ;;
    *) echo "$1" ;;
  esac
}
probe() { # /test's requests/s, p50 and p99 (ms) of the answered ones, and requests that timed out (2 s)
  local out
  out=$(wrk -t1 -c4 -d"$DURATION" --timeout 2s --latency "http://127.0.0.1:$PORT/test")
  local rps p50 p99 timeouts
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99=$(ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  timeouts=$(echo "$out" | awk '/Socket errors/ {gsub(",", "", $NF); print $NF}')
  echo "$rps,$p50,$p99,${timeouts:-0}"
}

echo "threads,load on /example,/test requests/s,/test p50 ms,/test p99 ms,/test timed out,/example 200/s,/example 429/s" \
  >"$RESULTS/queueing.csv"
measure() { # measure LABEL JAVA [ARGS...]
  local label=$1 java=$2
  shift 2
  start "$java" "$label" "$@"
  wrk -t1 -c4 -d5s "http://127.0.0.1:$PORT/test" >/dev/null # warm-up
  local alone
  alone=$(probe)
  echo "$label,none,$alone,," | tee -a "$RESULTS/queueing.csv"
  wrk -t1 -c100 -d"$(( ${DURATION%s} + 6 ))s" --timeout 10s "http://127.0.0.1:$PORT/example" >"$LOGS/$label-example.txt" &
  local waiters=$!
  sleep 3
  local loaded
  loaded=$(probe)
  wait "$waiters"
  local seconds total refused
  seconds=$(( ${DURATION%s} + 6 ))
  total=$(awk '/requests in/ {print $1}' "$LOGS/$label-example.txt")
  refused=$(awk '/Non-2xx/ {print $NF}' "$LOGS/$label-example.txt")
  refused=${refused:-0}
  echo "$label,100 connections waiting,$loaded,$(awk -v t="$total" -v r="$refused" -v s="$seconds" \
    'BEGIN {printf "%.1f,%.1f", (t - r) / s, r / s}')" | tee -a "$RESULTS/queueing.csv"
  stop
}

measure "platform (20 Tomcat threads)" "$JAVA17"
if [ -x "$JAVA25" ]; then
  measure "virtual (Java 25)" "$JAVA25" --spring.threads.virtual.enabled=true
else
  echo "no Java 21+ at $JAVA25: virtual threads not measured" >&2
fi
echo "Wrote $RESULTS/queueing.csv" >&2
