package io.ratestack.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.ratestack.AcquireResult;
import io.ratestack.Permit;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One limiter, several libraries, in one run: the cost of an admitted use where the limit never binds, of a refused
 * one where it always binds, and of the servlet filter's all-of-two acquire. Run with {@code -t 1} and {@code -t 2}
 * (threads sharing one limiter) and {@code -prof gc} for allocation; see {@code benchmarks/run-jmh.sh}.
 *
 * <p>This project's admitted use is acquire and complete (the permit closed); the peers have no completion, so theirs
 * is one call. Refusals are one call for all. This project's {@code admit} and {@code refuse} run once per algorithm
 * ({@code -p algorithm=gcra} picks one): the closest peers are Bucket4j's greedy bucket and Guava for the token
 * bucket and GCRA (Bucket4j's greedy refill is GCRA's arithmetic), Resilience4j's fixed cycles for times-per and the
 * sliding window.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LimiterBenchmark {

    /** One of this project's algorithms, alone, whose limit never binds ({@link #unbounded}) or always binds. */
    @State(Scope.Benchmark)
    public static class Algorithm {
        @Param({"timesPer", "tokenBucket", "gcra", "slidingWindow", "concurrency"})
        String algorithm;
        io.ratestack.RateLimiter unbounded;
        io.ratestack.RateLimiter exhausted;

        @Setup
        public void setUp() {
            int most = Integer.MAX_VALUE;
            Duration year = Duration.ofDays(365);
            switch (algorithm) {
                case "timesPer" -> {
                    unbounded = RateLimiters.timesPer(most, Duration.ofSeconds(1));
                    exhausted = RateLimiters.timesPer(1, year);
                }
                case "tokenBucket" -> {
                    unbounded = RateLimiters.tokenBucket(most, most, Duration.ofSeconds(1));
                    exhausted = RateLimiters.tokenBucket(1, 1, year);
                }
                case "gcra" -> {
                    // One use per nanosecond, a burst of two seconds' worth: far beyond what one core admits.
                    unbounded = RateLimiters.gcra(1_000_000_000, Duration.ofSeconds(1), 2_000_000_000);
                    exhausted = RateLimiters.gcra(1, year, 1);
                }
                case "slidingWindow" -> {
                    unbounded = RateLimiters.slidingWindow(most, Duration.ofSeconds(1));
                    exhausted = RateLimiters.slidingWindow(1, year);
                }
                case "concurrency" -> {
                    unbounded = RateLimiters.concurrency(most);
                    exhausted = RateLimiters.concurrency(1);
                }
                default -> throw new IllegalArgumentException(algorithm);
            }
            Permit held = exhausted.tryAcquire().permit();
            if (!algorithm.equals("concurrency")) {
                held.close();
            }
        }
    }

    /** Limiters whose limit never binds. */
    @State(Scope.Benchmark)
    public static class Unbounded {
        io.ratestack.RateLimiter ratestackAllOfTwo;
        Bucket bucket4jLockFree;
        Bucket bucket4jSynchronized;
        AtomicRateLimiter resilience4j;
        RateLimiter guava;

        @Setup
        public void setUp() {
            ratestackAllOfTwo = RateLimiters.all(RateLimiters.timesPer(Integer.MAX_VALUE, Duration.ofSeconds(1)),
                    RateLimiters.timesPer(Integer.MAX_VALUE, Duration.ofSeconds(1)));
            // Bucket4j refills at most one token per nanosecond: a billion per two seconds never binds here.
            Bandwidth huge = Bandwidth.builder().capacity(1_000_000_000L)
                    .refillGreedy(1_000_000_000L, Duration.ofSeconds(2)).build();
            bucket4jLockFree = Bucket.builder().addLimit(huge)
                    .withSynchronizationStrategy(SynchronizationStrategy.LOCK_FREE).build();
            bucket4jSynchronized = Bucket.builder().addLimit(huge)
                    .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED).build();
            resilience4j = new AtomicRateLimiter("unbounded", RateLimiterConfig.custom()
                    .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1))
                    .timeoutDuration(Duration.ZERO).build());
            guava = RateLimiter.create(1e12);
        }
    }

    /** Limiters whose limit always binds: every attempt is refused. */
    @State(Scope.Benchmark)
    public static class Exhausted {
        Bucket bucket4jLockFree;
        Bucket bucket4jSynchronized;
        AtomicRateLimiter resilience4j;
        RateLimiter guava;

        @Setup
        public void setUp() {
            Bandwidth one = Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofDays(365)).build();
            bucket4jLockFree = Bucket.builder().addLimit(one)
                    .withSynchronizationStrategy(SynchronizationStrategy.LOCK_FREE).build();
            bucket4jLockFree.tryConsume(1);
            bucket4jSynchronized = Bucket.builder().addLimit(one)
                    .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED).build();
            bucket4jSynchronized.tryConsume(1);
            resilience4j = new AtomicRateLimiter("exhausted", RateLimiterConfig.custom().limitForPeriod(1)
                    .limitRefreshPeriod(Duration.ofDays(365)).timeoutDuration(Duration.ZERO).build());
            resilience4j.acquirePermission();
            guava = RateLimiter.create(1e-9);
            guava.tryAcquire();
        }
    }

    @Benchmark
    public boolean admit_ratestack(Algorithm state) {
        AcquireResult result = state.unbounded.tryAcquire();
        if (result instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    @Benchmark
    public boolean admit_bucket4jLockFree(Unbounded state) {
        return state.bucket4jLockFree.tryConsume(1);
    }

    @Benchmark
    public boolean admit_bucket4jSynchronized(Unbounded state) {
        return state.bucket4jSynchronized.tryConsume(1);
    }

    @Benchmark
    public boolean admit_resilience4j(Unbounded state) {
        return state.resilience4j.acquirePermission();
    }

    @Benchmark
    public boolean admit_guava(Unbounded state) {
        return state.guava.tryAcquire();
    }

    @Benchmark
    public boolean refuse_ratestack(Algorithm state) {
        return state.exhausted.tryAcquire().isGranted();
    }

    @Benchmark
    public boolean refuse_bucket4jLockFree(Exhausted state) {
        return state.bucket4jLockFree.tryConsume(1);
    }

    @Benchmark
    public boolean refuse_bucket4jSynchronized(Exhausted state) {
        return state.bucket4jSynchronized.tryConsume(1);
    }

    @Benchmark
    public boolean refuse_resilience4j(Exhausted state) {
        return state.resilience4j.acquirePermission();
    }

    @Benchmark
    public boolean refuse_guava(Exhausted state) {
        return state.guava.tryAcquire();
    }

    /** The servlet filter's path: all(global, route), taken and completed. */
    @Benchmark
    public boolean filter_ratestackAllOfTwoComplete(Unbounded state) {
        AcquireResult result = state.ratestackAllOfTwo.tryAcquire();
        if (result instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    /** The servlet filter's path when the handler fails: all(global, route), taken and refunded. */
    @Benchmark
    public boolean filter_ratestackAllOfTwoCancel(Unbounded state) {
        AcquireResult result = state.ratestackAllOfTwo.tryAcquire();
        if (result instanceof Permit permit) {
            permit.cancel();
            return true;
        }
        return false;
    }
}
