#!/usr/bin/env bash
# HTTP load benchmark: the sample app without rate limiting, with ratestack's filter (limits that never bind, and
# every request refused), and the same endpoint limited by bucket4j-spring-boot-starter with equivalent per-IP
# limits; then the same with 1000 clients behind a trusted proxy (X-Forwarded-For). Builds the apps, starts every
# configuration's server once on loopback, then measures them in interleaved rounds (A B C ... A B C ...), so that
# a burst of load from elsewhere on the machine falls on every configuration alike. Prints each round and then, per
# configuration, the median requests/s and the median of its per-round ratio against its reference; writes
# benchmarks/results/http.csv (medians) and http-rounds.csv (every round), and draws http-throughput.png.
#
#   benchmarks/http/run.sh                              # 3 rounds of 5 s per configuration, each after 2 s warm-up
#                                                       # (and 60 s of load per server first: on one core its JIT
#                                                       # competes with its request threads for a minute or so)
#   ROUNDS=5 DURATION=10s benchmarks/http/run.sh
#   BASELINE_JAR=/tmp/before.jar benchmarks/http/run.sh # also ratestack's rows from another build of the sample app
#
# Cores: every server runs on CPU 1 (SERVER_CPUS) and wrk on CPU 0 (WRK_CPUS), for every configuration: the server
# has one core to itself, so requests/s measure what the server's code costs, and wrk never takes the server's
# time. A server's JVM then sees one processor (its GC and thread pools size themselves for one).
#
# Reference of each ratio: "no rate limiting" (the same client count), except "every request refused", whose
# reference is the 200 path of the same filter ("limits never bind").
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
FIRST_WARMUP=${FIRST_WARMUP:-60s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
SERVER_CPUS=${SERVER_CPUS:-1}
WRK_CPUS=${WRK_CPUS:-0}
BASE_PORT=${BASE_PORT:-8100}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m}
BASELINE_JAR=${BASELINE_JAR:-}
RESULTS=${RESULTS:-benchmarks/results}
mkdir -p "$RESULTS"
LOGS=$(mktemp -d)

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "Building the apps ..." >&2
  mvn -q -B -ntp -pl sample-app,benchmarks -am package -DskipTests
  mvn -q -B -ntp -f benchmarks/bucket4j-app/pom.xml package -DskipTests
fi

SAMPLE=sample-app/target/sample-app-0.1.0-SNAPSHOT.jar
BUCKET4J=benchmarks/bucket4j-app/target/bucket4j-app-0.1.0-SNAPSHOT.jar
NEVER=1000000000
NEVER_BIND=(--ratelimit.global.limit=$NEVER --ratelimit.global.per=1s
  --ratelimit.per-route.limit=$NEVER --ratelimit.per-route.per=1s)
REFUSE_ALL=(--ratelimit.global.limit=1 --ratelimit.global.per=1d)
PROXY=--server.forward-headers-strategy=framework
MANY=benchmarks/http/many-clients.lua

# The configurations: label|reference label|wrk script|jar|app arguments.
CONFIGS=()
add() {
  local label=$1 reference=$2 script=$3 jar=$4
  shift 4
  CONFIGS+=("$label|$reference|$script|$jar|$*")
}
ratestack() { # ratestack's rows of one jar, labelled with a prefix
  local prefix=$1 jar=$2
  add "${prefix}ratestack - limits never bind" "no rate limiting" "" "$jar" "${NEVER_BIND[*]}"
  add "${prefix}ratestack - every request refused" "${prefix}ratestack - limits never bind" "" "$jar" \
    "${REFUSE_ALL[*]}"
  add "1000 clients: ${prefix}ratestack - never bind" "1000 clients: no rate limiting" "$MANY" "$jar" \
    "$PROXY ${NEVER_BIND[*]}"
}
add "no rate limiting" "" "" "$SAMPLE" --ratelimit.enabled=false
ratestack "" "$SAMPLE"
if [ -n "$BASELINE_JAR" ]; then
  ratestack "baseline " "$BASELINE_JAR"
fi
add "bucket4j starter - limits never bind" "no rate limiting" "" "$BUCKET4J" --limit=$NEVER
add "bucket4j starter - every request refused" "bucket4j starter - limits never bind" "" "$BUCKET4J" --limit=1
add "1000 clients: no rate limiting" "" "$MANY" "$SAMPLE" "$PROXY --ratelimit.enabled=false"
add "1000 clients: bucket4j - never bind" "1000 clients: no rate limiting" "$MANY" "$BUCKET4J" "$PROXY --limit=$NEVER"

PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop EXIT

