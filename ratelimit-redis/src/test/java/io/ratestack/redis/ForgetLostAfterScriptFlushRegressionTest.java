package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: {@code RedisLimits.forget} (the cancel sent after an acquire that timed out or was interrupted)
 * sends the release script by {@code EVALSHA} only ({@code Script.send}), without the {@code EVAL} fallback that
 * {@code Script.run} has. After Redis restarted or its script cache was flushed, the acquire script is reloaded by
 * the first acquire, but the release script only by the first end of a use: until then every forget fails with
 * NOSCRIPT (unseen: nobody reads the reply) and the slot of the acquire given up on stays held for the whole lease
 * (1 minute by default). That is exactly after a restart, when latency spikes and timeouts are most likely.
 */
class ForgetLostAfterScriptFlushRegressionTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));

    private static void clientPause(StatefulRedisConnection<String, String> admin, String... args) {
        CommandArgs<String, String> command = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            command.add(arg);
        }
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), command);
    }

    @Test
    void anAcquireGivenUpOnRightAfterAScriptFlushHoldsNoSlot() {
        StatefulRedisConnection<String, String> connection = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        FakeClock clock = new FakeClock();
        RedisLimits limits = RedisLimits.builder(connection).clock(clock).lease(Duration.ofMinutes(1))
                .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(100)).build();

        admin.sync().scriptFlush(); // as after a restart of Redis
        // The first acquire after it loads acquire.lua by EVAL; its use is still running (a long request), so
        // release.lua has not been loaded again yet.
        AcquireResult running = limits.tryAcquire("warm-up", ONE_PER_HOUR);
        assertThat(running.isGranted()).isTrue();

        clientPause(admin, "PAUSE", "5000", "WRITE"); // scripts wait; reads and CLIENT UNPAUSE do not
        AcquireResult givenUp;
        try {
            givenUp = limits.tryAcquire("erin", ONE_PER_HOUR);
        } finally {
            clientPause(admin, "UNPAUSE");
        }
        assertThat(limits.isAvailable()).as("the call timed out").isFalse();
        givenUp.permit().close(); // fail-open's uncounted permit

        String leases = "ratelimit:{erin}:global:l";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (admin.sync().zcard(leases) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the acquire sent before the timeout runs now
        }
        connection.sync().ping(); // on the limits' connection: answered after the forget sent behind the acquire

        assertThat(admin.sync().zrangeWithScores(leases, 0, -1))
                .as("the forget sent after the timed-out acquire should have removed its slot")
                .isEmpty();
        running.permit().close();
    }
}
