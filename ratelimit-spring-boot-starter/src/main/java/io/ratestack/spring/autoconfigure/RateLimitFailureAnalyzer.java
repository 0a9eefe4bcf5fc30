package io.ratestack.spring.autoconfigure;

import io.ratestack.spring.web.RateLimitConfigurationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;

/**
 * Explains bad rate limit configuration at startup: which property or method, which value, where it was set and
 * why. Covers a {@link RateLimitConfigurationException}, and Spring Boot's own failures to bind a key under
 * {@code ratelimit}: unknown keys (each with the nearest valid key) and values of the wrong type. Runs before Spring
 * Boot's analyzers of binding failures.
 */
class RateLimitFailureAnalyzer implements FailureAnalyzer, Ordered {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("ratelimit");

    /** One thing wrong: a property or an annotated method, its value, where it was set if known, and why. */
    private record Problem(String subject, String value, @Nullable Origin setAt, String reason) {
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        List<Problem> problems = problems(failure);
        if (problems == null) {
            return null;
        }
        RateLimitConfigurationException cause = find(failure, RateLimitConfigurationException.class);
        return analysis(problems, cause != null ? cause : Objects.requireNonNull(find(failure, BindException.class)));
    }

    /**
     * The first thing wrong in a failure to bind or check the rate limit properties, as a
     * {@link RateLimitConfigurationException} naming the property, the value and why; {@code null} if the failure
     * is not one of theirs.
     *
     * @param failure what binding or checking them threw
     */
    static @Nullable RateLimitConfigurationException firstProblem(Throwable failure) {
        RateLimitConfigurationException cause = find(failure, RateLimitConfigurationException.class);
        if (cause != null) {
            return cause;
        }
        List<Problem> problems = problems(failure);
        if (problems == null) {
            return null;
        }
        Problem first = problems.get(0);
        RateLimitConfigurationException problem =
                new RateLimitConfigurationException(first.subject(), first.value(), first.reason());
        problem.initCause(failure);
        return problem;
    }

    /** What is wrong, or {@code null} if the failure is not the rate limit properties'. */
    private static @Nullable List<Problem> problems(Throwable failure) {
        RateLimitConfigurationException cause = find(failure, RateLimitConfigurationException.class);
        BindException bind = find(failure, BindException.class);
        ConfigurationProperty property = bind != null ? bind.getProperty() : null;
        if (cause != null) {
            return List.of(new Problem(cause.getOrigin(), cause.getValue(),
                    property != null ? property.getOrigin() : null, cause.getReason()));
        }
        if (bind == null || !(PREFIX.equals(bind.getName()) || PREFIX.isAncestorOf(bind.getName()))) {
            return null;
        }
        UnboundConfigurationPropertiesException unbound = find(bind, UnboundConfigurationPropertiesException.class);
        List<Problem> problems = new ArrayList<>();
        if (unbound != null) {
            List<ConfigurationProperty> unknown = new ArrayList<>(unbound.getUnboundProperties());
            unknown.sort(Comparator.comparing(ConfigurationProperty::getName));
            for (ConfigurationProperty key : unknown) {
                problems.add(new Problem(key.getName().toString(), String.valueOf(key.getValue()), key.getOrigin(),
                        RateLimitSettings.unknownKey(key.getName())));
            }
            return problems;
        }
        Object value = property != null ? property.getValue() : null;
        Throwable reason = bind.getCause() != null ? bind.getCause() : bind;
        problems.add(new Problem(bind.getName().toString(), String.valueOf(value),
                property != null ? property.getOrigin() : null,
                RateLimitSettings.unconvertible(bind.getName(), value, bind.getTarget().getType().toClass(), reason)));
        return problems;
    }

    private static FailureAnalysis analysis(List<Problem> problems, Throwable cause) {
        StringBuilder description = new StringBuilder("Invalid rate limit configuration:%n".formatted());
        for (Problem problem : problems) {
            description.append("%n    %s: %s%n    Value: %s%n".formatted(
                    problem.subject().startsWith("@") ? "Annotation" : "Property", problem.subject(), problem.value()));
            if (problem.setAt() != null) {
                description.append("    Origin: %s%n".formatted(problem.setAt()));
            }
            description.append("    Reason: %s%n".formatted(problem.reason()));
        }
        String action;
        if (problems.get(0).subject().startsWith("@")) {
            action = "Fix the @RateLimit annotation named above.";
        } else {
            action = "Update " + (problems.size() == 1 ? problems.get(0).subject() : "the properties named above")
                    + " in your application's configuration (application.yml or application.properties).";
        }
        return new FailureAnalysis(description.toString(), action, cause);
    }

    private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
