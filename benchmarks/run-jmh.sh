#!/usr/bin/env bash
# JMH: this project's core against Bucket4j (lock-free and synchronized buckets), Resilience4j's AtomicRateLimiter and
# Guava's RateLimiter, in one run, with allocation per operation (-prof gc); then the admit paths with two threads on
# one limiter; then the heap one tracked client costs in the starter's caches. Results go to benchmarks/results.
#
#   benchmarks/run-jmh.sh            # about five minutes on two cores
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=benchmarks/results
mkdir -p "$RESULTS"
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
java -jar benchmarks/target/benchmarks.jar -wi 3 -i 5 -w 1 -r 1 -f 1 -t 1 -prof gc \
  -rf csv -rff "$RESULTS/jmh-1-thread.csv" | tee "$RESULTS/jmh-1-thread.txt"
java -jar benchmarks/target/benchmarks.jar 'admit|filter' -wi 3 -i 5 -w 1 -r 1 -f 1 -t 2 \
  -rf csv -rff "$RESULTS/jmh-2-threads.csv" | tee "$RESULTS/jmh-2-threads.txt"
java -Xmx6g -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.MemoryPerClient 1000000 \
  | tee "$RESULTS/memory-per-client.txt"