field() { # field CONFIG N: the Nth field (1-based) of a configuration
  echo "$1" | cut -d'|' -f"$2"
}

# load PORT SCRIPT DURATION [--latency]: wrk's output
load() {
  local port=$1 script=$2 duration=$3
  shift 3
  local args=()
  if [ -n "$script" ]; then args=(-s "$script"); fi
  taskset -c "$WRK_CPUS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" "${args[@]}" "$@" \
    "http://127.0.0.1:$port/test"
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

echo "Starting ${#CONFIGS[@]} servers on CPU $SERVER_CPUS (logs in $LOGS) ..." >&2
for i in "${!CONFIGS[@]}"; do
  config=${CONFIGS[$i]}
  port=$((BASE_PORT + i))
  # shellcheck disable=SC2046,SC2086
  taskset -c "$SERVER_CPUS" java $JAVA_OPTS -jar "$(field "$config" 4)" --server.port="$port" \
    --server.address=127.0.0.1 $(field "$config" 5) >"$LOGS/app-$i.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/test"; then break; fi
    sleep 0.5
  done
  load "$port" "$(field "$config" 3)" "$FIRST_WARMUP" >/dev/null
done

ROWS=$RESULTS/http-rounds.csv
echo "round,label,requests_per_second,p50_ms,p99_ms,non_2xx" >"$ROWS"
echo "GET /test, wrk -t$THREADS -c$CONNECTIONS -d$DURATION after $WARMUP, $ROUNDS rounds, server on CPU" \
  "$SERVER_CPUS, wrk on CPU $WRK_CPUS, $(nproc) cores, $(java -version 2>&1 | head -1)"
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!CONFIGS[@]}"; do
    config=${CONFIGS[$i]}
    port=$((BASE_PORT + i))
    script=$(field "$config" 3)
    load "$port" "$script" "$WARMUP" >/dev/null
    out=$(load "$port" "$script" "$DURATION" --latency)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    label=$(field "$config" 1)
    echo "$round,$label,$rps,$(ms "$p50"),$(ms "$p99"),${non2xx:-0}" >>"$ROWS"
    printf 'round %s  %-46s %12s req/s\n' "$round" "$label" "$rps" >&2
  done
done
stop

# Medians per configuration, and the median of its per-round ratio against its reference.
CSV=$RESULTS/http.csv
echo "label,requests_per_second,p50_ms,p99_ms,non_2xx,ratio,ratio_reference,rounds" >"$CSV"
printf '| %-46s | %10s | %8s | %8s | %10s | %6s | %-40s |\n' "configuration" "requests/s" "p50 ms" "p99 ms" \
  "non-2xx" "ratio" "ratio against (median of per-round ratios)"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------------------------------" "------------" "----------" \
  "----------" "------------" "--------" "------------------------------------------"
for config in "${CONFIGS[@]}"; do
  label=$(field "$config" 1)
  reference=$(field "$config" 2)
  awk -F, -v label="$label" -v reference="$reference" '
    function median(values, n,    sorted, i, j, t) {
      for (i = 1; i <= n; i++) sorted[i] = values[i]
      for (i = 2; i <= n; i++) for (j = i; j > 1 && sorted[j - 1] > sorted[j]; j--) {
        t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t
      }
      return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
    }
    NR > 1 && $2 == label { n++; rps[n] = $3; p50[n] = $4; p99[n] = $5; non[n] = $6; round[n] = $1 }
    NR > 1 && $2 == reference { ref[$1] = $3 }
    END {
      ratio = ""
      if (reference != "") {
        m = 0
        for (i = 1; i <= n; i++) if (ref[round[i]] > 0) { m++; ratios[m] = rps[i] / ref[round[i]] }
        ratio = sprintf("%.2f", median(ratios, m))
      }
      printf "%s,%.2f,%.3f,%.3f,%d,%s,%s,%d\n", label, median(rps, n), median(p50, n), median(p99, n),
        median(non, n), ratio, reference, n
    }' "$ROWS" >>"$CSV"
  tail -1 "$CSV" | awk -F, '{printf "| %-46s | %10s | %8s | %8s | %10s | %6s | %-40s |\n", $1, $2, $3, $4, $5,
    ($6 == "" ? "" : $6 "x"), $7}'
done

java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.ThroughputChart "$CSV" \
  "$RESULTS/http-throughput.png" "GET /test: median requests per second ($ROUNDS rounds, server on CPU $SERVER_CPUS, wrk -c$CONNECTIONS)"
java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.PerformanceReport "$RESULTS" docs/performance.md
echo "Wrote $CSV, $ROWS and $RESULTS/http-throughput.png; the tables of docs/performance.md" >&2
