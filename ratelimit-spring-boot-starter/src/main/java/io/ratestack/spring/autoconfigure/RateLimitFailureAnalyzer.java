package io.ratestack.spring.autoconfigure;

import io.ratestack.spring.web.RateLimitConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a {@link RateLimitConfigurationException} at startup: which property or method, which value, why. */
public class RateLimitFailureAnalyzer extends AbstractFailureAnalyzer<RateLimitConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RateLimitConfigurationException cause) {
        String description = String.format("Invalid rate limit configuration:%n%n    %s: %s%n    Value: %s%n    "
                        + "Reason: %s%n", cause.getOrigin().startsWith("@") ? "Annotation" : "Property",
                cause.getOrigin(), cause.getValue(), cause.getReason());
        String action = cause.getOrigin().startsWith("@")
                ? "Fix the @RateLimit annotation named above."
                : "Update " + cause.getOrigin() + " in your application's configuration (application.yml or"
                        + " application.properties).";
        return new FailureAnalysis(description, action, cause);
    }
}
