package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratestack.Clock;
import io.ratestack.FakeClock;


import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RouteResolver;
import java.io.IOException;
import java.io.UncheckedIOException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

class RateLimitAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class, RateLimitClientAutoConfiguration.class));

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
                            .extracting(spec -> spec.name() + " " + spec.limit() + "/" + spec.per())
                            .containsExactly("global 10/PT10S", "global-2 1000/PT24H");
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

    @Configuration(proxyBeanMethods = false)
    static class Builders {
        @Bean
        @org.springframework.context.annotation.Scope("prototype")
        RestClient.Builder restClientBuilder() {
            return RestClient.builder();
        }
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
    @ExtendWith(OutputCaptureExtension.class)
    void aReactiveApplicationIsWarnedOnceThatNothingIsLimited(CapturedOutput output) {
        ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class));
        reactive.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class);
            assertThat(output.getAll().split("no HTTP request is rate limited", -1)).hasSize(2);
        });
        reactive.withPropertyValues("ratelimit.enabled=false").run(context ->
                assertThat(output.getAll().split("no HTTP request is rate limited", -1)).as("still one").hasSize(2));
        runner.run(context -> assertThat(output.getAll().split("no HTTP request is rate limited", -1))
                .as("a servlet application is not warned").hasSize(2));
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
                "per + reset-offset must be >= 0");
        assertFails("ratelimit.refund-statuses=500,abc", "ratelimit.refund-statuses[1]", "abc",
                "must be a status (500), a class (5xx) or a range (500-504)");
        assertFails("ratelimit.global.stacked[0].limit=0", "ratelimit.global.stacked[0].limit", "0", "must be > 0");
        assertFails("ratelimit.routes[0].limit=5", "ratelimit.routes[0].pattern", "null", "must be a path pattern");
        assertFails("ratelimit.excluded-paths=/a/**/b/**", "ratelimit.excluded-paths[0]", "/a/**/b/**",
                "is not a valid path pattern");
        assertFails("ratelimit.excluded-paths=/health,actuator/**", "ratelimit.excluded-paths[1]", "actuator/**",
                "must start with /, as the paths it is matched against do, e.g. /actuator/**");
        assertFails(runner.withPropertyValues("ratelimit.routes[0].pattern=test", "ratelimit.routes[0].limit=1",
                "ratelimit.routes[0].per=1s"), "ratelimit.routes[0].pattern", "test", "must start with /");
        assertFails(runner.withPropertyValues("ratelimit.routes[0].pattern=[", "ratelimit.routes[0].exempt=true"),
                "ratelimit.routes[0].pattern", "[", "must start with /");
        assertFails("ratelimit.cache.global.maximum-size=0", "ratelimit.cache.global.maximum-size", "0",
                "must be > 0");
        assertFails("ratelimit.client-key.ipv6-prefix-length=0", "ratelimit.client-key.ipv6-prefix-length", "0",
                "must be between 1 and 128");
        assertFails("ratelimit.global.name=\"quoted\"", "ratelimit.global.name", "\"quoted\"", "printable ASCII");
    }

    private void assertFails(String property, String origin, String value, String reason) {
        assertFails(runner.withPropertyValues(property), origin, value, reason);
    }

    static void assertFails(WebApplicationContextRunner runner, String origin, String value, String reason) {
        runner.run(context -> {
            assertThat(context).as(origin).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof RateLimitConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).as(origin).isInstanceOf(RateLimitConfigurationException.class);
            RateLimitConfigurationException failure = (RateLimitConfigurationException) cause;
            assertThat(failure.getOrigin()).isEqualTo(origin);
            assertThat(failure.getValue()).isEqualTo(value);
            assertThat(failure.getReason()).contains(reason);
        });
    }

    @Test
    void aDurationWithoutAUnitFailsStartupNamingThePropertyAndTheValue() {
        String reason = "needs a unit, such as 10s or 500ms (a bare number would be read as milliseconds)";
        assertFails("ratelimit.global.per=10", "ratelimit.global.per", "10", reason);
        assertFails("ratelimit.per-route.reset-offset=-5", "ratelimit.per-route.reset-offset", "-5", reason);
        assertFails(runner.withPropertyValues("ratelimit.global.stacked[0].limit=1",
                "ratelimit.global.stacked[0].per=1h", "ratelimit.global.stacked[1].limit=1",
                "ratelimit.global.stacked[1].per=86400000"), "ratelimit.global.stacked[1].per", "86400000", reason);
        assertFails("ratelimit.cache.per-route.expire-after-access=60000",
                "ratelimit.cache.per-route.expire-after-access", "60000", reason);
        assertFails("ratelimit.redis.lease=60000", "ratelimit.redis.lease", "60000", reason);
        assertFails("ratelimit.redis.command-timeout=250", "ratelimit.redis.command-timeout", "250", reason);
        assertFails("ratelimit.redis.probe-interval=1000", "ratelimit.redis.probe-interval", "1000", reason);
        assertFails(runner.withPropertyValues("ratelimit.routes[0].pattern=/a", "ratelimit.routes[0].limit=1",
                "ratelimit.routes[0].per=1000"), "ratelimit.routes[0].per", "1000", reason);
        assertFails(runner.withPropertyValues("ratelimit.client.targets.x.base-url=http://a",
                "ratelimit.client.targets.x.global.limit=1", "ratelimit.client.targets.x.global.per=1s",
                "ratelimit.client.targets.x.max-wait=30000"), "ratelimit.client.targets.x.max-wait", "30000", reason);
    }

    /** One of each list element and map value, so that every key exists once. */
    private static final String[] EVERY_ELEMENT = {"ratelimit.global.stacked[0].limit=1",
            "ratelimit.global.stacked[0].per=1s", "ratelimit.per-route.stacked[0].limit=1",
            "ratelimit.per-route.stacked[0].per=1s", "ratelimit.routes[0].pattern=/a", "ratelimit.routes[0].limit=1",
            "ratelimit.routes[0].per=1s", "ratelimit.routes[0].stacked[0].limit=1",
            "ratelimit.routes[0].stacked[0].per=1s", "ratelimit.client.targets.x.base-url=http://a",
            "ratelimit.client.targets.x.global.limit=1", "ratelimit.client.targets.x.global.per=1s",
            "ratelimit.client.targets.x.global.stacked[0].limit=1",
            "ratelimit.client.targets.x.global.stacked[0].per=1s", "ratelimit.client.targets.x.per-path.limit=1",
            "ratelimit.client.targets.x.per-path.per=1s", "ratelimit.client.targets.x.per-path.stacked[0].limit=1",
            "ratelimit.client.targets.x.per-path.stacked[0].per=1s"};

    @Test
    void everyDurationKeyRefusesABareNumberAndMoreThan36500Days() {
        runner.withPropertyValues(EVERY_ELEMENT).run(context -> assertThat(context).hasNotFailed());
        List<String> durations = new ArrayList<>();
        durationKeys(PropertyKeys.ROOT, "ratelimit", durations);
        assertThat(durations).hasSize(26).contains("ratelimit.routes[0].stacked[0].reset-offset",
                "ratelimit.client.targets.x.max-wait", "ratelimit.redis.probe-interval");

        for (String key : durations) {
            assertFails(runner.withPropertyValues(EVERY_ELEMENT).withPropertyValues(key + "=10"), key, "10",
                    "needs a unit");
            assertFails(runner.withPropertyValues(EVERY_ELEMENT).withPropertyValues(key + "=36501d"), key,
                    "36501d", "must be between -36500d and 36500d");
        }
    }

    private static void durationKeys(PropertyKeys.Group group, String prefix, List<String> names) {
        for (PropertyKeys.Key key : group.keys().values()) {
            String name = prefix + "." + key.name();
            switch (key.kind()) {
                case VALUE -> {
                    if (key.getter().getReturnType() == Duration.class) {
                        names.add(name);
                    }
                }
                case GROUP -> durationKeys(key.below(), name, names);
                case LIST -> durationKeys(key.below(), name + "[0]", names);
                case MAP -> durationKeys(key.below(), name + ".x", names);
            }
        }
    }

    @Test
    void aDurationWithoutAUnitFailsFromYamlTheCommandLineAndPlaceholders() {
        String reason = "needs a unit";
        assertFails(runner.withInitializer(context -> context.getEnvironment().getPropertySources()
                .addFirst(yaml("ratelimit:\n  global:\n    limit: 10\n    per: 10\n"))),
                "ratelimit.global.per", "10", reason); // YAML makes 10 an Integer
        assertFails(runner.withInitializer(context -> context.getEnvironment().getPropertySources()
                .addFirst(new SimpleCommandLinePropertySource("--ratelimit.global.per=10"))),
                "ratelimit.global.per", "10", reason);
        assertFails(runner.withPropertyValues("window=10", "ratelimit.global.per=${window}"),
                "ratelimit.global.per", "10", reason);
    }

    private static PropertySource<?> yaml(String text) {
        try {
            return new YamlPropertySourceLoader().load("application.yml", new ByteArrayResource(text.getBytes()))
                    .get(0);
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
    }

    @Test
    void durationsWithAUnitOrZeroBind() {
        runner.withUserConfiguration(OtherProperties.class)
                .withPropertyValues("ratelimit.global.per=10s", "ratelimit.global.reset-offset=0",
                        "ratelimit.per-route.per=PT0.5S", "ratelimit.redis.probe-interval=0", "other.timeout=10")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitProperties properties = context.getBean(RateLimitProperties.class);
                    assertThat(properties.getGlobal().getPer()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(properties.getGlobal().getResetOffset()).isZero();
                    assertThat(properties.getPerRoute().getPer()).isEqualTo(Duration.ofMillis(500));
                    assertThat(context.getBean(Other.class).getTimeout()).as("Spring Boot's rule outside ratelimit")
                            .isEqualTo(Duration.ofMillis(10));
                });
        runner.withInitializer(context -> context.getEnvironment().getPropertySources()
                .addFirst(yaml("ratelimit:\n  global:\n    per: 10s\n    reset-offset: 0\n")))
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(Other.class)
    static class OtherProperties {
    }

    @ConfigurationProperties("other")
    static class Other {
        private Duration timeout;

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    @Test
    void aDurationLongerThan36500DaysFailsStartupNamingThePropertyAndTheValue() {
        String reason = "must be between -36500d and 36500d (100 years)";
        assertFails("ratelimit.global.per=1000000d", "ratelimit.global.per", "1000000d", reason);
        assertFails("ratelimit.global.per=36501d", "ratelimit.global.per", "36501d", reason);
        assertFails("ratelimit.global.reset-offset=-36501d", "ratelimit.global.reset-offset", "-36501d", reason);
        assertFails("ratelimit.cache.global.expire-after-access=9999999d",
                "ratelimit.cache.global.expire-after-access", "9999999d", reason);
        assertFails("ratelimit.redis.lease=9999999d", "ratelimit.redis.lease", "9999999d", reason);
        assertFails(runner.withPropertyValues("ratelimit.client.targets.x.base-url=http://a",
                "ratelimit.client.targets.x.per-path.limit=1", "ratelimit.client.targets.x.per-path.per=9999999d"),
                "ratelimit.client.targets.x.per-path.per", "9999999d", reason);
    }

    @Test
    void aDurationOf36500DaysWorks() {
        runner.withUserConfiguration(Builders.class).withPropertyValues("ratelimit.global.per=36500d",
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
    void unknownKeysAndUnparsableValuesFailStartupNamingTheProperty() {
        runner.withPropertyValues("ratelimit.globall.limit=5").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("ratelimit.globall.limit");
        });
        runner.withPropertyValues("ratelimit.global.per=soon").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("ratelimit.global.per");
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
}
