package io.ratestack.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.RunningRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: {@code RedisLimits.release} drops the end of every use while {@code available} is false, without
 * trying Redis, even when Redis is reachable (one failed call is enough to set the flag; only a later tryAcquire
 * clears it). The ends of uses taken before the failure are lost: a refund (500, exception) keeps the slot until
 * the lease runs out after recovery (under-admission), a completed use is never counted in its window
 * (over-admission once the lease frees the slot). Redis is up during the whole test; a single call fails with a
 * script error (WRONGTYPE on another client's key).
 */
class ReleaseDroppedWhileFlaggedUnavailableRegressionTest {

    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final StatefulRedisConnection<String, String> connection = redis.connect();

    private final FakeClock clock = new FakeClock();
    private RedisLimits limits;

    @BeforeEach
    void build() {
        connection.sync().flushall();
        limits = RedisLimits.builder(connection).clock(clock).lease(Duration.ofMinutes(1))
                .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofSeconds(5)).build();
        // A key of the wrong type: the next call for client "poison" fails with a script error (Redis stays up).
        connection.sync().set("ratelimit:{poison}:global:s", "not a hash");
    }

    private void oneCallFails() {
        limits.tryAcquire("poison", ONE_PER_HOUR);
        assertThat(limits.isAvailable()).as("one failed call flags Redis unavailable").isFalse();
    }

    @Test
    void aRefundMadeWhileFlaggedUnavailableFreesTheSlotWhenRedisIsReachable() {
        Permit permit = limits.tryAcquire("alice", ONE_PER_HOUR).permit();
        oneCallFails();

        permit.cancel(); // the request failed (500): its use is refunded; Redis is reachable

        clock.advance(Duration.ofSeconds(2)); // past the probe interval: the next call tries Redis and reaches it
        AcquireResult next = limits.tryAcquire("alice", ONE_PER_HOUR);
        assertThat(limits.isAvailable()).isTrue();
        assertThat(next.isGranted())
                .as("the refunded use freed its slot (it is held until the 1-minute lease instead)").isTrue();
    }

    @Test
    void aUseCompletedWhileFlaggedUnavailableCountsInItsWindow() {
        Permit permit = limits.tryAcquire("bob", ONE_PER_HOUR).permit();
        oneCallFails();

        permit.close(); // the request completed: its use counts in the 1-per-hour window

        clock.advance(Duration.ofMinutes(2)); // past the lease, well inside the hour
        AcquireResult next = limits.tryAcquire("bob", ONE_PER_HOUR);
        assertThat(limits.isAvailable()).isTrue();
        assertThat(next.isGranted()).as("1 per hour, 1 used: a second use inside the hour is over-admission")
                .isFalse();
    }
}
