package io.ratestack.spring.autoconfigure;

import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;

/**
 * Fails the binding of {@link RateLimitProperties} on every key under {@code ratelimit} that none of the rate limit
 * properties classes declares ({@link PropertyKeys}), as {@code ignoreUnknownFields = false} does for one class:
 * with an {@link UnboundConfigurationPropertiesException} listing them, which {@link RateLimitFailureAnalyzer}
 * explains. {@code ignoreUnknownFields = false} itself cannot serve: {@code ratelimit.redis} and
 * {@code ratelimit.client} are bound by classes of their own, so {@code ratelimit}'s binding leaves them unbound.
 * Like {@link NoUnboundElementsBindHandler}, it reads neither the system environment nor the system properties.
 */
final class RateLimitKeyCheck implements ConfigurationPropertiesBindHandlerAdvisor {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("ratelimit");

    @Override
    public BindHandler apply(BindHandler bindHandler) {
        return new AbstractBindHandler(bindHandler) {
            @Override
            public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                    @Nullable Object result) throws Exception {
                if (context.getDepth() == 0 && PREFIX.equals(name)) {
                    check(context);
                }
                super.onFinish(name, target, context, result);
            }
        };
    }

    private static void check(BindContext context) {
        UnboundElementsSourceFilter filter = new UnboundElementsSourceFilter();
        Set<ConfigurationProperty> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : context.getSources()) {
            if (source instanceof IterableConfigurationPropertySource iterable && filter.apply(source)) {
                iterable.filter(PREFIX::isAncestorOf).stream()
                        .filter(candidate -> !PropertyKeys.isKnown(candidate))
                        .map(iterable::getConfigurationProperty)
                        .forEach(property -> {
                            if (property != null) {
                                unknown.add(property);
                            }
                        });
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnboundConfigurationPropertiesException(unknown);
        }
    }
}
