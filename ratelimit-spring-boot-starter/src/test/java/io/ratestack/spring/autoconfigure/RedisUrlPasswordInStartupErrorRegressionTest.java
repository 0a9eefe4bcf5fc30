package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review finding: a rejected {@code ratelimit.redis.url} (or {@code spring.data.redis.url}) is echoed whole in the
 * startup failure ({@code RateLimitConfigurationException}'s message and the failure analysis), with the password
 * of its user-info: {@code RateLimitSettings.redis} and {@code RateLimitRedisConnection.parse} pass the raw URL as
 * the value. Startup failures go to the logs; the secret should be masked as the connection's address already is.
 * A second review found the mask missed passwords holding {@code /}, {@code ?} or {@code #}.
 */
class RedisUrlPasswordInStartupErrorRegressionTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class));

    @ParameterizedTest
    @ValueSource(strings = {"redi://ratelimit:s3cret-pa55@redis.internal:6379/0",
        "redi://ratelimit:s3cret/pa55@redis.internal:6379/0", "redi://ratelimit:s3cret?pa55#x@redis.internal:6379"})
    void aRejectedUrlDoesNotPutItsPasswordInTheStartupFailure(String url) {
        runner.withPropertyValues("ratelimit.store=redis",
                "ratelimit.redis.url=" + url).run(context -> {
                    assertThat(context).hasFailed();
                    StringWriter trace = new StringWriter();
                    context.getStartupFailure().printStackTrace(new PrintWriter(trace));
                    FailureAnalysis analysis = new RateLimitFailureAnalyzer().analyze(context.getStartupFailure());
                    String shown = trace + (analysis == null ? ""
                            : analysis.getDescription() + analysis.getAction());
                    assertThat(shown).contains("ratelimit.redis.url").doesNotContain("s3cret");
                });
    }
}
