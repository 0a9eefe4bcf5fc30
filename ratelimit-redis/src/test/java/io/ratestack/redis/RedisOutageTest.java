package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis stopped in the middle of a run, then started again: each policy answers as documented, calls do not wait for
 * a Redis known to be away, then limits resume.
 */
class RedisOutageTest {

    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));
    /** Far above the command timeout and far below Lettuce's own minute: a call never waits for a dead Redis. */
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final Logger log = Logger.getLogger(RedisLimits.class.getName());
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private TestRedis server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeEach
    void start() throws Exception {
        server = TestRedis.start();
        client = server.client();
        connection = client.connect();
        log.addHandler(recorder);
    }

    @AfterEach
    void stop() throws Exception {
        log.removeHandler(recorder);
        connection.close();
        client.shutdown();
        server.close();
    }

    @ParameterizedTest
    @EnumSource(StoreFailurePolicy.class)
    void answersByPolicyWhileRedisIsAwayAndLimitsAgainWhenItReturns(StoreFailurePolicy policy) throws Exception {
        // The local fallback: in-memory limiters with the same limits, one per client and limit name.
        Map<String, RateLimiter> local = new ConcurrentHashMap<>();
        AtomicInteger localCalls = new AtomicInteger();
        RedisLimits limits = RedisLimits.builder(connection).onFailure(policy)
                .localFallback((client, named, cost) -> {
                    localCalls.incrementAndGet();
                    LimitSpec only = named.get(0);
                    return local.computeIfAbsent(client + ":" + only.name(),
                            key -> RateLimiters.of(only, Clock.system())).tryAcquire(cost);
                })
                .commandTimeout(Duration.ofMillis(100)).build();
        Permit held = limits.tryAcquire("c", ONE_PER_HOUR).permit();
        assertThat(limits.tryAcquire("c", ONE_PER_HOUR)).isInstanceOf(Refusal.class);

        server.stop();
        for (int i = 0; i < 3; i++) {
            AcquireResult during = assertTimeoutPreemptively(PATIENCE, () -> limits.tryAcquire("c", ONE_PER_HOUR));
            switch (policy) {
                case FAIL_OPEN -> {
                    assertThat(during.isGranted()).isTrue();
                    during.permit().close(); // uncounted: nothing to tell Redis
                }
                case FAIL_CLOSED -> {
                    assertThat(during).isEqualTo(new Refusal(RedisLimits.FAIL_CLOSED_RETRY_AFTER.toNanos(), 0));
                    assertThat(RedisLimits.isUnavailableRefusal(during)).isTrue();
                }
                case LOCAL -> {
                    // The instance's own limiter: one per hour, as in Redis, counted from the outage on.
                    assertThat(during.isGranted()).isEqualTo(i == 0);
                    assertThat(RedisLimits.isUnavailableRefusal(during)).isFalse();
                    if (during instanceof Permit permit) {
                        permit.close();
                    }
                }
            }
        }
        // Cannot reach Redis: sent without waiting, its failure counted once it fails. (An end given up on is
        // delivered if Redis gets to it: this one is a refund, so the restarted, empty Redis below is not charged.)
        assertTimeoutPreemptively(PATIENCE, held::cancel);
        assertThat(limits.awaitEnds()).as("the end did not reach Redis").isFalse();
        assertThat(limits.isAvailable()).isFalse();
        assertThat(limits.failures()).isEqualTo(4);
        assertThat(localCalls).hasValue(policy == StoreFailurePolicy.LOCAL ? 3 : 0);

        server.restart(); // empty: the outage lost the old counts
        AcquireResult after = awaitRedis(limits);
        assertThat(after.isGranted()).isTrue();
        assertThat(limits.isAvailable()).isTrue();
        assertThat(limits.recoveries()).isEqualTo(1);
        int localBefore = localCalls.get();
        assertThat(limits.tryAcquire("c", ONE_PER_HOUR)).isInstanceOf(Refusal.class);
        assertThat(localCalls).as("Redis answers again, not the fallback").hasValue(localBefore);
        // Once when Redis went away, once when it came back: not once per call.
        assertThat(logged).extracting(LogRecord::getLevel).containsExactly(Level.WARNING, Level.INFO);
    }

    /**
     * While Redis is known to be away, one call per probe interval tries it; the others do not wait for it. The
     * command timeout here is long, so a call that did wait would blow the bound.
     */
    @Test
    void triesRedisOncePerProbeIntervalWhileItIsAway() throws Exception {
        FakeClock clock = new FakeClock();
        RedisLimits limits = RedisLimits.builder(connection).clock(clock)
                .commandTimeout(Duration.ofSeconds(3)).probeInterval(Duration.ofSeconds(1)).build();
        assertThat(limits.tryAcquire("c", ONE_PER_HOUR).isGranted()).isTrue();

        server.stop();
        assertTimeoutPreemptively(PATIENCE, () -> limits.tryAcquire("c", ONE_PER_HOUR)); // fails: Redis is away
        assertThat(limits.isAvailable()).isFalse();
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int i = 0; i < 100; i++) {
                assertThat(limits.tryAcquire("c", ONE_PER_HOUR).isGranted()).isTrue(); // fail-open, at once
            }
        });
        assertThat(limits.probes()).isZero();
        assertThat(limits.failures()).isEqualTo(101);

        clock.advance(Duration.ofSeconds(1));
        assertTimeoutPreemptively(PATIENCE, () -> {
            for (int i = 0; i < 20; i++) {
                limits.tryAcquire("c", ONE_PER_HOUR);
            }
        });
        assertThat(limits.probes()).as("one call of this interval tried Redis").isEqualTo(1);
        assertThat(limits.recoveries()).isZero();
    }

    /** A warm-up that Redis does not answer ends within its timeout and leaves the limits to the policy. */
    @Test
    void aWarmUpRedisDoesNotAnswerLeavesTheUsesToThePolicy() throws Exception {
        FakeClock clock = new FakeClock();
        RedisLimits limits = RedisLimits.builder(connection).clock(clock).probeInterval(Duration.ofSeconds(1)).build();
        server.stop();

        assertThat(assertTimeoutPreemptively(PATIENCE, () -> limits.warmUp(Duration.ofMillis(500)))).isFalse();
        assertThat(limits.isAvailable()).isFalse();
        assertThat(limits.failures()).isEqualTo(1);
        AcquireResult during = assertTimeoutPreemptively(PATIENCE, () -> limits.tryAcquire("c", ONE_PER_HOUR));
        assertThat(during.isGranted()).as("fail-open, without waiting for Redis").isTrue();
        assertThat(limits.probes()).as("not before the probe interval").isZero();
        assertThat(logged).extracting(LogRecord::getLevel).containsExactly(Level.WARNING);
    }

    @Test
    void localPolicyWithoutAFallbackFailsToBuild() {
        assertThatThrownBy(() -> RedisLimits.builder(connection).onFailure(StoreFailurePolicy.LOCAL).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("localFallback");
    }

    /** Lettuce reconnects in the background; until it has, calls still fail fast. */
    private static AcquireResult awaitRedis(RedisLimits limits) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            AcquireResult result = assertTimeoutPreemptively(PATIENCE, () -> limits.tryAcquire("c", ONE_PER_HOUR));
            if (limits.isAvailable()) {
                return result;
            }
            assertThat(System.nanoTime()).as("Redis back within a minute").isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
