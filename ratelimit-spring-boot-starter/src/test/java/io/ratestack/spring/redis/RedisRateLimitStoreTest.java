package io.ratestack.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Refusal;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.RunningRedis;
import io.ratestack.spring.web.LimitReading;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The filter's limits in a real Redis: one call for global and route, state named by policy. */
class RedisRateLimitStoreTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final StatefulRedisConnection<String, String> connection = redis.connect();
    private final RedisLimits limits = RedisLimits.builder(connection).build();

    private static final List<Limit> GLOBAL = List.of(Limit.of(100, Duration.ofHours(1)).named("global"));

    private static List<Limit> global(int limit) {
        return List.of(Limit.of(limit, Duration.ofHours(1)).named("global"));
    }

    private static RoutePolicy policy(String source, int limit) {
        return new RoutePolicy(source, List.of(Limit.of(limit, Duration.ofHours(1)).named("route")));
    }

    private static boolean take(RateLimitStore store, String client, Route route) {
        RateLimitStore.Attempt attempt = store.tryAcquire(client, route);
        attempt.result().permit(); // throws if refused
        attempt.result().permit().close();
        return true;
    }

    @Test
    void globalAndRouteLimitsAreTakenTogetherAndRefusalsSayWhenToRetry() {
        RedisRateLimitStore store = new RedisRateLimitStore(limits, global(2));
        Route a = new Route("/a", policy("a", 1));
        Route b = new Route("/b", policy("b", 1));

        assertThat(take(store, "c1", a)).isTrue();
        RateLimitStore.Attempt routeFull = store.tryAcquire("c1", a);
        assertThat(routeFull.result()).isInstanceOf(Refusal.class);
        assertThat(routeFull.tracked()).isTrue();
        assertThat(routeFull.limits()).extracting(LimitReading::name, LimitReading::quota, LimitReading::global,
                        LimitReading::remaining)
                .as("global as the script saw it, then the route, which refused")
                .containsExactly(tuple("global", 2, true, 1), tuple("route", 1, false, 0));
        assertThat(routeFull.limits().get(1).resetInNanos()).isPositive();
        assertThat(routeFull.storeUnavailable()).isFalse();
        assertThat(store.globalSpecs()).isEqualTo(global(2));
        // The route refused: the global use was not taken, so another route still has the global budget.
        assertThat(take(store, "c1", b)).isTrue();
        RateLimitStore.Attempt globalFull = store.tryAcquire("c1", new Route("/c", policy("c", 1)));
        assertThat(((Refusal) globalFull.result()).retryAfter()).isPositive()
                .isLessThanOrEqualTo(Duration.ofHours(1));
    }

    @Test
    void changedLimitsStartFromFreshStateInsteadOfMixingWithTheOld() {
        Route route = new Route("/x", policy("ratelimit.per-route", 5));
        assertThat(take(new RedisRateLimitStore(limits, global(1)), "c2", route)).isTrue();
        assertThat(new RedisRateLimitStore(limits, global(1)).tryAcquire("c2", route).result().isGranted())
                .as("the same policy: the same state").isFalse();

        assertThat(take(new RedisRateLimitStore(limits, global(2)), "c2", route)).as("new global terms").isTrue();
    }

    @Test
    void twoPoliciesOnOneRouteKeyKeepApartAsInMemory() {
        RedisRateLimitStore store = new RedisRateLimitStore(limits, global(10));
        Route get = new Route("/items", policy("@RateLimit on Items.list", 1));
        Route post = new Route("/items", policy("@RateLimit on Items.add", 1));

        assertThat(take(store, "c3", get)).isTrue();
        assertThat(take(store, "c3", post)).isTrue();
        assertThat(store.tryAcquire("c3", get).result().isGranted()).isFalse();
    }

    @Test
    void aVeryLongRouteKeyIsHashed() {
        RedisRateLimitStore store = new RedisRateLimitStore(limits, global(10));
        assertThat(take(store, "c4", new Route("/" + "a".repeat(5000), policy("p", 1)))).isTrue();
        assertThat(connection.sync().keys("ratelimit:{c4}:route:sha256:*")).isNotEmpty();
    }

    @Test
    void aRouteKeyOver200CharactersIsNamedByItsHexSha256SoUpgradesKeepItsState() throws Exception {
        String path = "/" + "b".repeat(229);
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(path.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        RoutePolicy policy = policy("p", 1);

        assertThat(take(new RedisRateLimitStore(limits, global(10)), "c5", new Route(path, policy))).isTrue();

        assertThat(connection.sync().keys("ratelimit:{c5}:route:*")).singleElement().asString()
                .startsWith("ratelimit:{c5}:route:sha256:" + hex + "#" + policy.tag() + ":route:1/3600000ms");
    }

    @Test
    void overloadedHandlersOnOnePathKeepTheirOwnBudgetsAsInMemory() {
        // The store names a route's state by the policy's key, which tells overloads apart, not by its source.
        Route list = new Route("/items", itemsPolicy("()")); // GET /items  -> items()
        Route add = new Route("/items", itemsPolicy("(com.example.Item)")); // POST /items -> items(Item)

        MemoryRateLimitStore memory = new MemoryRateLimitStore(new FakeClock(), GLOBAL,
                new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
                new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
        assertThat(admitted(memory, "overloads", list)).isTrue();
        assertThat(admitted(memory, "overloads", add)).as("in memory: two policies, two budgets").isTrue();

        RedisRateLimitStore shared = new RedisRateLimitStore(limits, GLOBAL);
        assertThat(admitted(shared, "overloads", list)).isTrue();
        assertThat(admitted(shared, "overloads", add))
                .as("in Redis the POST is refused by the GET's use: both policies map to the same keys %s",
                        connection.sync().keys("ratelimit:{overloads}:route:*"))
                .isTrue();
    }

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
}
