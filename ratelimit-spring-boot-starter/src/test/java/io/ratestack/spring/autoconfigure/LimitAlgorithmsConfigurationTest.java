package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.spring.web.Algorithm;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** Every limit in YAML and in {@code @RateLimit} names its algorithm and that algorithm's terms. */
class LimitAlgorithmsConfigurationTest {

    private final FakeClock clock = new FakeClock();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock);

    @Test
    void eachAlgorithmsKeysMakeItsTermsInEveryScope() {
        runner.withPropertyValues(
                "ratelimit.global.algorithm=concurrency", "ratelimit.global.limit=5",
                "ratelimit.global.stacked[0].algorithm=sliding-window", "ratelimit.global.stacked[0].limit=100",
                "ratelimit.global.stacked[0].per=1m",
                "ratelimit.per-route.algorithm=token-bucket", "ratelimit.per-route.limit=1",
                "ratelimit.per-route.per=1s", "ratelimit.per-route.capacity=10",
                "ratelimit.per-route.stacked[0].algorithm=token-bucket", "ratelimit.per-route.stacked[0].limit=100",
                "ratelimit.per-route.stacked[0].per=1h", "ratelimit.per-route.stacked[0].refill=interval",
                "ratelimit.per-route.stacked[0].initial-tokens=0",
                "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].algorithm=gcra",
                "ratelimit.routes[0].limit=10", "ratelimit.routes[0].per=1s", "ratelimit.routes[0].burst=3",
                "ratelimit.routes[1].pattern=/download/**", "ratelimit.routes[1].algorithm=concurrency",
                "ratelimit.routes[1].limit=2", "ratelimit.routes[1].retry-after=5s",
                "ratelimit.routes[2].pattern=/legacy/**", "ratelimit.routes[2].limit=3",
                "ratelimit.routes[2].per=1s", "ratelimit.routes[2].reset-offset=100ms").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MemoryRateLimitStore.class).globalSpecs()).containsExactly(
                            new LimitSpec.Concurrency(5, Duration.ofSeconds(1), "global"),
                            LimitSpec.SlidingWindow.of(100, Duration.ofMinutes(1)).named("global-2"));
                    RateLimitSettings settings = context.getBean(RateLimitSettings.class);
                    assertThat(settings.perRoute.limits()).containsExactly(
                            LimitSpec.TokenBucket.of(10, 1, Duration.ofSeconds(1)).named("route"),
                            LimitSpec.TokenBucket.of(100, 100, Duration.ofHours(1)).intervalRefill()
                                    .withInitialTokens(0).named("route-2"));
                    assertThat(policies(settings)).containsExactly(
                            List.of(LimitSpec.Gcra.of(10, Duration.ofSeconds(1), 3).named("route")),
                            List.of(new LimitSpec.Concurrency(2, Duration.ofSeconds(5), "route")),
                            List.of(new Limit(3, Duration.ofSeconds(1), Duration.ofMillis(100), "route")));
                    assertThat(settings.describe()).startsWith("global 5 in flight and sliding window 100 per 1m,"
                            + " per route token bucket of 10, 1 per 1s and token bucket of 100, 100 per 1h at once");
                });
    }

    @Test
    void todaysKeysStillMakeTimesPerLimits() {
        runner.withPropertyValues("ratelimit.per-route.limit=2", "ratelimit.per-route.per=5s").run(context -> {
            assertThat(context.getBean(RateLimitSettings.class).perRoute.limits())
                    .containsExactly(Limit.of(2, Duration.ofSeconds(5)).named("route"));
            assertThat(context.getBean(MemoryRateLimitStore.class).globalSpecs())
                    .containsExactly(Limit.of(100, Duration.ofMinutes(1)).named("global"));
        });
    }

    @Test
    void defaultsOfEachAlgorithmComeFromItsLimit() {
        runner.withPropertyValues("ratelimit.per-route.algorithm=gcra", "ratelimit.per-route.limit=4",
                "ratelimit.per-route.per=2s", "ratelimit.global.algorithm=token-bucket", "ratelimit.global.limit=7",
                "ratelimit.global.per=1m").run(context -> {
                    assertThat(context.getBean(RateLimitSettings.class).perRoute.limits())
                            .containsExactly(LimitSpec.Gcra.of(4, Duration.ofSeconds(2), 4).named("route"));
                    assertThat(context.getBean(MemoryRateLimitStore.class).globalSpecs())
                            .containsExactly(LimitSpec.TokenBucket.of(7, 7, Duration.ofMinutes(1)).named("global"));
                });
    }

    @Test
    void aKeyOfAnotherAlgorithmOrABadTermFailsStartupNamingTheProperty() {
        assertFails("ratelimit.per-route.burst", "5", "applies only to algorithm gcra, not to times-per",
                "ratelimit.per-route.burst=5");
        assertFails("ratelimit.per-route.burst", "5", "applies only to algorithm gcra, not to token-bucket",
                "ratelimit.per-route.algorithm=token-bucket", "ratelimit.per-route.burst=5");
        assertFails("ratelimit.routes[0].stacked[0].capacity", "3", "applies only to algorithm token-bucket",
                "ratelimit.routes[0].pattern=/a", "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1s",
                "ratelimit.routes[0].stacked[0].algorithm=gcra", "ratelimit.routes[0].stacked[0].limit=1",
                "ratelimit.routes[0].stacked[0].per=1s", "ratelimit.routes[0].stacked[0].capacity=3");
        assertFails("ratelimit.global.refill", "interval", "applies only to algorithm token-bucket",
                "ratelimit.global.algorithm=sliding-window", "ratelimit.global.refill=interval");
        assertFails("ratelimit.global.reset-offset", "1s", "applies only to algorithm times-per, not to gcra",
                "ratelimit.global.algorithm=gcra", "ratelimit.global.reset-offset=1s");
        assertFails("ratelimit.global.retry-after", "2s", "applies only to algorithm concurrency",
                "ratelimit.global.retry-after=2s");
        assertFails("ratelimit.per-route.per", "1s", "does not apply to algorithm concurrency",
                "ratelimit.per-route.algorithm=concurrency", "ratelimit.per-route.per=1s");
        assertFails("ratelimit.per-route.capacity", "0", "must be > 0",
                "ratelimit.per-route.algorithm=token-bucket", "ratelimit.per-route.capacity=0");
        assertFails("ratelimit.per-route.initial-tokens", "11", "must be >= 0 and <= 10",
                "ratelimit.per-route.algorithm=token-bucket", "ratelimit.per-route.capacity=10",
                "ratelimit.per-route.initial-tokens=11");
        assertFails("ratelimit.global.burst", "0", "must be > 0", "ratelimit.global.algorithm=gcra",
                "ratelimit.global.burst=0");
        assertFails("ratelimit.global.limit", "0", "must be > 0", "ratelimit.global.algorithm=concurrency",
                "ratelimit.global.limit=0");
        assertFails("ratelimit.global.stacked[0].per", "null", "must be set",
                "ratelimit.global.stacked[0].algorithm=sliding-window", "ratelimit.global.stacked[0].limit=5");
        assertFails("ratelimit.global.retry-after", "0s", "must be > 0", "ratelimit.global.algorithm=concurrency",
                "ratelimit.global.retry-after=0s");
    }

    private void assertFails(String origin, String value, String reason, String... properties) {
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues(properties), origin, value, reason);
    }

    @Test
    void aTokenBucketAdmitsItsCapacityThenOneTokenPerPeriodWithItsHeaders() throws Exception {
        runner.withPropertyValues("ratelimit.global.limit=1000", "ratelimit.per-route.algorithm=token-bucket",
                "ratelimit.per-route.limit=1", "ratelimit.per-route.per=2s", "ratelimit.per-route.capacity=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    for (int i = 0; i < 3; i++) {
                        MockHttpServletResponse admitted = call(context, "/a");
                        assertThat(admitted.getStatus()).isEqualTo(200);
                        assertThat(admitted.getHeader("RateLimit-Policy"))
                                .isEqualTo("\"global\";q=1000;w=60, \"route\";q=3;w=6");
                        assertThat(admitted.getHeader("RateLimit")).endsWith("\"route\";r=" + (2 - i) + ";t="
                                + (2 * (i + 1)));
                    }
                    MockHttpServletResponse refused = call(context, "/a");
                    assertThat(refused.getStatus()).isEqualTo(429);
                    assertThat(refused.getHeader("Retry-After")).isEqualTo("2");
                    assertThat(refused.getContentAsString()).contains("\"violated-policies\":[\"route\"]");
                    clock.advance(Duration.ofSeconds(2));
                    assertThat(call(context, "/a").getStatus()).isEqualTo(200);
                    assertThat(call(context, "/a").getStatus()).isEqualTo(429);
                });
    }

    @Test
    void aConcurrencyLimitCountsRequestsInFlightAndSaysSoInItsPolicy() throws Exception {
        runner.withPropertyValues("ratelimit.global.algorithm=concurrency", "ratelimit.global.limit=1",
                "ratelimit.per-route.limit=100", "ratelimit.per-route.per=1s").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = filter(context);
                    MockHttpServletResponse[] inside = new MockHttpServletResponse[1];
                    MockHttpServletResponse outer = new MockHttpServletResponse();
                    filter.doFilter(request("/a"), outer, (request, response) -> {
                        inside[0] = new MockHttpServletResponse();
                        filter.doFilter(request("/a"), inside[0], new MockFilterChain());
                    });
                    assertThat(outer.getStatus()).isEqualTo(200);
                    assertThat(outer.getHeader("RateLimit-Policy"))
                            .startsWith("\"global\";q=1;qu=\"concurrent-requests\", \"route\";q=100;w=1");
                    assertThat(inside[0].getStatus()).as("a second request while the first is in flight")
                            .isEqualTo(429);
                    assertThat(inside[0].getHeader("Retry-After")).isEqualTo("1");
                    assertThat(call(context, "/a").getStatus()).as("once the first has ended").isEqualTo(200);
                });
    }

    @Test
    void annotationsNameTheirAlgorithmAndTerms() {
        runner.withUserConfiguration(Mvc.class, AlgorithmsController.class).run(context -> {
            assertThat(context).hasNotFailed();
            MvcRouteResolver routes = context.getBean(MvcRouteResolver.class);
            assertThat(routes.annotatedPolicies().values()).extracting(RoutePolicy::limits).containsExactlyInAnyOrder(
                    List.of(LimitSpec.TokenBucket.of(10, 1, Duration.ofSeconds(1)).named("route"),
                            new LimitSpec.Concurrency(2, Duration.ofSeconds(3), "in-flight")),
                    List.of(LimitSpec.Gcra.of(5, Duration.ofSeconds(1), 2).named("route"),
                            LimitSpec.SlidingWindow.of(100, Duration.ofHours(1)).named("route-2")));
        });
    }

    @Test
    void aBadAnnotationAttributeFailsStartupNamingTheMethodAndTheAttribute() {
        assertAnnotationFails(MixedUpController.class, "mixed", "burst = 4",
                "burst applies only to algorithm gcra, not to token-bucket");
        assertAnnotationFails(EmptyBucketController.class, "empty", "capacity = 0", "capacity must be > 0");
        assertAnnotationFails(OverfullBucketController.class, "overfull", "initialTokens = 6",
                "initialTokens must be >= 0 and <= 5");
        assertAnnotationFails(NoPeriodController.class, "noPeriod", "per = \"\"", "per must be set");
        assertAnnotationFails(TimedConcurrencyController.class, "timed", "per = \"1s\"",
                "per does not apply to algorithm concurrency");
    }

    private void assertAnnotationFails(Class<?> controller, String method, String value, String reason) {
        assertAnnotationFails(runner, controller, method, value, reason);
    }

    /** Asserts that {@code controller}'s handler {@code method} fails startup, naming it, the attribute and why. */
    static void assertAnnotationFails(WebApplicationContextRunner runner, Class<?> controller, String method,
            String value, String reason) {
        runner.withUserConfiguration(Mvc.class, controller).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof RateLimitConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOf(RateLimitConfigurationException.class);
            RateLimitConfigurationException failure = (RateLimitConfigurationException) cause;
            assertThat(failure.getOrigin()).isEqualTo("@RateLimit on " + controller.getName() + "." + method);
            assertThat(failure.getValue()).isEqualTo(value);
            assertThat(failure.getReason()).startsWith(reason);
        });
    }

    private static List<List<LimitSpec>> policies(RateLimitSettings settings) {
        return settings.overrides.stream().map(override -> java.util.Objects.requireNonNull(override.policy()).limits()).toList();
    }

    private static RateLimitFilter filter(ApplicationContext context) {
        return (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
    }

    private static MockHttpServletRequest request(String path) {
        return new MockHttpServletRequest("GET", path);
    }

    private static MockHttpServletResponse call(ApplicationContext context, String path) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter(context).doFilter(request(path), response, new MockFilterChain());
        return response;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    @RestController
    static class AlgorithmsController {
        @GetMapping("/upload")
        @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "1s", capacity = 10)
        @RateLimit(algorithm = Algorithm.CONCURRENCY, limit = 2, retryAfter = "3s", name = "in-flight")
        String upload() {
            return "stored";
        }

        @GetMapping("/search")
        @RateLimit(algorithm = Algorithm.GCRA, limit = 5, per = "1s", burst = 2)
        @RateLimit(algorithm = Algorithm.SLIDING_WINDOW, limit = 100, per = "1h")
        String search() {
            return "found";
        }
    }

    @RestController
    static class MixedUpController {
        @GetMapping("/mixed")
        @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "1s", burst = 4)
        String mixed() {
            return "never";
        }
    }

    @RestController
    static class EmptyBucketController {
        @GetMapping("/empty")
        @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "1s", capacity = 0)
        String empty() {
            return "never";
        }
    }

    @RestController
    static class OverfullBucketController {
        @GetMapping("/overfull")
        @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "1s", capacity = 5, initialTokens = 6)
        String overfull() {
            return "never";
        }
    }

    @RestController
    static class NoPeriodController {
        @GetMapping("/no-period")
        @RateLimit(algorithm = Algorithm.SLIDING_WINDOW, limit = 1)
        String noPeriod() {
            return "never";
        }
    }

    @RestController
    static class TimedConcurrencyController {
        @GetMapping("/timed")
        @RateLimit(algorithm = Algorithm.CONCURRENCY, limit = 1, per = "1s")
        String timed() {
            return "never";
        }
    }
}
