package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link RedisLimits#lazyBuilder}: limits made while Redis is down answer by their policy, and connect when it is up. */
class LazyConnectionTest {

    private static final List<Limit> LIMITS = List.of(Limit.of(5, Duration.ofMinutes(1)).named("calls"));

    private final FakeClock clock = new FakeClock();

    @Test
    void limitsMadeWhileRedisIsDownAnswerByPolicyThenConnectWhenItComesUp() throws Exception {
        TestRedis server = TestRedis.start();
        server.stop();
        RedisClient client = server.client();
        List<StatefulRedisConnection<String, String>> made = new CopyOnWriteArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        try {
            RedisLimits limits = RedisLimits.lazyBuilder(() -> {
                attempts.incrementAndGet();
                StatefulRedisConnection<String, String> connection = client.connect();
                made.add(connection);
                return connection;
            }).probeInterval(Duration.ofSeconds(10)).onFailure(StoreFailurePolicy.FAIL_OPEN).clock(clock).build();

            for (int i = 0; i < 20; i++) {
                AcquireResult result = limits.tryAcquire("c", LIMITS);
                assertThat(result.isGranted()).as("fail-open while Redis is down").isTrue();
                result.permit().close();
            }
            assertThat(limits.isAvailable()).isFalse();
            assertThat(limits.warmUp(Duration.ofSeconds(5))).as("Redis is known to be down").isFalse();
            assertThat(attempts.get()).as("one attempt, then none within the probe interval").isEqualTo(1);

            server.restart();
            limits.tryAcquire("c", LIMITS).permit().close();
            assertThat(attempts.get()).as("not before the probe interval").isEqualTo(1);
            clock.advance(Duration.ofSeconds(10));
            Permit counted = limits.tryAcquire("c", LIMITS).permit(); // the probe connects
            counted.close();

            assertThat(made).hasSize(1);
            assertThat(made.get(0).sync().hget("ratelimit:{c}:calls:s", "used")).isNotNull();
            assertThat(limits.recoveries()).isEqualTo(1);
        } finally {
            made.forEach(StatefulRedisConnection::close);
            client.shutdown();
            server.close();
        }
    }
}
