package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.web.RateLimitConfigurationException;
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
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.AbstractApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.web.client.RestClient;

/**
 * {@link RateLimitAutoConfiguration}: the properties classes bound (enums in relaxed forms, unknown keys and values
 * without a unit refused, naming the property), the clock, and the warning of a reactive application.
 */
class RateLimitAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class Builders {
        @Bean
        @org.springframework.context.annotation.Scope("prototype")
        RestClient.Builder restClientBuilder() {
            return RestClient.builder();
        }
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

    private void assertFails(String property, String origin, String value, String reason) {
        assertFails(runner.withPropertyValues(property), origin, value, reason);
    }

    static <R extends AbstractApplicationContextRunner<R, C, A>, C extends ConfigurableApplicationContext,
            A extends ApplicationContextAssertProvider<C>> void assertFails(AbstractApplicationContextRunner<R, C, A> runner,
            String origin, String value, String reason) {
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
            "ratelimit.client.targets.x.per-path.stacked[0].per=1s", "ratelimit.plans.x.global.limit=1",
            "ratelimit.plans.x.global.per=1s", "ratelimit.plans.x.global.stacked[0].limit=1",
            "ratelimit.plans.x.global.stacked[0].per=1s", "ratelimit.plans.x.per-route.limit=1",
            "ratelimit.plans.x.per-route.per=1s", "ratelimit.plans.x.per-route.stacked[0].limit=1",
            "ratelimit.plans.x.per-route.stacked[0].per=1s", "ratelimit.plans.x.routes[0].pattern=/a",
            "ratelimit.plans.x.routes[0].limit=1", "ratelimit.plans.x.routes[0].per=1s",
            "ratelimit.plans.x.routes[0].stacked[0].limit=1", "ratelimit.plans.x.routes[0].stacked[0].per=1s"};

