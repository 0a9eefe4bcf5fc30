package io.ratestack.spring.autoconfigure;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.env.Environment;

/**
 * Checks every {@link Duration} under {@code ratelimit} as it is bound, when the value as written is still known:
 * Spring Boot turns a bare {@code 10} into 10 milliseconds before {@link RateLimitSettings} sees it. Applies to every
 * source (properties, YAML, where {@code per: 10} is a number, command line, environment) and every key, list
 * elements and map values included; see {@link RateLimitSettings#duration}.
 */
final class RateLimitDurationCheck implements ConfigurationPropertiesBindHandlerAdvisor {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("ratelimit");

    private final Environment environment;

    RateLimitDurationCheck(Environment environment) {
        this.environment = environment;
    }

    @Override
    public BindHandler apply(BindHandler bindHandler) {
        return new AbstractBindHandler(bindHandler) {
            @Override
            public @Nullable Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                    Object result) {
                ConfigurationProperty property = context.getConfigurationProperty();
                if (result instanceof Duration duration && property != null && PREFIX.isAncestorOf(name)) {
                    Object written = property.getValue();
                    if (written instanceof String text && text.contains("${")) {
                        written = environment.resolvePlaceholders(text);
                    }
                    RateLimitSettings.duration(name.toString(), written, duration);
                }
                return super.onSuccess(name, target, context, result);
            }
        };
    }
}
