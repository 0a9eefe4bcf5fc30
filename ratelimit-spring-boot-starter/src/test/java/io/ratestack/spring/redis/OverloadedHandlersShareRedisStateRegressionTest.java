package io.ratestack.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.RunningRedis;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review finding: the Redis store names a route's state after the route key and a hash of the policy's
 * {@code source()}, but {@code MvcRouteResolver} builds that source from the class and method <em>name</em> only
 * ({@code "@RateLimit on " + type.getName() + "." + method.getName()}). Routes are keyed by pattern, not by HTTP
 * method, so two overloads on one path ({@code @GetMapping("/items") items()} and
 * {@code @PostMapping("/items") items(@RequestBody Item)}), each with its own {@code @RateLimit}, get two
 * policies that the in-memory store keeps apart (it keys by policy identity) but that the Redis store merges into
 * one budget when their limits are equal.
 */
class OverloadedHandlersShareRedisStateRegressionTest {

    private static final List<Limit> GLOBAL = List.of(Limit.of(100, Duration.ofHours(1)).named("global"));

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final StatefulRedisConnection<String, String> connection = redis.connect();

    /**
     * What MvcRouteResolver makes of {@code @RateLimit(limit = 1, per = "1h")} on an overload of a method named
     * items: one source, keys told apart by the parameter types (MvcRouteResolverTest checks the resolver does so).
     */
    private static RoutePolicy itemsPolicy(String parameters) {
        String source = "@RateLimit on com.example.ItemsController.items";
        return new RoutePolicy(source, source + parameters,
                List.of(new Limit(1, Duration.ofHours(1), Duration.ZERO, "route")));
    }

    private static boolean admitted(RateLimitStore store, String client, Route route) {
        RateLimitStore.Attempt attempt = store.tryAcquire(client, route);
        if (attempt.result().isGranted()) {
            attempt.result().permit().close();
            return true;
        }
        return false;
    }

    @Test
    void overloadedHandlersOnOnePathKeepTheirOwnBudgetsAsInMemory() {
        Route list = new Route("/items", itemsPolicy("()")); // GET /items  -> items()
        Route add = new Route("/items", itemsPolicy("(com.example.Item)")); // POST /items -> items(Item)

        MemoryRateLimitStore memory = new MemoryRateLimitStore(new FakeClock(), GLOBAL,
                new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
                new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
        assertThat(admitted(memory, "c", list)).isTrue();
        assertThat(admitted(memory, "c", add)).as("in memory: two policies, two budgets").isTrue();

        RedisRateLimitStore redis = new RedisRateLimitStore(RedisLimits.builder(connection).build(), GLOBAL);
        assertThat(admitted(redis, "c", list)).isTrue();
        assertThat(admitted(redis, "c", add))
                .as("in Redis the POST is refused by the GET's use: both policies map to the same keys %s",
                        connection.sync().keys("ratelimit:{c}:route:*"))
                .isTrue();
    }
}
