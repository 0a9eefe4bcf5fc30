package io.ratestack.spring.autoconfigure;

import io.ratestack.spring.web.RateLimitConfigurationException;
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
 * Checks values under {@code ratelimit} as they are bound, while the value as written is still known, from every
 * source (properties, YAML, command line, environment) and at every key, list elements and map values included:
 * <ul>
 *   <li>every {@link Duration}: Spring Boot turns a bare {@code 10} into 10 milliseconds before
 *       {@link RateLimitSettings} sees it (in YAML, {@code per: 10} is a number); see
 *       {@link RateLimitSettings#duration};
 *   <li>every enum ({@code ratelimit.store}, {@code ratelimit.redis.on-failure}): Spring Boot binds a blank value as
 *       nothing, keeping the default, so {@code ratelimit.store=${STORE:}} would run on memory without a word; a blank
 *       value fails instead, listing the choices.
 * </ul>
 */
final class RateLimitWrittenValueCheck implements ConfigurationPropertiesBindHandlerAdvisor {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("ratelimit");

    private final Environment environment;

    RateLimitWrittenValueCheck(Environment environment) {
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

            @Override
            public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                    @Nullable Object result) throws Exception {
                ConfigurationProperty property = context.getConfigurationProperty();
                Class<?> type = target.getType().resolve();
                if (result == null && property != null && type != null && type.isEnum() && PREFIX.isAncestorOf(name)
                        && String.valueOf(property.getValue()).isBlank()) {
                    throw new RateLimitConfigurationException(name.toString(), "", RateLimitSettings.choices(type));
                }
                super.onFinish(name, target, context, result);
            }
        };
    }
}
