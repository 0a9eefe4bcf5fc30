package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RouteResolver;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * {@link RateLimitServletAutoConfiguration}: the filter and its parts, backing off, the application's beans winning,
 * and the checks of {@code ratelimit.*} and of {@code @RateLimit} it makes at startup.
 */
class RateLimitServletAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class));

    @Test
    void headersCanNameEachLimitsPartitionHashed() {
        runner.withPropertyValues("ratelimit.headers.partition-key=true", "ratelimit.routes[0].pattern=/search/**",
                "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1m").run(context -> {
            String first = PlansConfigurationTest.call(context, "/search/x", null).getHeader("RateLimit");
            String other = PlansConfigurationTest.call(context, "/a", null).getHeader("RateLimit");
            java.util.regex.Matcher keys = java.util.regex.Pattern.compile("pk=(:[A-Za-z0-9+/=]{16}:)").matcher(
                    first + " " + other);
            java.util.List<String> found = new java.util.ArrayList<>();
            while (keys.find()) {
                found.add(keys.group(1));
            }
            assertThat(found).as("global, route; global, other route").hasSize(4);
            assertThat(found.get(0)).as("one client: one global partition").isEqualTo(found.get(2));
            assertThat(found.get(1)).as("each route its own").isNotEqualTo(found.get(3)).isNotEqualTo(found.get(0));
            assertThat(first).doesNotContain("127.0.0.1");
        });
        runner.run(context -> assertThat(PlansConfigurationTest.call(context, "/a", null).getHeader("RateLimit")).doesNotContain("pk="));
    }

    @Test
    void defaultsRegisterTheFilterWithANameAndAnOrder() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            FilterRegistrationBean<?> registration = context.getBean(FilterRegistrationBean.class);
            assertThat(registration.getFilter()).isInstanceOf(RateLimitFilter.class);
            assertThat(registration.getFilterName()).isEqualTo("rateLimitFilter");
            assertThat(registration.getOrder()).isEqualTo(-101);
            assertThat(context).hasSingleBean(MemoryRateLimitStore.class)
                    .hasSingleBean(MvcRouteResolver.class)
                    .hasSingleBean(RemoteAddressClientKeyResolver.class)
                    .hasSingleBean(ClientKeyResolver.class)
                    .hasSingleBean(Clock.class);
            assertThat(context.getBean(Clock.class)).isSameAs(Clock.system());
            RateLimitProperties properties = context.getBean(RateLimitProperties.class);
            assertThat(properties.getGlobal().getLimit()).isEqualTo(100);
            assertThat(properties.getPerRoute().getLimit()).isEqualTo(10);
            assertThat(properties.getRefundStatuses()).containsExactly("500");
        });
    }

    @Test
    void theTutorialsPropertiesBind() {
        runner.withPropertyValues("ratelimit.global.limit=10", "ratelimit.global.per=10s",
                "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.refund-statuses=500,5xx",
                "ratelimit.global.stacked[0].limit=1000", "ratelimit.global.stacked[0].per=1d",
                "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=3",
                "ratelimit.routes[0].per=1s", "ratelimit.excluded-paths=/actuator/**",
                "ratelimit.filter.order=5").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MemoryRateLimitStore.class).globalSpecs())
                            .containsExactly(Limit.of(10, Duration.ofSeconds(10)).named("global"),
                                    Limit.of(1000, Duration.ofDays(1)).named("global-2"));
                    assertThat(context.getBean(FilterRegistrationBean.class).getOrder()).isEqualTo(5);
                    assertThat(context.getBean(RateLimitSettings.class).describe()).as("the startup line, as YAML says it")
                            .startsWith("global 10 per 10s and 1000 per 1d, per route 1 per 1s, 1 route override(s)");
                });
    }

    @Test
    void disabledBacksOff() {
        runner.withPropertyValues("ratelimit.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(FilterRegistrationBean.class)
                    .doesNotHaveBean(MemoryRateLimitStore.class)
                    .doesNotHaveBean(MvcRouteResolver.class);
        });
    }

    @Test
    void backsOffWithoutSpringMvcOrCaffeine() {
        runner.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
                .run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
        runner.withClassLoader(new FilteredClassLoader(Caffeine.class))
                .run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void backsOffOutsideAServletWebApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
                    assertThat(context).hasSingleBean(Clock.class);
                });
    }

    @Test
    void theApplicationsBeansWin() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Clock.class)).isSameAs(OwnBeans.CLOCK);
            assertThat(context.getBean(RouteResolver.class)).isSameAs(OwnBeans.ROUTES);
            assertThat(context.getBean(ClientKeyResolver.class)).isSameAs(context.getBean("apiKeys"));
            assertThat(context).doesNotHaveBean(MvcRouteResolver.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        static final FakeClock CLOCK = new FakeClock();
        static final RouteResolver ROUTES = request -> Route.EXEMPT;

        @Bean
        Clock clock() {
            return CLOCK;
        }

        @Bean
        RouteResolver routes() {
            return ROUTES;
        }

        @Bean
        ClientKeyResolver apiKeys() {
            return request -> request.getHeader("X-Api-Key");
        }
    }

    @Test
    void badValuesFailStartupNamingThePropertyAndTheValue() {
        assertFails("ratelimit.global.limit=-1", "ratelimit.global.limit", "-1", "must be > 0");
        assertFails("ratelimit.global.limit=0", "ratelimit.global.limit", "0", "must be > 0");
        assertFails("ratelimit.per-route.limit=0", "ratelimit.per-route.limit", "0", "must be > 0");
        assertFails("ratelimit.global.per=0s", "ratelimit.global.per", "0s", "must be > 0");
        assertFails("ratelimit.per-route.per=-5s", "ratelimit.per-route.per", "-5s", "must be > 0");
        assertFails("ratelimit.global.reset-offset=-2m", "ratelimit.global.reset-offset", "-2m",
                "must be >= -per");
        assertFails("ratelimit.refund-statuses=500,abc", "ratelimit.refund-statuses[1]", "abc",
                "must be a status (500), a class (5xx) or a range (500-504)");
        assertFails("ratelimit.global.stacked[0].limit=0", "ratelimit.global.stacked[0].limit", "0", "must be > 0");
        assertFails("ratelimit.routes[0].limit=5", "ratelimit.routes[0].pattern", "null", "must be a path pattern");
        assertFails("ratelimit.excluded-paths=/a/**/b/**", "ratelimit.excluded-paths[0]", "/a/**/b/**",
                "is not a valid path pattern");
        assertFails("ratelimit.excluded-paths=/health,actuator/**", "ratelimit.excluded-paths[1]", "actuator/**",
                "must start with /, as the paths it is matched against do, e.g. /actuator/**");
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues("ratelimit.routes[0].pattern=test", "ratelimit.routes[0].limit=1",
                "ratelimit.routes[0].per=1s"), "ratelimit.routes[0].pattern", "test", "must start with /");
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues("ratelimit.routes[0].pattern=[", "ratelimit.routes[0].exempt=true"),
                "ratelimit.routes[0].pattern", "[", "must start with /");
        assertFails("ratelimit.cache.global.maximum-size=0", "ratelimit.cache.global.maximum-size", "0",
                "must be > 0");
        assertFails("ratelimit.client-key.ipv6-prefix-length=0", "ratelimit.client-key.ipv6-prefix-length", "0",
                "must be between 1 and 128");
        assertFails("ratelimit.global.name=\"quoted\"", "ratelimit.global.name", "\"quoted\"", "printable ASCII");
        assertFails("ratelimit.exempt-clients.addresses=10.0.0.0/8,10.0.0.1/8", "ratelimit.exempt-clients.addresses[1]",
                "10.0.0.1/8", "has bits set past its /8 prefix: the block is 10.0.0.0/8");
        assertFails("ratelimit.exempt-clients.addresses=internal.example.com",
                "ratelimit.exempt-clients.addresses[0]", "internal.example.com", "is not an IPv4 or IPv6 address");
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues("ratelimit.exempt-clients.keys[0]=a",
                "ratelimit.exempt-clients.keys[1]= "), "ratelimit.exempt-clients.keys[1]", "", "must not be blank");
    }

    private void assertFails(String property, String origin, String value, String reason) {
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues(property), origin, value, reason);
    }

    @Test
    void aDurationOf36500DaysWorks() {
        runner.withConfiguration(AutoConfigurations.of(RateLimitClientAutoConfiguration.class))
                .withUserConfiguration(RateLimitAutoConfigurationTest.Builders.class)
                .withPropertyValues("ratelimit.global.per=36500d",
                "ratelimit.global.reset-offset=36500d", "ratelimit.per-route.per=36500d",
                "ratelimit.cache.global.expire-after-access=36500d", "ratelimit.redis.lease=36500d",
                "ratelimit.client.targets.x.base-url=http://a", "ratelimit.client.targets.x.per-path.limit=1",
                "ratelimit.client.targets.x.per-path.per=36500d", "ratelimit.client.targets.x.max-wait=36500d")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class)
                            .getFilter();
                    for (int i = 0; i < 11; i++) {
                        MockHttpServletResponse response = new MockHttpServletResponse();
                        filter.doFilter(new MockHttpServletRequest("GET", "/a"), response, new MockFilterChain());
                        assertThat(response.getStatus()).isEqualTo(i < 10 ? 200 : 429);
                    }
                });
    }

    @Test
    void aBadAnnotationFailsStartupNamingTheMethod() {
        runner.withUserConfiguration(Mvc.class, BadController.class).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof RateLimitConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOf(RateLimitConfigurationException.class);
            RateLimitConfigurationException failure = (RateLimitConfigurationException) cause;
            assertThat(failure.getOrigin()).isEqualTo("@RateLimit on " + BadController.class.getName() + ".zero");
            assertThat(failure.getValue()).isEqualTo("limit = 0");
            assertThat(failure.getReason()).isEqualTo("limit must be > 0");
        });
        runner.withUserConfiguration(Mvc.class, UnparsableController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining(
                    "@RateLimit on " + UnparsableController.class.getName() + ".soon = per = \"soon\": per must be a"
                            + " duration such as 10s, 500ms or PT10S");
        });
    }

    @Test
    void anAnnotationPeriodWithoutAUnitOrTooLongFailsStartupNamingTheMethod() {
        runner.withUserConfiguration(Mvc.class, UnitlessController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("@RateLimit on "
                    + UnitlessController.class.getName() + ".bare = per = \"10\": per needs a unit, such as 10s or"
                    + " 500ms (a bare number would be read as milliseconds)");
        });
        runner.withUserConfiguration(Mvc.class, EndlessController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("@RateLimit on "
                    + EndlessController.class.getName() + ".endless = per = \"1000000d\": per must be between"
                    + " -36500d and 36500d (100 years)");
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    @RestController
    static class UnitlessController {
        @GetMapping("/bare")
        @RateLimit(limit = 1, per = "10")
        String bare() {
            return "never";
        }
    }

    @RestController
    static class EndlessController {
        @GetMapping("/endless")
        @RateLimit(limit = 1, per = "1000000d")
        String endless() {
            return "never";
        }
    }

    @RestController
    static class BadController {
        @GetMapping("/zero")
        @RateLimit(limit = 0, per = "1s")
        String zero() {
            return "never";
        }
    }

    @RestController
    static class UnparsableController {
        @GetMapping("/soon")
        @RateLimit(limit = 1, per = "soon")
        String soon() {
            return "never";
        }
    }

    @Test
    void theInMemoryStoreBeanIsNamedForItsType() {
        runner.run(context -> assertThat(context).hasNotFailed().getBean("memoryRateLimitStore")
                .isInstanceOf(MemoryRateLimitStore.class));
    }

    @Test
    void aCoreRuleBrokenDeepInAStackedLimitNamesTheExactProperty() {
        WebApplicationContextRunner routes = runner.withPropertyValues("ratelimit.routes[0].pattern=/a/**",
                "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1s", "ratelimit.routes[1].pattern=/b/**",
                "ratelimit.routes[1].exempt=true", "ratelimit.routes[2].pattern=/c/**", "ratelimit.routes[2].limit=5",
                "ratelimit.routes[2].per=1s", "ratelimit.routes[2].stacked[0].limit=100",
                "ratelimit.routes[2].stacked[0].per=1m");
        RateLimitAutoConfigurationTest.assertFails(
                routes.withPropertyValues("ratelimit.routes[2].stacked[0].reset-offset=-2m"),
                "ratelimit.routes[2].stacked[0].reset-offset", "-2m", "must be >= -per, so that no window is negative");
        RateLimitAutoConfigurationTest.assertFails(routes.withPropertyValues("ratelimit.routes[2].stacked[0].per=0s"),
                "ratelimit.routes[2].stacked[0].per", "0s", "must be > 0");
        RateLimitAutoConfigurationTest.assertFails(routes.withPropertyValues("ratelimit.routes[2].stacked[0].limit=-3"),
                "ratelimit.routes[2].stacked[0].limit", "-3", "must be > 0");
        RateLimitAutoConfigurationTest.assertFails(
                routes.withPropertyValues("ratelimit.routes[2].stacked[0].name=back\\slash"),
                "ratelimit.routes[2].stacked[0].name", "back\\slash",
                "must be printable ASCII without quotes or backslashes");
        // The documented format: <property> = <value>: <reason>.
        runner.withPropertyValues("ratelimit.global.per=0s").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("ratelimit.global.per = 0s: must be > 0"));
    }

    @Test
    void aCoreRuleBrokenOnAnAnnotationNamesTheMethodAndTheAttribute() {
        runner.withUserConfiguration(Mvc.class, OffsetController.class).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof RateLimitConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOfSatisfying(RateLimitConfigurationException.class, failure -> {
                assertThat(failure.getOrigin()).isEqualTo("@RateLimit on " + OffsetController.class.getName()
                        + ".shifted");
                assertThat(failure.getValue()).isEqualTo("resetOffset = \"-2s\"");
                assertThat(failure.getReason())
                        .isEqualTo("resetOffset must be >= -per, so that no window is negative");
            });
        });
        runner.withUserConfiguration(Mvc.class, QuotedNameController.class).run(context -> assertThat(context)
                .hasFailed().getFailure().hasStackTraceContaining("@RateLimit on "
                        + QuotedNameController.class.getName() + ".quoted = name = \"a\"b\": name must be printable"
                        + " ASCII without quotes or backslashes"));
    }

    @RestController
    static class OffsetController {
        @GetMapping("/shifted")
        @RateLimit(limit = 1, per = "1s", resetOffset = "-2s")
        String shifted() {
            return "never";
        }
    }

    @RestController
    static class QuotedNameController {
        @GetMapping("/quoted")
        @RateLimit(limit = 1, per = "1s", name = "a\"b")
        String quoted() {
            return "never";
        }
    }
}
