package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review finding: {@code RateLimitSettings.withoutCredentials} masks user info with
 * {@code (?<=://)[^/?#]*@}, which matches nothing when the password holds a {@code /}, {@code ?} or {@code #}
 * (characters generated secrets often have, and which a hand-written URL does not escape). A rejected URL with such
 * a password is then echoed whole, password included, in the startup failure, which the previous fix meant to
 * prevent.
 */
class RedisUrlPasswordWithSlashInStartupErrorRegressionTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class));

    @Test
    void aRejectedUrlDoesNotShowAPasswordThatHoldsASlash() {
        runner.withPropertyValues("ratelimit.store=redis",
                "ratelimit.redis.url=redi://ratelimit:s3cret/pa55@redis.internal:6379/0").run(context -> {
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
