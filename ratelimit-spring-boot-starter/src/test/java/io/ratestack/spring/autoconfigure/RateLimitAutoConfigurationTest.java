package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.client.PacedTargets;
import io.ratestack.spring.client.RateLimitingInterceptor;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RateLimiterStore;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RouteResolver;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
            assertThat(context).hasSingleBean(RateLimiterStore.class)
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
                    assertThat(context.getBean(RateLimiterStore.class).globalSpecs())
                            .extracting(spec -> spec.name() + " " + spec.limit() + "/" + spec.per())
                            .containsExactly("global 10/PT10S", "global-2 1000/PT24H");
                    assertThat(context.getBean(FilterRegistrationBean.class).getOrder()).isEqualTo(5);
                    assertThat(context.getBean(RateLimitSettings.class).describe()).as("the startup line, as YAML says it")
                            .startsWith("global 10 per 10s and 1000 per 1d, per route 1 per 1s, 1 route override(s)");
                });
    }

    @Test
    void durationsAreWrittenInTheirLargestExactUnit() {
        assertThat(java.util.stream.Stream.of(Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(90),
                Duration.ofMinutes(1), Duration.ofHours(24), Duration.ofMillis(1500), Duration.ofSeconds(-5),
                Duration.ofNanos(1500), Duration.ofNanos(7)).map(RateLimitSettings::format))
                .containsExactly("0s", "10s", "90s", "1m", "1d", "1500ms", "-5s", "1500ns", "7ns");
    }

    @Test
    void disabledBacksOff() {
        runner.withPropertyValues("ratelimit.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(FilterRegistrationBean.class)
                    .doesNotHaveBean(RateLimiterStore.class)
                    .doesNotHaveBean(MvcRouteResolver.class);
        });
    }

    @Test
    void clientTargetsPaceEveryRestClientBuilder() {
        runner.withUserConfiguration(Builders.class)
                .withPropertyValues("ratelimit.client.targets.tutorial.base-url=http://localhost:8000",
                        "ratelimit.client.targets.tutorial.global.limit=10",
                        "ratelimit.client.targets.tutorial.global.per=10s",
                        "ratelimit.client.targets.tutorial.per-path.limit=1",
                        "ratelimit.client.targets.tutorial.per-path.per=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PacedTargets targets = context.getBean(PacedTargets.class);
                    assertThat(targets.targets()).singleElement()
                            .satisfies(target -> assertThat(target.name()).isEqualTo("tutorial"));
                    assertThat(targets.find(URI.create("http://localhost:8000/test"))).isNotNull();
                    assertThat(targets.find(URI.create("http://localhost:9000/test"))).isNull();
                    RestClient.Builder builder = context.getBean(RestClient.Builder.class);
                    builder.requestInterceptors(interceptors -> assertThat(interceptors)
                            .hasExactlyElementsOfTypes(RateLimitingInterceptor.class));
                });
    }

    @Test
    void withoutTargetsNothingIsPaced() {
        runner.withUserConfiguration(Builders.class).run(context -> {
            assertThat(context.getBean(PacedTargets.class).isEmpty()).isTrue();
            context.getBean(RestClient.Builder.class)
                    .requestInterceptors(interceptors -> assertThat(interceptors).isEmpty());
        });
        runner.withUserConfiguration(Builders.class)
                .withPropertyValues("ratelimit.client.enabled=false",
                        "ratelimit.client.targets.x.base-url=http://a", "ratelimit.client.targets.x.global.limit=1",
                        "ratelimit.client.targets.x.global.per=1s")
                .run(context -> assertThat(context).doesNotHaveBean(PacedTargets.class));
    }

    @Test
    void badClientTargetsFailStartupNamingTheProperty() {
        assertFails("ratelimit.client.targets.x.base-url=http://a", "ratelimit.client.targets.x", "x",
                "needs limits");
        runner.withPropertyValues("ratelimit.client.targets.x.global.limit=1", "ratelimit.client.targets.x.global.per=1s")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                        "ratelimit.client.targets.x.base-url = null: must be an absolute URL"));
        runner.withPropertyValues("ratelimit.client.targets.x.base-url=http://a",
                "ratelimit.client.targets.x.per-path.limit=0", "ratelimit.client.targets.x.per-path.per=1s")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                        "ratelimit.client.targets.x.per-path.limit = 0: must be > 0"));
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
        assertFails("ratelimit.global.per=0s", "ratelimit.global.per", "PT0S", "must be > 0");
        assertFails("ratelimit.per-route.per=-5s", "ratelimit.per-route.per", "PT-5S", "must be > 0");
        assertFails("ratelimit.global.reset-offset=-2m", "ratelimit.global.reset-offset", "PT-2M",
                "per + reset-offset must be >= 0");
        assertFails("ratelimit.refund-statuses=500,abc", "ratelimit.refund-statuses[1]", "abc",
                "must be a status (500), a class (5xx) or a range (500-504)");
        assertFails("ratelimit.global.stacked[0].limit=0", "ratelimit.global.stacked[0].limit", "0", "must be > 0");
        assertFails("ratelimit.routes[0].limit=5", "ratelimit.routes[0].pattern", "null", "must be a path pattern");
        assertFails("ratelimit.excluded-paths=/a/**/b/**", "ratelimit.excluded-paths[0]", "/a/**/b/**",
                "is not a valid path pattern");
        assertFails("ratelimit.cache.global.maximum-size=0", "ratelimit.cache.global.maximum-size", "0",
                "must be > 0");
        assertFails("ratelimit.client-key.ipv6-prefix-length=0", "ratelimit.client-key.ipv6-prefix-length", "0",
                "must be between 1 and 128");
        assertFails("ratelimit.global.name=\"quoted\"", "ratelimit.global.name", "\"quoted\"", "printable ASCII");
    }

    private void assertFails(String property, String origin, String value, String reason) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).as(property).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof RateLimitConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).as(property).isInstanceOf(RateLimitConfigurationException.class);
            RateLimitConfigurationException failure = (RateLimitConfigurationException) cause;
            assertThat(failure.getOrigin()).isEqualTo(origin);
            assertThat(failure.getValue()).isEqualTo(value);
            assertThat(failure.getReason()).contains(reason);
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

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
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
