package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Over a real Redis, what a Redis limiter sends: a waiter runs the acquire script only when its refusal's retry-after
 * has passed or a use ended, even while a status listener watches. While no use ends, only a refused acquire reads a
 * times-per limit's first lease (ZRANGE), so the server's ZRANGE count is the count of acquire tries.
 */
class RedisLimiterTrafficTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private static long zrangeCalls(StatefulRedisConnection<String, String> connection) {
        Matcher calls = Pattern.compile("cmdstat_zrange:calls=(\\d+)").matcher(connection.sync().info("commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0L;
    }

    @Test
    void aStatusListenerDoesNotMakeAWaiterRunTheAcquireScriptBeforeItsRetryAfter() {
        FakeClock clock = new FakeClock();
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            connection.sync().flushall();
            RateLimiter limiter = RedisLimits.builder(connection).clock(clock).build()
                    .limiter("c", List.of(Limit.of(1, Duration.ofMinutes(1)).named("calls")));
            limiter.onStatusChange(status -> { });
            Permit held = limiter.tryAcquire().permit(); // the only slot, in flight
            CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: retry after a minute
            connection.sync().configResetstat();

            clock.advance(Duration.ofSeconds(59));

            assertThat(zrangeCalls(connection)).as("acquire scripts run before the retry-after").isZero();
            assertThat(waiter).isNotDone();
            held.cancel();
            assertThat(waiter).isCompleted();
        }
    }
}
