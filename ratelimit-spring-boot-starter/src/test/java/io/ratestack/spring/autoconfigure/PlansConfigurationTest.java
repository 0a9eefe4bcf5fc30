package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitFilter;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Plans: named sets of limits, and a {@link PlanResolver} that puts each request's client on one. */
class PlansConfigurationTest {

    private final FakeClock clock = new FakeClock();

    /** The plan is what the trusted header says. */
    private static final PlanResolver BY_HEADER = request -> request.getHeader("X-Plan");

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock)
            .withPropertyValues("ratelimit.global.limit=100", "ratelimit.global.per=1m",
                    "ratelimit.per-route.limit=2", "ratelimit.per-route.per=1m",
                    "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=1",
                    "ratelimit.routes[0].per=1m");

    @Test
    void aPlansLimitsApplyToItsClientsAndTheTopLevelOnesToEveryOther() {
        runner.withBean(PlanResolver.class, () -> BY_HEADER)
                .withPropertyValues("ratelimit.plans.pro.global.limit=1000", "ratelimit.plans.pro.global.per=1m",
                        "ratelimit.plans.pro.per-route.limit=20", "ratelimit.plans.pro.per-route.per=1m",
                        "ratelimit.plans.internal.routes[0].pattern=/search/**",
                        "ratelimit.plans.internal.routes[0].exempt=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(call(context, "/a", null).getHeader("RateLimit"))
                            .isEqualTo("\"global\";r=99, \"route\";r=1");
                    assertThat(call(context, "/a", "pro").getHeader("RateLimit"))
                            .as("the same client on another plan: that plan's limiters")
                            .isEqualTo("\"global\";r=999, \"route\";r=19");
                    assertThat(call(context, "/search/x", "pro").getHeader("RateLimit"))
                            .as("a route the plan does not set: the top level's")
                            .isEqualTo("\"global\";r=998;t=60, \"route\";r=0");
                    assertThat(call(context, "/a", "internal").getHeader("RateLimit"))
                            .as("the global and per-route limits it does not set: the top level's")
                            .isEqualTo("\"global\";r=98;t=60, \"route\";r=0;t=60");
                    for (int i = 0; i < 3; i++) {
                        MockHttpServletResponse search = call(context, "/search/x", "internal");
                        assertThat(search.getStatus()).isEqualTo(200);
                        assertThat(search.getHeader("RateLimit")).as("exempt in that plan").isNull();
                    }
                    assertThat(call(context, "/search/x", null).getStatus()).isEqualTo(200);
                    assertThat(call(context, "/search/x", null).getStatus()).isEqualTo(429);
                });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aNameThatIsNoPlanAndAFailingResolverPutTheRequestOnTheDefaultPlanAtOneLinePerCause(CapturedOutput output) {
        runner.withBean(PlanResolver.class, () -> request -> {
            if ("boom".equals(request.getHeader("X-Plan"))) {
                throw new IllegalStateException("account store down");
            }
            return request.getHeader("X-Plan");
        }).withPropertyValues("ratelimit.plans.pro.per-route.limit=20", "ratelimit.plans.pro.per-route.per=1m")
                .run(context -> {
                    assertThat(call(context, "/a", "platinum").getHeader("RateLimit")).contains("\"route\";r=1");
                    assertThat(call(context, "/a", "boom").getHeader("RateLimit")).contains("\"route\";r=0");
                    assertThat(call(context, "/a", "platinum").getStatus()).isEqualTo(429);
                    assertThat(call(context, "/a", "boom").getStatus()).isEqualTo(429);
                    assertThat(output).containsOnlyOnce("the PlanResolver named a plan that is not one of [pro]")
                            .containsOnlyOnce("account store down");
                });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void plansWithoutAPlanResolverAreSaidToServeNoOne(CapturedOutput output) {
        runner.withPropertyValues("ratelimit.plans.pro.per-route.limit=20", "ratelimit.plans.pro.per-route.per=1m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(call(context, "/a", "pro").getHeader("RateLimit")).contains("\"route\";r=1");
                    assertThat(output).contains("ratelimit.plans names [pro] but no PlanResolver bean");
                });
    }

    @Test
    void requestsAreCountedByPlanAndTheEndpointListsThePlans() {
        runner.withConfiguration(AutoConfigurations.of(RateLimitMetricsAutoConfiguration.class,
                        RateLimitEndpointAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(PlanResolver.class, () -> BY_HEADER)
                .withPropertyValues("management.endpoints.web.exposure.include=ratelimits",
                        "ratelimit.plans.pro.global.limit=1000", "ratelimit.plans.pro.global.per=1m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    call(context, "/a", "pro");
                    call(context, "/a", null);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBean("rateLimitCacheMetrics", MeterBinder.class).bindTo(registry);
                    assertThat(registry.get("ratelimit.requests").tag("plan", "pro").tag("outcome", "admitted")
                            .counter().count()).isEqualTo(1);
                    assertThat(registry.get("ratelimit.requests").tag("plan", "default").tag("outcome", "admitted")
                            .counter().count()).isEqualTo(1);
                    assertThat(registry.get("ratelimit.clients").tag("cache", "global").gauge().value())
                            .as("the client once in each plan's store").isEqualTo(2);
                    Map<String, Object> policies = context.getBean(RateLimitsEndpoint.class).policies();
                    assertThat(policies.get("plans")).asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsOnlyKeys("pro").extractingByKey("pro")
                            .asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsKeys("global", "perRoute", "routes", "caches");
                    assertThat(context.getBean(RateLimitsEndpoint.class).client(new String[] {"127.0.0.1"}))
                            .as("the client's limiters in each plan's store").asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsOnlyKeys("default", "pro");
                });
    }

    @Test
    void badPlansFailStartupNamingTheProperty() {
        assertFails("ratelimit.plans.default", "default", "is the plan of the top-level limits",
                "ratelimit.plans.default.per-route.limit=1", "ratelimit.plans.default.per-route.per=1s");
        assertFails("ratelimit.plans", "gold plan", "a plan's name must be 1 to 64 letters, digits",
                "ratelimit.plans[gold plan].per-route.limit=1", "ratelimit.plans[gold plan].per-route.per=1s");
        assertFails("ratelimit.plans", "pro.eu", "a plan's name must be 1 to 64 letters, digits, '_' or '-'",
                "ratelimit.plans[pro.eu].per-route.limit=1", "ratelimit.plans[pro.eu].per-route.per=1s");
        assertFails("ratelimit.plans.pro.global.per", "null", "must be set", "ratelimit.plans.pro.global.limit=5");
        assertFails("ratelimit.plans.pro.per-route.limit", "0", "must be > 0",
                "ratelimit.plans.pro.per-route.limit=0", "ratelimit.plans.pro.per-route.per=1s");
        assertFails("ratelimit.plans.pro.routes[0].pattern", "search", "must start with /",
                "ratelimit.plans.pro.routes[0].pattern=search", "ratelimit.plans.pro.routes[0].exempt=true");
        assertFails("ratelimit.routes[0].cost", "6", "must be <= 5, the most that global limit 'global' admits"
                        + " at once: no request could pass it (in plan pro)",
                "ratelimit.routes[0].cost=6", "ratelimit.routes[0].limit=10", "ratelimit.plans.pro.global.limit=5",
                "ratelimit.plans.pro.global.per=1m");
        runner.withPropertyValues("ratelimit.plans.pro.globl.limit=5").run(context -> {
            assertThat(context).hasFailed();
            assertThat(new RateLimitFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                    .contains("ratelimit.plans.pro.globl.limit", "did you mean `ratelimit.plans.pro.global.limit`?");
        });
    }

    @Test
    void anAnnotatedCostThatAPlansGlobalLimitsCouldNeverAdmitFailsStartupNamingThePlan() {
        LimitAlgorithmsConfigurationTest.assertAnnotationFails(
                runner.withPropertyValues("ratelimit.plans.free.global.limit=5", "ratelimit.plans.free.global.per=1m"),
                CostlyController.class, "costly", "cost = 8",
                "cost must be <= 5, the most that global limit 'global' admits at once: no request could pass it"
                        + " (in plan free)");
    }

    private void assertFails(String origin, String value, String reason, String... properties) {
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues(properties), origin, value, reason);
    }

    static MockHttpServletResponse call(ApplicationContext context, String path, String plan) throws Exception {
        RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
        MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
        if (plan != null) {
            request.addHeader("X-Plan", plan);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> ((HttpServletResponse) res).setStatus(200));
        return response;
    }

    @RestController
    static class CostlyController {
        @GetMapping("/costly")
        @RateLimit(limit = 10, per = "1s", cost = 8)
        String costly() {
            return "paid";
        }
    }
}
