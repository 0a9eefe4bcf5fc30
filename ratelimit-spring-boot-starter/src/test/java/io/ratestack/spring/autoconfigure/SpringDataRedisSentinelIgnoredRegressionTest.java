package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.redis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review finding: without {@code ratelimit.redis.url}, {@code RateLimitRedisConnection.uri} reads only
 * {@code spring.data.redis.url/host/port/...}. An application whose Redis is configured through
 * {@code spring.data.redis.sentinel.*} or {@code spring.data.redis.cluster.nodes} (which Spring Boot prefers over
 * host and port) gets its rate limits kept in whatever answers at {@code host:port} (default localhost:6379), which
 * is not the Redis the application uses: silently, since a Redis answers there. docs/redis.md lists sentinel/cluster
 * as "not honoured", but the starter should fail startup naming them rather than connect elsewhere.
 */
class SpringDataRedisSentinelIgnoredRegressionTest {

    private static TestRedis other;

    @BeforeAll
    static void start() throws Exception {
        other = TestRedis.start(); // a Redis at host:port that is not the application's (a local or sidecar one)
    }

    @AfterAll
    static void stop() throws Exception {
        other.close();
    }

    @Test
    void sentinelSettingsAreNotSilentlyReplacedByHostAndPort() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class))
                .withPropertyValues("ratelimit.store=redis",
                        "spring.data.redis.sentinel.master=mymaster",
                        "spring.data.redis.sentinel.nodes=127.0.0.1:26379,127.0.0.1:26380",
                        "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + other.port)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).as("Boot would use the sentinels' master, not host:port")
                            .hasStackTraceContaining("spring.data.redis.sentinel.master");
                });
    }
}
