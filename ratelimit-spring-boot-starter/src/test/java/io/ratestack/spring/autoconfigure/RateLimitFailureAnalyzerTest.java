package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.web.RateLimitConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

class RateLimitFailureAnalyzerTest {

    private final RateLimitFailureAnalyzer analyzer = new RateLimitFailureAnalyzer();

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
    void isRegisteredForSpringBootToFind() throws Exception {
        String factories = new String(getClass().getResourceAsStream("/META-INF/spring.factories").readAllBytes());

        assertThat(factories).contains("org.springframework.boot.diagnostics.FailureAnalyzer")
                .contains(RateLimitFailureAnalyzer.class.getName());
    }
}
