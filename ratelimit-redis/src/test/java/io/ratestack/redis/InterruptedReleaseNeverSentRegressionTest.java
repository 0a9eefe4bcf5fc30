package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.ArrayList;
import io.netty.util.concurrent.EventExecutor;
import io.netty.channel.EventLoopGroup;
import io.lettuce.core.resource.Transports;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: {@code RedisLimits.release} treats {@code RedisCommandInterruptedException} as "the caller gave up
 * waiting; the end was sent and takes effect when it runs", but {@code await} cancels the command on the interrupt,
 * and Lettuce does not write a command that is already cancelled when the event loop gets to it. A thread that ends a
 * use with its interrupt flag set (a servlet or executor thread interrupted by a timeout, a cancelled task's
 * finally) makes {@code get} throw at once, before the write: the end never reaches Redis. The use is then never
 * counted in its window (one use over the limit per such end) and its slot is held for the lease (1 minute).
 * (Fixed: an end waits with the interrupt flag cleared, and sets it again.)
 */
class InterruptedReleaseNeverSentRegressionTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));

    @Test
    void aUseEndedByAnInterruptedThreadIsStillCountedInRedis() throws Exception {
        StatefulRedisConnection<String, String> connection = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits limits = RedisLimits.builder(connection).lease(Duration.ofMinutes(1)).build();

        AcquireResult use = limits.tryAcquire("erin", ONE_PER_HOUR);
        assertThat(use.isGranted()).isTrue();
        Thread.currentThread().interrupt(); // e.g. the request's thread was interrupted by an async timeout
        try {
            use.permit().close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        connection.sync().ping(); // on the limits' connection: answered after anything sent before it

        assertThat(admin.sync().zcard("ratelimit:{erin}:global:l")).as("the use's slot is freed").isZero();
        assertThat(admin.sync().hget("ratelimit:{erin}:global:s", "used"))
                .as("the completed use is counted in its window").isEqualTo("1");
        assertThat(limits.failures()).isZero();
    }

    @Test
    void anEndGivenUpOnAtTheCommandTimeoutIsStillDeliveredWhenRedisGetsToIt() throws Exception {
        StatefulRedisConnection<String, String> connection = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits limits = RedisLimits.builder(connection).lease(Duration.ofMinutes(1))
                .commandTimeout(Duration.ofMillis(50)).build();
        AcquireResult use = limits.tryAcquire("finn", ONE_PER_HOUR);
        assertThat(use.isGranted()).isTrue();

        // Lettuce's event loops are held busy past the command timeout, as under load: the end is given up on.
        EventLoopGroup loops = redis.client().getResources().eventLoopGroupProvider()
                .allocate(Transports.eventLoopGroupClass());
        List<EventExecutor> executors = new ArrayList<>();
        loops.forEach(executors::add);
        CountDownLatch held = new CountDownLatch(executors.size());
        CountDownLatch letGo = new CountDownLatch(1);
        try {
            for (EventExecutor executor : executors) {
                executor.execute(() -> {
                    held.countDown();
                    try {
                        letGo.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            use.permit().close(); // waits 50 ms, then gives up: a failure
        } finally {
            letGo.countDown();
            redis.client().getResources().eventLoopGroupProvider().release(loops, 0, 1, TimeUnit.SECONDS);
        }
        assertThat(limits.failures()).isEqualTo(1);
        connection.sync().ping(); // on the limits' connection: answered after anything sent before it

        assertThat(admin.sync().zcard("ratelimit:{finn}:global:l")).as("the use's slot is freed").isZero();
        assertThat(admin.sync().hget("ratelimit:{finn}:global:s", "used"))
                .as("the completed use is counted, late").isEqualTo("1");
    }
}
