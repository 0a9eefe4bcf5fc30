package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Permit;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

class RateLimitsEndpointTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class, RateLimitEndpointAutoConfiguration.class))
            .withPropertyValues("ratelimit.global.limit=10", "ratelimit.global.per=10s",
                    "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
                    "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=3",
                    "ratelimit.routes[0].per=1m", "ratelimit.excluded-paths=/actuator/**");

    @Test
    void listsThePoliciesAndCacheSizesButNoClient() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits").run(context -> {
            assertThat(context).hasNotFailed();
            RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
            MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
            use(store, "203.0.113.5");

            Map<String, Object> policies = endpoint.policies();

            assertThat(policies).containsKeys("global", "perRoute", "routes", "annotated", "exemptHandlers",
                    "excludedPaths", "caches");
            assertThat(policies.get("global").toString()).contains("limit=10").contains("per=10s");
            assertThat(policies.get("routes").toString()).contains("per=1m");
            assertThat(policies.get("routes").toString()).contains("/search/**").contains("limit=3");
            assertThat(policies.get("caches")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("clients", 1L).containsEntry("clientRoutes", 1L)
                    .containsEntry("global", new MemoryRateLimitStore.CacheState(1, 100_000, false, 0))
                    .containsEntry("perRoute", new MemoryRateLimitStore.CacheState(1, 200_000, false, 0))
                    .containsKey("overflow");
            assertThat(policies.toString()).doesNotContain("203.0.113.5");
        });
    }

    @Test
    void showsEachLimitsAlgorithmAndItsKeys() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits",
                "ratelimit.per-route.algorithm=token-bucket", "ratelimit.per-route.capacity=5",
                "ratelimit.per-route.stacked[0].algorithm=concurrency", "ratelimit.per-route.stacked[0].limit=2")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Map<String, Object> policies = context.getBean(RateLimitsEndpoint.class).policies();
                    assertThat(policies.get("global")).asInstanceOf(InstanceOfAssertFactories.LIST).singleElement()
                            .isEqualTo(Map.of("name", "global", "algorithm", "times-per", "limit", 10, "per", "10s"));
                    assertThat(policies.get("perRoute")).asInstanceOf(InstanceOfAssertFactories.LIST).containsExactly(
                            Map.of("name", "route", "algorithm", "token-bucket", "limit", 1, "per", "1s", "capacity", 5,
                                    "refill", "greedy", "initialTokens", 5),
                            Map.of("name", "route-2", "algorithm", "concurrency", "limit", 2, "retryAfter", "1s"));
                    MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
                    RoutePolicy perRoute = context.getBean(RateLimitSettings.class).perRoute;
                    if (store.tryAcquire("203.0.113.6", new Route("/test", perRoute)).result() instanceof Permit permit) {
                        permit.close();
                    }
                    assertThat(store.describe("203.0.113.6").routes()).singleElement().satisfies(route -> assertThat(
                            route.limiters()).extracting(MemoryRateLimitStore.LimiterState::algorithm)
                                    .containsExactly("token-bucket", "concurrency"));
                });
    }

    @Test
    void showsTheOverflowBudgetNewClientsShareWhileACacheIsFull() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits",
                "ratelimit.cache.global.maximum-size=1").run(context -> {
            RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
            MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
            use(store, "203.0.113.5");
            use(store, "203.0.113.6");

            Map<?, ?> caches = (Map<?, ?>) endpoint.policies().get("caches");

            assertThat(caches.get("global")).isEqualTo(new MemoryRateLimitStore.CacheState(1, 1, true, 1));
            MemoryRateLimitStore.ClientState overflow = (MemoryRateLimitStore.ClientState) caches.get("overflow");
            assertThat(overflow.global()).singleElement()
                    .satisfies(limiter -> assertThat(limiter.remaining()).as("10 less the newcomer's use").isEqualTo(9));
            assertThat(endpoint.client(new String[] {"203.0.113.6"}))
                    .as("no limiters of its own: the overflow budget's clients share its routes' limiters too").isNull();
            assertThat(overflow.routes()).singleElement()
                    .satisfies(route -> assertThat(route.limiters().get(0).remaining()).isZero());
        });
    }

    @Test
    void showsOneClientsLimitersGivenItsKey() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits").run(context -> {
            RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
            MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
            use(store, "2001:db8::/64");

            MemoryRateLimitStore.ClientState state =
                    (MemoryRateLimitStore.ClientState) endpoint.client(new String[] {"2001:db8::", "64"});

            assertThat(state).isNotNull();
            assertThat(state.global()).singleElement().satisfies(limiter -> {
                assertThat(limiter.name()).isEqualTo("global");
                assertThat(limiter.remaining()).isEqualTo(9);
                assertThat(limiter.resetInMillis()).isPositive();
            });
            assertThat(state.routes()).singleElement()
                    .satisfies(route -> assertThat(route.route()).isEqualTo("/test"));
            assertThat(endpoint.client(new String[] {"198.51.100.1"})).isNull();
        });
    }

    @Test
    void findsAClientByAnySpellingOfItsAddressOrByItsResolversKey() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits").run(context -> {
            RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
            MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
            use(store, "2001:db8::/64");
            use(store, "key:alice");

            assertThat(endpoint.client(new String[] {"2001:DB8:0:0::9"})).as("an address in the prefix").isNotNull()
                    .satisfies(state -> assertThat(((MemoryRateLimitStore.ClientState) state).client())
                            .isEqualTo("2001:db8::/64"));
            assertThat(endpoint.client(new String[] {"alice"})).as("the key a ClientKeyResolver returned")
                    .isNotNull().satisfies(state -> assertThat(((MemoryRateLimitStore.ClientState) state).client())
                            .isEqualTo("key:alice"));
            assertThat(endpoint.client(new String[] {"key:alice"})).as("the key as the filter keeps it").isNotNull();
            assertThat(endpoint.client(new String[] {"key:bob"})).isNull();
        });
    }

    @Test
    void listsTheExemptHandlers() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ratelimits")
                .withUserConfiguration(Mvc.class, StatusController.class).run(context -> {
                    assertThat(context).hasNotFailed();

                    Map<String, Object> policies = context.getBean(RateLimitsEndpoint.class).policies();

                    assertThat(policies.get("exemptHandlers"))
                            .isEqualTo(List.of(StatusController.class.getName() + ".status()"));
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    @RestController
    static class StatusController {
        @GetMapping("/status")
        @RateLimit.Exempt
        String status() {
            return "up";
        }
    }

    @Test
    void isOffUnlessExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(RateLimitsEndpoint.class));
    }

    private static void use(MemoryRateLimitStore store, String client) {
        Route route = new Route("/test", new RoutePolicy("test", List.of(io.ratestack.Limit.of(1,
                java.time.Duration.ofSeconds(1)).named("route"))));
        if (store.tryAcquire(client, route).result() instanceof Permit permit) {
            permit.close();
        }
    }
}
