package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.web.Mode;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RoutePolicy;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code mode: shadow}: every limit, or a route policy's, counts and observes without refusing. */
class ShadowModeConfigurationTest {

    private final FakeClock clock = new FakeClock();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock)
            .withPropertyValues("ratelimit.global.limit=3", "ratelimit.global.per=1m",
                    "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1m");

    @Test
    void shadowModeForEveryLimitRefusesNothing() throws Exception {
        runner.withPropertyValues("ratelimit.mode=shadow").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(RateLimitSettings.class).describe()).startsWith("in shadow mode");
            for (int i = 0; i < 10; i++) {
                assertThat(status(context, "/a")).isEqualTo(200);
            }
        });
    }

    @Test
    void aRoutesShadowModeObservesItsLimitsAndKeepsTheGlobalOnes() throws Exception {
        runner.withPropertyValues("ratelimit.routes[0].pattern=/new/**", "ratelimit.routes[0].limit=1",
                "ratelimit.routes[0].per=1m", "ratelimit.routes[0].mode=shadow").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitSettings settings = context.getBean(RateLimitSettings.class);
                    assertThat(settings.perRoute.mode()).isEqualTo(Mode.ENFORCE);
                    assertThat(Objects.requireNonNull(settings.overrides.get(0).policy()).mode())
                            .isEqualTo(Mode.SHADOW);
                    assertThat(new int[] {status(context, "/new/x"), status(context, "/new/x"),
                            status(context, "/new/x"), status(context, "/new/x")})
                            .as("the route's 1 per minute observed, the global 3 per minute enforced")
                            .containsExactly(200, 200, 200, 429);
                });
        runner.withPropertyValues("ratelimit.per-route.mode=shadow").run(context -> {
            assertThat(status(context, "/a")).isEqualTo(200);
            assertThat(status(context, "/a")).as("1 per minute, observed").isEqualTo(200);
        });
    }

    @Test
    void anAnnotationPutsItsHandlerInShadowMode() {
        runner.withUserConfiguration(LimitAlgorithmsConfigurationTest.Mvc.class, TrialController.class)
                .run(context -> assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies().values())
                        .extracting(RoutePolicy::mode).containsExactly(Mode.SHADOW));
    }

    private static int status(ApplicationContext context, String path) throws Exception {
        RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("GET", path), response, new MockFilterChain());
        return response.getStatus();
    }

    @RestController
    static class TrialController {
        @GetMapping("/trial")
        @RateLimit(limit = 10, per = "1s", mode = Mode.SHADOW)
        @RateLimit(limit = 100, per = "1h")
        String trial() {
            return "ok";
        }
    }
}
