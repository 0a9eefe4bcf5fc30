#!/usr/bin/env bash
# JMH: the filter's two limits per request through this project's Redis store, its in-memory limiters and
# Bucket4j's Lettuce backend, in one run, with 1, 4 and 16 threads; then the same script called directly in a
# pipelined loop and with a window of calls in flight, one thread each: Redis's own limit for this design. Redis is
# redis-server from the PATH (Debian: apt-get install redis-server), else an embedded Redis 6.2. Results go to
# benchmarks/results.
#
#   benchmarks/run-redis.sh          # about eight minutes
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=benchmarks/results
mkdir -p "$RESULTS"
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
JMH=(java -jar benchmarks/target/benchmarks.jar)
for threads in 1 4 16; do
  suffix=$([ "$threads" = 1 ] && echo "1-thread" || echo "$threads-threads")
  "${JMH[@]}" 'RedisStoreBenchmark.(ratestackRedis|ratestackInMemory|bucket4jLettuce)' -t "$threads" \
    -rf csv -rff "$RESULTS/redis-$suffix.csv" | tee "$RESULTS/redis-$suffix.txt"
done
"${JMH[@]}" 'RedisStoreBenchmark.direct' -t 1 -rf csv -rff "$RESULTS/redis-direct.csv" \
  | tee "$RESULTS/redis-direct.txt"
java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.PerformanceReport "$RESULTS" docs/performance.md
