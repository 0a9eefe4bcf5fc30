package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import io.ratestack.RemoteLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every algorithm in Redis and its in-memory limiter, on one fake clock, run the same seeded random scripts (advance
 * the clock, take a use of a random cost, settle a held use at its cost, at nothing, or at anything up to one more
 * than its cost, which may leave a limit in debt) and must agree at every step: admitted or refused, the refusal's remaining
 * and retry-after, and each limit's remaining and reset, after the step and as a read ({@code peek}) sees them.
 * Alone, and stacked with a times-per limit in the same script call against {@code RateLimiters.all}. Redis counts
 * in microseconds: the clock moves in whole
 * microseconds and the terms are whole microseconds, and where the in-memory limiter divides nanoseconds (a token's
 * refill time, a window's decay) Redis rounds up to the next microsecond, so its times may be up to 999 ns longer.
 *
 * <p>Keys are made persistent after each step: the scripts give them TTLs on the server's real clock, which the fake
 * clock outruns or lags at random; their expiry is tested on its own, in {@link RedisAlgorithmsTest}.
 */
class RedisEquivalenceTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private static final int STEPS = 1_000;
    private static final Limit TIMES_PER = Limit.of(8, Duration.ofSeconds(1)).named("tp");

    static Stream<Arguments> specs() {
        List<LimitSpec> alone = List.of(
                Limit.of(5, Duration.ofSeconds(1)).named("x"),
                Limit.of(3, Duration.ofSeconds(2)).withResetOffset(Duration.ofMillis(500)).named("x"),
                LimitSpec.Concurrency.of(4).named("x"),
                LimitSpec.TokenBucket.of(10, 3, Duration.ofMillis(700)).named("x"),
                LimitSpec.TokenBucket.of(5, 7, Duration.ofSeconds(3)).withInitialTokens(0).named("x"),
                LimitSpec.TokenBucket.of(4, 2, Duration.ofSeconds(1)).intervalRefill().named("x"),
                LimitSpec.TokenBucket.of(6, 4, Duration.ofMillis(1500)).intervalRefill().withInitialTokens(2)
                        .named("x"),
                LimitSpec.Gcra.of(5, Duration.ofSeconds(1), 3).named("x"),
                LimitSpec.Gcra.of(8, Duration.ofSeconds(2), 1).named("x"),
                LimitSpec.SlidingWindow.of(5, Duration.ofSeconds(1)).named("x"),
                LimitSpec.SlidingWindow.of(3, Duration.ofMillis(700)).named("x"));
        List<Arguments> arguments = new ArrayList<>();
        for (LimitSpec spec : alone) {
            arguments.add(Arguments.of(spec.toString(), List.of(spec)));
        }
        for (LimitSpec spec : alone) {
            if (!(spec instanceof Limit)) {
                arguments.add(Arguments.of(spec + " with " + TIMES_PER, List.of(spec, TIMES_PER)));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void decidesAsTheInMemoryLimiter(String label, List<LimitSpec> specs) {
        StatefulRedisConnection<String, String> connection = redis.connect();
        for (long seed = 1; seed <= 2; seed++) {
            run(connection, specs, seed);
        }
    }

    /** A use held on both sides: the Redis permit and the in-memory permits of its units. */
    private record Held(Permit redis, Permit memory, int cost) {
    }

    private static void run(StatefulRedisConnection<String, String> connection, List<LimitSpec> specs, long seed) {
        RedisCommands<String, String> sync = connection.sync();
        sync.flushall();
        FakeClock clock = new FakeClock();
        RedisLimits limits = RedisLimits.builder(connection).prefix("eq:").lease(Duration.ofDays(1)).clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build();
        RateLimiter peek = limits.limiter("c", specs);
        List<RateLimiter> parts = new ArrayList<>();
        for (LimitSpec spec : specs) {
            parts.add(RateLimiters.of(spec, clock));
        }
        RateLimiter memory = parts.size() == 1 ? parts.get(0) : RateLimiters.all(parts.toArray(RateLimiter[]::new));
        int most = Integer.MAX_VALUE;
        for (LimitSpec spec : specs) {
            most = Math.min(most, spec.maxCost());
        }
        long unitMicros = 1_000_000L / most; // about the time one unit takes to come back
        SplittableRandom random = new SplittableRandom(seed);
        List<Held> held = new ArrayList<>();
        int admitted = 0;
        int refused = 0;
        int settled = 0;
        for (int step = 0; step < STEPS; step++) {
            String at = specs + " seed " + seed + " step " + step + " at " + clock.elapsed();
            int action = step == 0 ? 3 : random.nextInt(10);
            boolean busy = step / 200 % 2 == 0;
            if (action < 3) {
                clock.advance(Duration.ofNanos(1000 * random.nextLong(busy ? unitMicros : 3 * unitMicros)));
            } else if (action < 7 || held.isEmpty()) {
                int roll = random.nextInt(20);
                int cost = roll < 12 ? 1 : roll < 19 ? 1 + random.nextInt(most) : most + 1;
                RedisLimits.Outcome attempt = limits.attempt("c", specs, cost);
                AcquireResult inMemory = memory.tryAcquire(cost);
                assertThat(attempt.result().isGranted()).as(at + " cost " + cost + " granted")
                        .isEqualTo(inMemory.isGranted());
                if (attempt.result() instanceof Permit permit) {
                    held.add(new Held(permit, inMemory.permit(), cost));
                    admitted++;
                } else {
                    Refusal refusal = (Refusal) attempt.result();
                    Refusal memoryRefusal = (Refusal) inMemory;
                    assertThat(refusal.remaining()).as(at + " refusal's remaining").isEqualTo(memory.remaining());
                    if (cost > most) {
                        assertThat(refusal.retryAfterNanos()).as(at + " never").isEqualTo(Refusal.NEVER);
                    } else {
                        assertClose(refusal.retryAfterNanos(), memoryRefusal.retryAfterNanos(), at + " retry-after");
                    }
                    refused++;
                }
                for (int i = 0; i < parts.size(); i++) {
                    RemoteLimit.State state = attempt.states().get(i);
                    assertThat(state.remaining()).as(at + " remaining of " + specs.get(i))
                            .isEqualTo(parts.get(i).remaining());
                    assertClose(state.resetInNanos(), parts.get(i).resetInNanos(), at + " reset of " + specs.get(i));
                }
            } else {
                Held use = held.remove(random.nextInt(held.size()));
                int how = random.nextInt(3);
                if (how == 0) {
                    use.redis.close();
                    use.memory.close();
                } else if (how == 1) {
                    use.redis.cancel();
                    use.memory.cancel();
                } else {
                    int actual = random.nextInt(use.cost + 2); // up to one more than it took: a debt
                    use.redis.close(actual);
                    use.memory.close(actual);
                }
                settled++;
            }
            assertThat(peek.remaining()).as(at + " peeked remaining").isEqualTo(memory.remaining());
            long reset = 0;
            for (RateLimiter part : parts) {
                reset = Math.max(reset, part.resetInNanos());
            }
            assertClose(peek.resetInNanos(), reset, at + " peeked reset");
            for (String key : sync.keys("eq:*")) {
                sync.persist(key);
            }
        }
        assertThat(admitted).as(specs + " seed " + seed + " admitted").isGreaterThan(STEPS / 20);
        assertThat(refused).as(specs + " seed " + seed + " refused").isGreaterThan(STEPS / 20);
        assertThat(settled).as(specs + " seed " + seed + " settled").isGreaterThan(STEPS / 20);
    }

    /** Redis's time in microseconds, rounded up: at most 999 ns above the in-memory limiter's nanoseconds. */
    private static void assertClose(long redisNanos, long memoryNanos, String what) {
        assertThat(redisNanos).as(what + " (memory " + memoryNanos + ")").isBetween(memoryNanos, memoryNanos + 999);
    }
}
