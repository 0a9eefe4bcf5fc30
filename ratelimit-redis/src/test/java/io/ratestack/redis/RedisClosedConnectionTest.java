package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Over a real Redis: a command that Lettuce cancels (closing a connection cancels the commands it buffered while
 * Redis was away) is answered by the failure policy like a timeout or an error: tryAcquire() never throws.
 */
class RedisClosedConnectionTest {

    @Test
    void aCommandCancelledByLettuceIsAnsweredByTheFailurePolicy() throws Exception {
        TestRedis server = TestRedis.start();
        RedisClient client = server.client();
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            RateLimiter limiter = RedisLimits.builder(connection).commandTimeout(Duration.ofSeconds(30)).build()
                    .limiter("c", List.of(Limit.of(5, Duration.ofSeconds(1)).named("calls")));
            assertThat(limiter.tryAcquire().isGranted()).isTrue();

            server.stop(); // Redis goes away: the connection buffers commands until it reconnects
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (connection.isOpen()) {
                assertThat(System.nanoTime() - deadline).as("the connection sees Redis gone").isNegative();
                Thread.onSpinWait();
            }
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    outcome.set(limiter.tryAcquire());
                } catch (Throwable thrown) {
                    outcome.set(thrown);
                }
            });
            caller.start();
            while (caller.getState() != Thread.State.TIMED_WAITING && caller.isAlive()) {
                assertThat(System.nanoTime() - deadline).as("the call waits for its buffered command").isNegative();
                Thread.onSpinWait();
            }

            connection.close(); // the application shuts down (or Lettuce gives up reconnecting)
            caller.join(TimeUnit.SECONDS.toMillis(10));

            assertThat(outcome.get()).as("what tryAcquire() gave").isInstanceOf(AcquireResult.class);
        } finally {
            client.shutdown();
            server.close();
        }
    }
}
