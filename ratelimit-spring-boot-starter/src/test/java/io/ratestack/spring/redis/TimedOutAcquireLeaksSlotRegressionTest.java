package io.ratestack.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.RunningRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: when an acquire times out ({@code RedisLimits.await} cancels the future and the failure policy
 * answers), the EVALSHA already sent still runs on Redis once it gets to it, and takes an in-flight slot under a
 * token that nobody will ever release: the slot is held for the whole lease (default 1 minute) after Redis is
 * back. Every slow call of a latency spike so costs its client one slot for a lease (under-admission across all
 * instances), and the request was also admitted (fail-open) or limited locally (local), so the use counts twice.
 * Redis is slowed with {@code CLIENT PAUSE ... WRITE}, not stopped.
 */
class TimedOutAcquireLeaksSlotRegressionTest {

    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final StatefulRedisConnection<String, String> connection = redis.connect();
    private final StatefulRedisConnection<String, String> admin = redis.connect();

    private void clientPause(String... args) {
        CommandArgs<String, String> command = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            command.add(arg);
        }
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), command);
    }

    @Test
    void anAcquireGivenUpOnHoldsNoSlotOnceRedisAnswersAgain() throws Exception {
        FakeClock clock = new FakeClock();
        RedisLimits limits = RedisLimits.builder(connection).clock(clock).lease(Duration.ofMinutes(1))
                .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(100)).build();
        limits.tryAcquire("warm-up", ONE_PER_HOUR).permit().cancel(); // the server knows the script

        clientPause("PAUSE", "5000", "WRITE"); // scripts wait; reads and CLIENT UNPAUSE do not
        AcquireResult givenUp;
        try {
            givenUp = limits.tryAcquire("erin", ONE_PER_HOUR);
        } finally {
            clientPause("UNPAUSE");
        }
        assertThat(limits.isAvailable()).as("the call timed out").isFalse();
        assertThat(givenUp.isGranted()).as("fail-open admitted it, uncounted").isTrue();
        givenUp.permit().close();

        // The script sent before the timeout runs now. Wait (bounded) until it has.
        String leases = "ratelimit:{erin}:global:l";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (admin.sync().zcard(leases) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }

        clock.advance(Duration.ofSeconds(2)); // past the probe interval; far inside the 1-minute lease
        AcquireResult next = limits.tryAcquire("erin", ONE_PER_HOUR);
        assertThat(limits.isAvailable()).as("Redis answers again").isTrue();
        assertThat(next.isGranted())
                .as("no use of erin is in flight and none completed in Redis, yet a slot is held by the token of"
                        + " the call given up on (%s)", admin.sync().zrangeWithScores(leases, 0, -1))
                .isTrue();
    }
}
