package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A token bucket and a Bucket4j bucket of the same parameters, on one fake clock, run the same seeded random
 * scripts (advance the clock by a random duration, try to take a token, cancel a held permit as Bucket4j's
 * {@code addTokens(1)}), and must agree at every step on admitting or refusing and on the tokens remaining. The
 * retry-after of a refusal is the exact time until a token: Bucket4j's greedy estimate rounds down, so it may be
 * one nanosecond short of it, never more. Weighted scripts take several tokens at once and settle a different
 * cost, as Bucket4j's {@code addTokens} (a smaller one) and {@code consumeIgnoringRateLimits} (a larger one, which
 * may leave the bucket in debt).
 */
class Bucket4jEquivalenceTest {

    private static final int STEPS = 5_000;

    static Stream<Arguments> buckets() {
        return Stream.of(
                Arguments.of(10, 10, Duration.ofSeconds(1), 10),
                Arguments.of(7, 7, Duration.ofSeconds(3), 7),
                Arguments.of(5, 7, Duration.ofSeconds(3), 0),
                Arguments.of(1, 1, Duration.ofMillis(1), 1),
                Arguments.of(100, 3, Duration.ofMillis(700), 40),
                Arguments.of(60, 1, Duration.ofMinutes(1), 5),
                Arguments.of(3, 1000, Duration.ofMillis(1), 2));
    }

    @ParameterizedTest(name = "greedy {0} tokens, {1} per {2}, {3} at first")
    @MethodSource("buckets")
    void greedyRefillDecidesAsBucket4j(int capacity, int refill, Duration period, int initial) {
        for (long seed = 1; seed <= 3; seed++) {
            run(capacity, refill, period, initial, true, seed);
        }
    }

    @ParameterizedTest(name = "interval {0} tokens, {1} every {2}, {3} at first")
    @MethodSource("buckets")
    void intervalRefillDecidesAsBucket4j(int capacity, int refill, Duration period, int initial) {
        for (long seed = 1; seed <= 3; seed++) {
            run(capacity, refill, period, initial, false, seed);
        }
    }

    @ParameterizedTest(name = "weighted, greedy {0} tokens, {1} per {2}, {3} at first")
    @MethodSource("buckets")
    void weightedUsesAndSettlementsDecideAsBucket4jGreedy(int capacity, int refill, Duration period, int initial) {
        for (long seed = 1; seed <= 3; seed++) {
            run(capacity, refill, period, initial, true, seed, true);
        }
    }

    @ParameterizedTest(name = "weighted, interval {0} tokens, {1} every {2}, {3} at first")
    @MethodSource("buckets")
    void weightedUsesAndSettlementsDecideAsBucket4jInterval(int capacity, int refill, Duration period, int initial) {
        for (long seed = 1; seed <= 3; seed++) {
            run(capacity, refill, period, initial, false, seed, true);
        }
    }

    private static void run(int capacity, int refill, Duration period, int initial, boolean greedy, long seed) {
        run(capacity, refill, period, initial, greedy, seed, false);
    }

    private static void run(int capacity, int refill, Duration period, int initial, boolean greedy, long seed,
            boolean weighted) {
        FakeClock clock = new FakeClock();
        RateLimiters.TokenBucketBuilder builder = RateLimiters.tokenBucketBuilder(capacity, refill, period)
                .initialTokens(initial).clock(clock);
        RateLimiter ours = (greedy ? builder.greedyRefill() : builder.intervalRefill()).build();
        Bucket theirs = Bucket.builder()
                .addLimit(greedy
                        ? Bandwidth.builder().capacity(capacity).refillGreedy(refill, period).initialTokens(initial)
                                .build()
                        : Bandwidth.builder().capacity(capacity).refillIntervally(refill, period)
                                .initialTokens(initial).build())
                .withCustomTimePrecision(new FakeTimeMeter(clock))
                .build();
        SplittableRandom random = new SplittableRandom(seed);
        Deque<Permit> held = new ArrayDeque<>();
        Deque<Integer> costs = new ArrayDeque<>();
        // Steps of about the time a refill of one token takes (a refill can bring no more than the capacity), in busy
        // and quiet phases, so the bucket runs empty, full and in between.
        long tokenNanos = Math.max(1L, period.toNanos() / Math.min(refill, capacity));
        int admitted = 0;
        int refused = 0;
        int refunded = 0;
        int inDebt = 0;
        for (int step = 0; step < STEPS; step++) {
            String at = "seed " + seed + " step " + step;
            boolean busy = step / 250 % 2 == 0;
            int action = random.nextInt(10);
            if (action < (busy ? 1 : 4)) {
                clock.advance(Duration.ofNanos(random.nextLong(0, (busy ? 1 : 3) * tokenNanos + 2)));
            } else if (action < 9) {
                int cost = weighted ? random.nextInt(1, Math.min(capacity, 4) + 1) : 1;
                AcquireResult result = ours.tryAcquire(cost);
                ConsumptionProbe probe = theirs.tryConsumeAndReturnRemaining(cost);
                assertThat(result.isGranted()).as(at + ": admitted").isEqualTo(probe.isConsumed());
                if (result instanceof Permit permit) {
                    admitted++;
                    held.push(permit);
                    costs.push(cost);
                } else {
                    refused++;
                    long retryAfter = ((Refusal) result).retryAfterNanos();
                    assertThat(retryAfter).as(at + ": retry-after").isBetween(probe.getNanosToWaitForRefill(),
                            probe.getNanosToWaitForRefill() + 1);
                    assertThat(((Refusal) result).remaining()).isEqualTo(Math.max(0L, theirs.getAvailableTokens()));
                }
            } else if (!held.isEmpty()) {
                Permit permit = held.pop();
                int cost = costs.pop();
                if (weighted) {
                    int actual = random.nextInt(0, 2 * cost + 1);
                    permit.close(actual);
                    if (actual < cost) {
                        theirs.addTokens(cost - actual);
                        refunded++;
                    } else if (actual > cost) {
                        theirs.consumeIgnoringRateLimits(actual - cost);
                    }
                } else if (random.nextBoolean()) {
                    permit.cancel();
                    theirs.addTokens(1);
                    refunded++;
                } else {
                    permit.close();
                }
            }
            assertThat(ours.remaining()).as(at + ": remaining")
                    .isEqualTo(Math.max(0L, theirs.getAvailableTokens()));
            if (theirs.getAvailableTokens() < 0) {
                inDebt++;
            }
        }
        // The script must have exercised both answers and the refund, not just agreed on an idle bucket.
        assertThat(admitted).as("admitted").isGreaterThan(STEPS / 10);
        assertThat(refused).as("refused").isGreaterThan(STEPS / 10);
        assertThat(refunded).as("refunded").isGreaterThan(STEPS / 100);
        if (weighted) {
            assertThat(inDebt).as("steps in debt").isGreaterThan(STEPS / 100);
        }
    }

    /** Bucket4j's clock, read from the test's fake clock. */
    private record FakeTimeMeter(FakeClock clock) implements TimeMeter {

        @Override
        public long currentTimeNanos() {
            return clock.nanoTime();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
