#!/usr/bin/env bash
# JMH: this project's core, every algorithm alone, against Bucket4j (lock-free and synchronized buckets),
# Resilience4j's AtomicRateLimiter and Guava's RateLimiter, in one run of three forks, with allocation per operation
# (-prof gc); then the admit and filter paths with two and four threads on one limiter; then the starter's store
# under a flood of new keys and the heap one tracked client costs in its caches. Results go to benchmarks/results.
#
#   benchmarks/run-jmh.sh            # about twenty minutes on two cores; then rewrites the tables of docs/performance.md
#   FORKS=1 benchmarks/run-jmh.sh    # a quicker, noisier look
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=benchmarks/results
FORKS=${FORKS:-3}
mkdir -p "$RESULTS"
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
JMH=(java -jar benchmarks/target/benchmarks.jar)
"${JMH[@]}" LimiterBenchmark -wi 2 -i 3 -w 1 -r 1 -f "$FORKS" -t 1 -prof gc \
  -rf csv -rff "$RESULTS/jmh-1-thread.csv" | tee "$RESULTS/jmh-1-thread.txt"
for threads in 2 4; do
  "${JMH[@]}" 'LimiterBenchmark.(admit|filter)' -wi 2 -i 3 -w 1 -r 1 -f "$FORKS" -t "$threads" \
    -rf csv -rff "$RESULTS/jmh-$threads-threads.csv" | tee "$RESULTS/jmh-$threads-threads.txt"
done
"${JMH[@]}" 'StoreFloodBenchmark|ClientLookupBenchmark' -prof gc \
  -rf csv -rff "$RESULTS/store.csv" | tee "$RESULTS/store.txt"
java -Xmx6g -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.MemoryPerClient 1000000 \
  | tee "$RESULTS/memory-per-client.txt"
java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.PerformanceReport "$RESULTS" docs/performance.md
