package io.ratestack.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.StoreFailurePolicy;
import io.ratestack.redis.RunningRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: {@code RedisLimits.await} turns the caller's interrupt into a {@code RedisCommandInterruptedException}
 * (a {@code RedisException}), and {@code tryAcquire} hands it to {@code failed()}: one interrupted request thread
 * (an async timeout, a cancelled task) marks a healthy Redis unavailable for the whole instance. With the probe
 * interval, every other request for the next interval is then answered by the failure policy without trying Redis:
 * 503 for all under fail-closed, uncounted under fail-open. Redis is up during the whole test.
 */
class InterruptedRequestMarksRedisUnavailableRegressionTest {

    private static final List<Limit> TEN_PER_HOUR = List.of(Limit.of(10, Duration.ofHours(1)).named("global"));

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final StatefulRedisConnection<String, String> connection = redis.connect();

    @Test
    void anInterruptedCallerDoesNotMakeOtherRequestsFailWhileRedisAnswers() {
        FakeClock clock = new FakeClock(); // never advanced: the probe interval never passes
        RedisLimits limits = RedisLimits.builder(connection).clock(clock).onFailure(StoreFailurePolicy.FAIL_CLOSED)
                .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofSeconds(5)).build();

        // The interrupt takes effect when Redis has not answered yet as the caller starts waiting: try a few times.
        for (int i = 0; i < 50; i++) {
            Thread.currentThread().interrupt();
            try {
                limits.tryAcquire("interrupted-" + i, TEN_PER_HOUR);
            } finally {
                Thread.interrupted(); // this request is over; the thread serves the next one
            }
            AcquireResult other = limits.tryAcquire("other-" + i, TEN_PER_HOUR);
            assertThat(RedisLimits.isUnavailableRefusal(other))
                    .as("attempt %d: another request, on a thread nobody interrupted, against a Redis that answers,"
                            + " is refused as if Redis were down (available=%s, failures=%d)",
                            i, limits.isAvailable(), limits.failures())
                    .isFalse();
            assertThat(other.isGranted()).isTrue();
            other.permit().close();
        }
    }
}
