package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.spring.web.RateLimitConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

class RateLimitFailureAnalyzerTest {

    private final RateLimitFailureAnalyzer analyzer = new RateLimitFailureAnalyzer();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));

    @Test
    void namesThePropertyTheValueAndTheReason() {
        RateLimitConfigurationException cause =
                new RateLimitConfigurationException("ratelimit.global.limit", "-1", "must be > 0");

        FailureAnalysis analysis = analyzer.analyze(new BeanCreationException("rateLimitSettings", "failed", cause));

        assertThat(analysis.getDescription()).isEqualTo(String.format("Invalid rate limit configuration:%n%n"
                + "    Property: ratelimit.global.limit%n    Value: -1%n    Reason: must be > 0%n"));
        assertThat(analysis.getAction()).contains("ratelimit.global.limit").contains("application.yml");
        assertThat(analysis.getCause()).isSameAs(cause);
    }

    @Test
    void namesTheAnnotatedMethod() {
        RateLimitConfigurationException cause = new RateLimitConfigurationException(
                "@RateLimit on com.example.Api.search", "", "limit must be > 0 but was 0");

        FailureAnalysis analysis = analyzer.analyze(cause);

        assertThat(analysis.getDescription()).contains("Annotation: @RateLimit on com.example.Api.search")
                .contains("Reason: limit must be > 0 but was 0");
        assertThat(analysis.getAction()).contains("@RateLimit");
    }

    @Test
    void aValueRefusedWhileBindingIsNamedWithWhereItWasSet() {
        assertThat(describe("ratelimit.global.per=10")).isEqualTo(String.format("Invalid rate limit configuration:%n%n"
                + "    Property: ratelimit.global.per%n    Value: 10%n"
                + "    Origin: \"ratelimit.global.per\" from property source \"test\"%n"
                + "    Reason: needs a unit, such as 10s or 500ms (a bare number would be read as milliseconds)%n"));
    }

    @Test
    void anUnknownKeyIsNamedWithTheNearestValidKey() {
        FailureAnalysis analysis = analyze("ratelimit.globall.limit=5");

        assertThat(analysis.getDescription()).isEqualTo(String.format("Invalid rate limit configuration:%n%n"
                + "    Property: ratelimit.globall.limit%n    Value: 5%n"
                + "    Origin: \"ratelimit.globall.limit\" from property source \"test\"%n"
                + "    Reason: is not a rate limit property; did you mean `ratelimit.global.limit`?%n"));
        assertThat(analysis.getAction()).isEqualTo("Update ratelimit.globall.limit in your application's"
                + " configuration (application.yml or application.properties).");
    }

    @Test
    void anUnknownKeyInAListOrAMapKeepsItsIndexOrName() {
        assertThat(describe("ratelimit.routes[0].patern=/a", "ratelimit.routes[0].exempt=true"))
                .contains("did you mean `ratelimit.routes[0].pattern`?");
        assertThat(describe("ratelimit.per-route.stacked[0].limt=5", "ratelimit.per-route.stacked[0].per=1m"))
                .contains("did you mean `ratelimit.per-route.stacked[0].limit`?");
        assertThat(describe("ratelimit.client.targets.billing.base-uri=http://a",
                "ratelimit.client.targets.billing.global.limit=1", "ratelimit.client.targets.billing.global.per=1s"))
                .contains("did you mean `ratelimit.client.targets.billing.base-url`?");
        assertThat(describe("ratelimit.client.target.billing.base-url=http://a"))
                .contains("did you mean `ratelimit.client.targets.billing.base-url`?");
        assertThat(describe("ratelimit.redis.url.host=localhost"))
                .contains("did you mean `ratelimit.redis.url`?");
    }

    @Test
    void everyUnknownKeyIsNamed() {
        FailureAnalysis analysis = analyze("ratelimit.per-rout.limit=5", "ratelimit.exclude-paths=/a",
                "ratelimit.global.limit=5");

        assertThat(analysis.getDescription())
                .contains("Property: ratelimit.exclude-paths%n    Value: /a%n".formatted())
                .contains("did you mean `ratelimit.excluded-paths`?")
                .contains("Property: ratelimit.per-rout.limit%n    Value: 5%n".formatted())
                .contains("did you mean `ratelimit.per-route.limit`?")
                .doesNotContain("Property: ratelimit.global.limit");
        assertThat(analysis.getAction()).startsWith("Update the properties named above");
    }

    @Test
    void anUnknownKeyWithNothingCloseListsTheKeysWhereItStoppedMatching() {
        assertThat(describe("ratelimit.global.quota=5")).contains("Reason: is not a rate limit property; the keys"
                + " under ratelimit.global are algorithm, burst, capacity, initial-tokens, limit, name, per, refill,"
                + " reset-offset, retry-after, stacked");
        assertThat(describe("ratelimit.routes[0].exempt=true", "ratelimit.routes[0].pattern=/a",
                "ratelimit.routes[0].methods=GET")).contains("the keys under ratelimit.routes[0] are algorithm, burst,"
                        + " capacity, cost, exempt, initial-tokens, limit, max-wait, mode, name, pattern, per, refill,"
                        + " reset-offset, retry-after, stacked");
        assertThat(describe("ratelimit.client.targets.x.base-url=http://a", "ratelimit.client.targets.x.global.burst=5"))
                .as("a paced scope is times-per: it has no other algorithm's keys")
                .contains("the keys under ratelimit.client.targets.x.global are limit, name, per, reset-offset,"
                        + " stacked");
    }

    @Test
    void aValueOfTheWrongTypeIsExplained() {
        assertThat(describe("ratelimit.route-key=patern"))
                .contains("Property: ratelimit.route-key%n    Value: patern%n".formatted())
                .contains("Reason: must be one of pattern, path");
        assertThat(describe("ratelimit.enabled=yes-please")).contains("Reason: must be true or false");
        assertThat(describe("ratelimit.per-route.algorithm=bucket"))
                .contains("Reason: must be one of times-per, token-bucket, gcra, sliding-window, concurrency");
        assertThat(describe("ratelimit.per-route.refill=slowly")).contains("Reason: must be one of greedy, interval");
        assertThat(describe("ratelimit.mode=dry-run")).contains("Reason: must be one of enforce, shadow");
        assertThat(describe("ratelimit.global.limit=ten")).contains("Reason: must be a whole number from");
        assertThat(describe("ratelimit.global.per=soon"))
                .contains("Reason: must be a duration such as 10s, 500ms or PT10S");
        assertThat(describe("ratelimit.client.targets.x.key=hots"))
                .contains("Reason: must be one of path, host-and-path");
        assertThat(describe("ratelimit.global=5")).contains("Property: ratelimit.global%n".formatted())
                .contains("Reason: takes no value of its own, only the keys below it: algorithm, burst, capacity,"
                        + " initial-tokens, limit, name, per, refill, reset-offset, retry-after, stacked");
        assertThat(describe("ratelimit.problem.type=a b")).contains("Reason: must be a URI: ")
                .contains("Illegal character in path at index 1");
    }

    @Test
    void failuresOutsideRateLimitingAreLeftToSpringBoot() {
        new ApplicationContextRunner().withUserConfiguration(RateLimitAutoConfigurationTest.OtherProperties.class)
                .withPropertyValues("other.timeout=soon")
                .run(context -> assertThat(analyzer.analyze(context.getStartupFailure())).isNull());
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void springBootReportsTheAnalysisInsteadOfItsBindingDump(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "ratelimit.globall.limit=5").run())
                .isNotNull();

        assertThat(output).contains("Invalid rate limit configuration:")
                .contains("did you mean `ratelimit.global.limit`?").doesNotContain("Bindable@");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RateLimitAutoConfiguration.class)
    static class Application {
    }

    @Test
    void isRegisteredForSpringBootToFind() throws Exception {
        String factories = new String(getClass().getResourceAsStream("/META-INF/spring.factories").readAllBytes());

        assertThat(factories).contains("org.springframework.boot.diagnostics.FailureAnalyzer")
                .contains(RateLimitFailureAnalyzer.class.getName());
    }

    private String describe(String... properties) {
        return analyze(properties).getDescription();
    }

    private FailureAnalysis analyze(String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            analysis[0] = analyzer.analyze(context.getStartupFailure());
        });
        assertThat(analysis[0]).as("an analysis").isNotNull();
        return analysis[0];
    }
}
