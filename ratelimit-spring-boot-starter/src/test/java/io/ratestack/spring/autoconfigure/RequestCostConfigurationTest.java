package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RequestCost;
import io.ratestack.spring.web.RoutePolicy;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Objects;
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

/** What a request costs: a route's fixed cost in YAML or {@code @RateLimit}, a bean's, or the handler's real one. */
class RequestCostConfigurationTest {

    private final FakeClock clock = new FakeClock();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock)
            .withPropertyValues("ratelimit.global.limit=100", "ratelimit.global.per=1m",
                    "ratelimit.per-route.limit=10", "ratelimit.per-route.per=1m");

    @Test
    void aRoutesCostIsTakenFromEveryLimitItUses() throws Exception {
        runner.withPropertyValues("ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=10",
                "ratelimit.routes[0].per=1m", "ratelimit.routes[0].cost=4").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(Objects.requireNonNull(context.getBean(RateLimitSettings.class).overrides.get(0)
                            .policy()).cost()).isEqualTo(4);
                    assertThat(call(context, "/search/a", null).getHeader("RateLimit")).as("no window yet: it starts"
                            + " when the first use completes").isEqualTo("\"global\";r=96, \"route\";r=6");
                    assertThat(call(context, "/search/a", null).getStatus()).isEqualTo(200);
                    MockHttpServletResponse refused = call(context, "/search/a", null);
                    assertThat(refused.getStatus()).as("2 left, 4 asked").isEqualTo(429);
                    assertThat(refused.getHeader("RateLimit")).isEqualTo("\"global\";r=92;t=60, \"route\";r=2;t=60");
                    assertThat(refused.getContentAsString()).as("2 left refuse a cost of 4")
                            .contains("\"violated-policies\":[\"route\"]");
                    assertThat(call(context, "/other", null).getHeader("RateLimit"))
                            .as("a route without a cost of its own costs 1")
                            .isEqualTo("\"global\";r=91;t=60, \"route\";r=9");
                });
    }

    @Test
    void aHandlerSettlesItsRequestsRealCost() throws Exception {
        runner.withPropertyValues("ratelimit.per-route.cost=5").run(context -> {
            assertThat(context).hasNotFailed();
            call(context, "/report", 1); // took 5, settled 1
            assertThat(call(context, "/report", null).getHeader("RateLimit"))
                    .isEqualTo("\"global\";r=94;t=60, \"route\";r=4;t=60");
        });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aRequestCostBeanComputesEachRequestsCostAndAFailingOneFallsBackToTheRoutes(CapturedOutput output)
            throws Exception {
        runner.withBean(RequestCost.class, () -> (request, route) -> {
            String batch = request.getHeader("X-Batch");
            if ("boom".equals(batch)) {
                throw new IllegalStateException("no batch size");
            }
            return batch == null ? 1 : Integer.parseInt(batch);
        }).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(call(context, "/batch", null, "7").getHeader("RateLimit"))
                    .isEqualTo("\"global\";r=93, \"route\";r=3");
            assertThat(call(context, "/batch", null, "0").getHeader("RateLimit")).as("below 1: the route's cost")
                    .isEqualTo("\"global\";r=92;t=60, \"route\";r=2;t=60");
            for (int i = 0; i < 2; i++) {
                call(context, "/other-" + i, null, "boom");
            }
            assertThat(output).containsOnlyOnce("no batch size").contains("cost must be >= 1 but was 0");
        });
    }

    @Test
    void aComputedCostAboveWhatTheLimitsAdmitIsTakenAsThatMost() throws Exception {
        runner.withBean(RequestCost.class, () -> (request, route) -> 1000).run(context -> {
            MockHttpServletResponse admitted = call(context, "/a", null);
            assertThat(admitted.getStatus()).isEqualTo(200);
            assertThat(admitted.getHeader("RateLimit")).isEqualTo("\"global\";r=90, \"route\";r=0");
        });
    }

    @Test
    void aCostNoLimitCouldAdmitFailsStartupNamingTheProperty() {
        assertFails("ratelimit.per-route.cost", "0", "must be > 0", "ratelimit.per-route.cost=0");
        assertFails("ratelimit.per-route.cost", "11", "must be <= 10, the most that limit 'route' admits at once",
                "ratelimit.per-route.cost=11");
        assertFails("ratelimit.routes[0].cost", "101", "must be <= 100, the most that global limit 'global' admits",
                "ratelimit.routes[0].pattern=/a", "ratelimit.routes[0].limit=1000", "ratelimit.routes[0].per=1m",
                "ratelimit.routes[0].cost=101");
    }

    private void assertFails(String origin, String value, String reason, String... properties) {
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues(properties), origin, value, reason);
    }

    @Test
    void annotationsGiveTheirHandlersCost() {
        runner.withUserConfiguration(LimitAlgorithmsConfigurationTest.Mvc.class, CostlyController.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies().values())
                            .extracting(RoutePolicy::cost).containsExactly(3);
                });
        LimitAlgorithmsConfigurationTest.assertAnnotationFails(runner, TwoCostsController.class, "two", "cost = 2",
                "cost is the request's: every @RateLimit of one handler gives the same");
        LimitAlgorithmsConfigurationTest.assertAnnotationFails(runner, PricierThanGlobalController.class, "pricy",
                "cost = 200", "cost must be <= 100, the most that global limit 'global'");
    }


    private static MockHttpServletResponse call(ApplicationContext context, String path, Integer actualCost)
            throws Exception {
        return call(context, path, actualCost, null);
    }

    private static MockHttpServletResponse call(ApplicationContext context, String path, Integer actualCost,
            String batch) throws Exception {
        RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
        MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
        if (batch != null) {
            request.addHeader("X-Batch", batch);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> {
            if (actualCost != null) {
                req.setAttribute(RequestCost.ACTUAL_COST_ATTRIBUTE, actualCost);
            }
            ((HttpServletResponse) res).setStatus(200);
        });
        return response;
    }

    @RestController
    static class CostlyController {
        @GetMapping("/costly")
        @RateLimit(limit = 10, per = "1s", cost = 3)
        @RateLimit(limit = 100, per = "1h")
        String costly() {
            return "paid";
        }
    }

    @RestController
    static class TwoCostsController {
        @GetMapping("/two")
        @RateLimit(limit = 10, per = "1s", cost = 3)
        @RateLimit(limit = 100, per = "1h", cost = 2)
        String two() {
            return "never";
        }
    }

    @RestController
    static class PricierThanGlobalController {
        @GetMapping("/pricy")
        @RateLimit(limit = 1000, per = "1s", cost = 200)
        String pricy() {
            return "never";
        }
    }
}