    @Test
    void everyDurationKeyRefusesABareNumberAndMoreThan36500Days() {
        runner.withPropertyValues(EVERY_ELEMENT).run(context -> assertThat(context).hasNotFailed());
        List<String> durations = new ArrayList<>();
        durationKeys(PropertyKeys.ROOT, "ratelimit", durations);
        assertThat(durations).hasSize(54).contains("ratelimit.routes[0].stacked[0].reset-offset",
                "ratelimit.plans.x.routes[0].stacked[0].retry-after",
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
    void theStoreAndTheFailurePolicyBindAsEnumsInRelaxedForms() {
        for (String store : new String[] {"memory", "MEMORY", "Memory"}) {
            runner.withPropertyValues("ratelimit.store=" + store).run(context -> assertThat(context
                    .getBean(RateLimitProperties.class).getStore()).isEqualTo(RateLimitProperties.Store.MEMORY));
        }
        for (String store : new String[] {"redis", "REDIS", "Redis"}) {
            runner.withPropertyValues("ratelimit.store=" + store).run(context -> assertThat(context
                    .getBean(RateLimitProperties.class).getStore()).isEqualTo(RateLimitProperties.Store.REDIS));
        }
        runner.run(context -> assertThat(context.getBean(RateLimitRedisProperties.class).getOnFailure())
                .isEqualTo(RateLimitRedisProperties.FailurePolicy.FAIL_OPEN));
        String[][] policies = {{"fail-open", "FAIL_OPEN"}, {"FAIL_OPEN", "FAIL_OPEN"}, {"fail_open", "FAIL_OPEN"},
            {"fail-closed", "FAIL_CLOSED"}, {"Fail-Closed", "FAIL_CLOSED"}, {"fail_closed", "FAIL_CLOSED"},
            {"local", "LOCAL"}, {"LOCAL", "LOCAL"}};
        for (String[] policy : policies) {
            runner.withPropertyValues("ratelimit.redis.on-failure=" + policy[0]).run(context -> assertThat(context
                    .getBean(RateLimitRedisProperties.class).getOnFailure()).as(policy[0])
                    .isEqualTo(RateLimitRedisProperties.FailurePolicy.valueOf(policy[1])));
        }
    }

    @Test
    void aBadStoreOrFailurePolicyFailsStartupNamingThePropertyTheValueAndTheChoices() {
        assertThat(analyze("ratelimit.store=foo")).isEqualTo(String.format("Invalid rate limit configuration:%n%n"
                + "    Property: ratelimit.store%n    Value: foo%n"
                + "    Origin: \"ratelimit.store\" from property source \"test\"%n"
                + "    Reason: must be one of memory, redis%n"));
        assertThat(analyze("ratelimit.redis.on-failure=ignore")).contains("Property: ratelimit.redis.on-failure")
                .contains("Value: ignore").contains("Reason: must be one of fail-open, fail-closed, local");
    }

    @Test
    void unknownKeysOfEveryPropertiesClassFailStartupWithTheNearestValidKey() {
        assertThat(analyze("ratelimit.redis.urll=redis://a")).contains("Property: ratelimit.redis.urll")
                .contains("did you mean `ratelimit.redis.url`?");
        assertThat(analyze("ratelimit.clent.enabled=false")).contains("did you mean `ratelimit.client.enabled`?");
        assertThat(analyze("ratelimit.client.targets.x.base-uri=http://a"))
                .contains("did you mean `ratelimit.client.targets.x.base-url`?");
        assertThat(analyze("ratelimit.enabled[0]=true")).contains("Property: ratelimit.enabled[0]");
        assertThat(analyze("ratelimit.global.stacked[0].limit.more=1"))
                .contains("Property: ratelimit.global.stacked[0].limit.more");
    }

    @Test
    void aTypoOfAnyKeyOfAnyPropertiesClassFailsStartupNamingThatKey() {
        List<String> values = new ArrayList<>();
        valueKeys(PropertyKeys.ROOT, "ratelimit", values);
        assertThat(values).hasSizeGreaterThan(50).contains("ratelimit.redis.on-failure", "ratelimit.store",
                "ratelimit.client.targets.x.per-path.stacked[0].reset-offset", "ratelimit.routes[0].exempt");
        for (String key : values) {
            assertThat(analyze(key + "x=1")).as(key).contains("Property: " + key + "x%n".formatted())
                    .contains("did you mean `" + key + "`?");
        }
    }

    private static void valueKeys(PropertyKeys.Group group, String prefix, List<String> names) {
        for (PropertyKeys.Key key : group.keys().values()) {
            String name = prefix + "." + key.name();
            switch (key.kind()) {
                case VALUE -> names.add(name);
                case GROUP -> valueKeys(key.below(), name, names);
                case LIST -> valueKeys(key.below(), name + "[0]", names);
                case MAP -> valueKeys(key.below(), name + ".x", names);
            }
        }
    }

    @Test
    void everyKeyOfEveryPropertiesClassBinds() {
        runner.withPropertyValues(EVERY_ELEMENT).withPropertyValues("ratelimit.refund-statuses[0]=500",
                "ratelimit.refund-statuses[1]=5xx", "ratelimit.excluded-paths[0]=/health",
                "ratelimit.client.targets.x.refund-statuses[0]=503", "ratelimit.redis.url=redis://localhost",
                "ratelimit.redis.prefix=p:", "ratelimit.redis.lease=30s", "ratelimit.redis.command-timeout=1s",
                "ratelimit.redis.probe-interval=2s", "ratelimit.redis.on-failure=local",
                "ratelimit.redis.fail-closed-status=429", "ratelimit.client.enabled=true",
                "ratelimit.client.targets.x.key=host-and-path", "ratelimit.client.targets.x.honour-retry-after=false",
                "ratelimit.client.targets.x.maximum-keys=5", "ratelimit.store=memory", "ratelimit.route-key=path")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitRedisProperties redis = context.getBean(RateLimitRedisProperties.class);
                    assertThat(redis.getFailClosedStatus()).isEqualTo(429);
                    assertThat(redis.getLease()).hasSeconds(30);
                    RateLimitClientProperties client = context.getBean(RateLimitClientProperties.class);
                    assertThat(client.getTargets().get("x").getMaximumKeys()).isEqualTo(5);
                    assertThat(client.getTargets().get("x").getRefundStatuses()).containsExactly("503");
                    assertThat(context.getBean(RateLimitProperties.class).getRefundStatuses())
                            .containsExactly("500", "5xx");
                });
    }

    private String analyze(String... properties) {
        String[] description = new String[1];
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RateLimitFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            description[0] = analysis.getDescription();
        });
        return description[0];
    }
}
