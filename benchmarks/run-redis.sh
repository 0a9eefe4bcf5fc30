#!/usr/bin/env bash
# JMH: the filter's two limits per request through this project's Redis store, its in-memory limiters and
# Bucket4j's Lettuce backend, in one run, with 1 and 4 threads. Redis is redis-server from the PATH (Debian:
# apt-get install redis-server), else an embedded Redis 6.2. Results go to benchmarks/results.
#
#   benchmarks/run-redis.sh          # about two minutes
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=benchmarks/results
mkdir -p "$RESULTS"
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
for threads in 1 4; do
  suffix=$([ "$threads" = 1 ] && echo "1-thread" || echo "$threads-threads")
  java -jar benchmarks/target/benchmarks.jar RedisStoreBenchmark -t "$threads" \
    -rf csv -rff "$RESULTS/redis-$suffix.csv" | tee "$RESULTS/redis-$suffix.txt"
done
