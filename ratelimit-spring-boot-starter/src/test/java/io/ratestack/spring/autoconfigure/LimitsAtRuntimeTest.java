package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.Limit;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import io.ratestack.spring.web.RouteResolver;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.core.env.MapPropertySource;

/** Limits that change while the application runs: {@link RateLimitRefresher} and Spring Cloud's refresh events. */
@ExtendWith(OutputCaptureExtension.class)
class LimitsAtRuntimeTest {

    private final FakeClock clock = new FakeClock();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock)
            .withBean(PlanResolver.class, () -> request -> request.getHeader("X-Plan"))
            .withPropertyValues("ratelimit.global.limit=100", "ratelimit.global.per=1m",
                    "ratelimit.per-route.limit=2", "ratelimit.per-route.per=1m",
                    "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=3",
                    "ratelimit.routes[0].per=1m");

    @Test
    void newLimitsApplyToNextRequestsAndUnchangedLimitsKeepTheirClientsState() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(header(context, "/a", null)).isEqualTo("\"global\";r=99, \"route\";r=1");
            assertThat(header(context, "/search/x", null)).isEqualTo("\"global\";r=98;t=60, \"route\";r=2");

            context.getBean(RateLimitRefresher.class).set(Map.of("ratelimit.per-route.limit", "5"));

            assertThat(header(context, "/a", null)).as("a changed limit: afresh")
                    .isEqualTo("\"global\";r=97;t=60, \"route\";r=4");
            assertThat(header(context, "/search/x", null)).as("unchanged global and route limits: their state kept")
                    .isEqualTo("\"global\";r=96;t=60, \"route\";r=1;t=60");
        });
    }

    @Test
    void changedGlobalLimitsStartTheirClientsAfreshAndPlansComeAndGo() {
        runner.run(context -> {
            assertThat(header(context, "/a", null)).isEqualTo("\"global\";r=99, \"route\";r=1");
            RateLimitRefresher refresher = context.getBean(RateLimitRefresher.class);
            refresher.set(Map.of("ratelimit.global.limit", "50", "ratelimit.plans.pro.per-route.limit", "20",
                    "ratelimit.plans.pro.per-route.per", "1m"));
            assertThat(header(context, "/a", null)).isEqualTo("\"global\";r=49, \"route\";r=1");
            assertThat(header(context, "/a", "pro")).as("the top level's global limits: one count whatever the plan")
                    .isEqualTo("\"global\";r=48;t=60, \"route\";r=19");
            assertThat(refresher.limits().plans()).containsOnlyKeys("default", "pro");
            assertThat(refresher.memoryStores()).hasSize(1).first().isNotSameAs(context.getBean(MemoryRateLimitStore.class));

            Map<String, Object> removed = new HashMap<>();
            removed.put("ratelimit.plans.pro.per-route.limit", null);
            removed.put("ratelimit.plans.pro.per-route.per", null);
            refresher.set(removed);
            assertThat(refresher.limits().plans()).containsOnlyKeys("default");
            assertThat(header(context, "/a", "pro")).as("no such plan now: the default one").startsWith("\"global\";r=47");
        });
    }

    @Test
    void anInvalidChangeIsRejectedNamingThePropertyAndTheLimitsInForceStay(CapturedOutput output) {
        runner.run(context -> {
            RateLimitRefresher refresher = context.getBean(RateLimitRefresher.class);
            assertThatThrownBy(() -> refresher.set(Map.of("ratelimit.per-route.limit", "0")))
                    .isInstanceOfSatisfying(RateLimitConfigurationException.class, bad -> {
                        assertThat(bad.getOrigin()).isEqualTo("ratelimit.per-route.limit");
                        assertThat(bad.getValue()).isEqualTo("0");
                    });
            assertThatThrownBy(() -> refresher.set(Map.of("ratelimit.per-route.per", "10")))
                    .isInstanceOfSatisfying(RateLimitConfigurationException.class, bad ->
                            assertThat(bad.getReason()).contains("needs a unit"));
            assertThatThrownBy(() -> refresher.set(Map.of("ratelimit.per-rout.limit", "5")))
                    .isInstanceOfSatisfying(RateLimitConfigurationException.class, bad ->
                            assertThat(bad.getReason()).contains("did you mean `ratelimit.per-route.limit`?"));
            assertThatThrownBy(() -> refresher.set(Map.of("server.port", "1")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server.port");
            assertThat(output).contains("Rate limits not changed: the refreshed configuration is invalid, so the"
                    + " limits in force stay: ratelimit.per-route.limit = 0: must be > 0");
            assertThat(header(context, "/a", null)).isEqualTo("\"global\";r=99, \"route\";r=1");
            assertThat(context.getEnvironment().getPropertySources().contains(RateLimitRefresher.PROPERTY_SOURCE_NAME))
                    .as("nothing set").isFalse();

            refresher.set(Map.of("ratelimit.per-route.limit", "4"));
            assertThat(header(context, "/b", null)).as("the next valid change, without the rejected ones")
                    .isEqualTo("\"global\";r=98;t=60, \"route\";r=3");
        });
    }

    @Test
    void aPropertyReadAtStartupOnlyIsKeptAndNamed(CapturedOutput output) {
        runner.run(context -> {
            context.getBean(RateLimitRefresher.class).set(Map.of("ratelimit.cache.global.maximum-size", "5",
                    "ratelimit.route-key", "path"));
            assertThat(output).contains("Rate limit properties read at startup only changed and are kept as they were"
                    + " until a restart: ratelimit.cache, ratelimit.route-key");
        });
    }

    @Test
    void springCloudsRefreshEventAppliesTheEnvironmentAsItNowIs(CapturedOutput output) {
        runner.withPropertyValues("ratelimit.per-route.limit=2").run(context -> {
            Map<String, Object> changed = new HashMap<>(Map.of("ratelimit.per-route.limit", "7"));
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("config-server", changed));
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("ratelimit.per-route.limit")));
            assertThat(header(context, "/a", null)).isEqualTo("\"global\";r=99, \"route\";r=6");

            changed.put("ratelimit.per-route.limit", "-1");
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("ratelimit.per-route.limit")));
            assertThat(output).contains("ratelimit.per-route.limit = -1: must be > 0");
            assertThat(header(context, "/a", null)).as("rejected: the limits in force stay")
                    .isEqualTo("\"global\";r=98;t=60, \"route\";r=5;t=60");

            changed.put("ratelimit.per-route.limit", "1");
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("server.port")));
            assertThat(header(context, "/a", null)).as("not a rate limit key: nothing read")
                    .startsWith("\"global\";r=97;t=60, \"route\";r=4");
        });
    }

    @Test
    void anApplicationsOwnStoreAndRouteResolverServeTheDefaultPlanAndRefreshesKeepThem() {
        MemoryRateLimitStore own = new MemoryRateLimitStore(clock, List.of(Limit.of(1000, Duration.ofHours(1))
                .named("hourly")), new MemoryRateLimitStore.CacheBounds(10, Duration.ZERO),
                new MemoryRateLimitStore.CacheBounds(10, Duration.ZERO));
        RoutePolicy everything = new RoutePolicy("own", List.of(Limit.of(3, Duration.ofMinutes(1)).named("route")));
        runner.withBean(RateLimitStore.class, () -> own)
                .withBean(RouteResolver.class, () -> request -> new Route("/all", everything)).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(PlansConfigurationTest.call(context, "/a", null).getHeader("RateLimit-Policy"))
                            .as("the application's store, whatever ratelimit.global says")
                            .isEqualTo("\"hourly\";q=1000;w=3600, \"route\";q=3;w=60");
                    RateLimitRefresher refresher = context.getBean(RateLimitRefresher.class);
                    refresher.set(Map.of("ratelimit.exempt-clients.addresses", "192.0.2.0/24"));
                    assertThat(header(context, "/a", null)).as("kept, with its clients' state")
                            .isEqualTo("\"hourly\";r=998;t=3600, \"route\";r=1;t=60");
                    assertThatThrownBy(() -> refresher.set(Map.of("ratelimit.plans.pro.per-route.limit", "9",
                            "ratelimit.plans.pro.per-route.per", "1s")))
                            .isInstanceOfSatisfying(RateLimitConfigurationException.class, bad -> {
                                assertThat(bad.getOrigin()).isEqualTo("ratelimit.plans.pro.per-route");
                                assertThat(bad.getReason()).contains("the application's RouteResolver");
                            });
                    refresher.set(Map.of("ratelimit.global.limit", "5"));
                    assertThat(header(context, "/a", null)).as("configured global limits now: a store of them")
                            .isEqualTo("\"global\";r=4, \"route\";r=2");
                });
    }

    private static String header(org.springframework.context.ApplicationContext context, String path, String plan)
            throws Exception {
        return PlansConfigurationTest.call(context, path, plan).getHeader("RateLimit");
    }
}
