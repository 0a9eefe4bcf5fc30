package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review finding: {@code RateLimitRedisConnection.open} connects eagerly and fails startup when Redis cannot be
 * reached, whatever {@code ratelimit.redis.on-failure} says. docs/redis.md sells {@code fail-open} (and
 * {@code local}) as "an outage of Redis is not an outage of the API", but an instance that restarts during a Redis
 * outage (crash, deploy, autoscaling) cannot start at all: the outage of Redis becomes an outage of the API, one
 * instance at a time. With fail-open or local the store should start unavailable and let Lettuce connect later.
 */
class FailOpenCannotStartDuringRedisOutageRegressionTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class));

    @Test
    void aFailOpenStoreStartsWhileRedisIsDownAndAdmits() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + closedPort,
                "ratelimit.redis.on-failure=fail-open").run(context -> {
                    assertThat(context).as("Redis is down; the policy says admit").hasNotFailed();
                    RateLimitStore store = context.getBean(RateLimitStore.class);
                    RoutePolicy policy = new RoutePolicy("test",
                            List.of(io.ratestack.Limit.of(5, Duration.ofSeconds(1)).named("route")));
                    assertThat(store.tryAcquire("192.0.2.1", new Route("/x", policy)).result().isGranted()).isTrue();
                });
    }
}
