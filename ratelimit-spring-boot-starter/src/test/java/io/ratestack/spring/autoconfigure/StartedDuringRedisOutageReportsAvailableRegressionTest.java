package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.redis.RedisLimits;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review finding: when Redis cannot be reached at startup, {@code RateLimitRedisConnection.open} logs a warning and
 * starts, but the {@code RedisLimits} it builds ({@code lazyBuilder}) starts with {@code available = true}: the
 * {@code ratelimit.store.available} gauge and the endpoint's {@code available} say Redis is there, and the failure
 * counters say nothing failed, until some request happens to try Redis. An instance started during an outage (and
 * idle, or behind a readiness check that looks at the gauge) reports a healthy shared store.
 */
class StartedDuringRedisOutageReportsAvailableRegressionTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class));

    @Test
    void aStoreStartedWhileRedisIsDownIsNotReportedAvailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + closedPort,
                "ratelimit.redis.on-failure=fail-open").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitRedisConnection connection = context.getBean(RateLimitRedisConnection.class);
                    assertThat(connection.connection()).as("startup could not connect").isNull();
                    assertThat(context.getBean(RedisLimits.class).isAvailable())
                            .as("Redis was found unreachable at startup").isFalse();
                });
    }
}
