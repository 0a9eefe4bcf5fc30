package io.ratestack.spring.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Refreshes the limits when Spring Cloud says that keys under {@code ratelimit} changed, reading them from the
 * environment anew. An invalid change is logged by the refresher and leaves the limits in force; it is not thrown to
 * whoever published the event ({@code /actuator/refresh} answers as for any other change).
 *
 * <p>Spring Cloud's rebinding of {@code @ConfigurationProperties} beans skips the rate limit properties beans (they
 * are added to {@code spring.cloud.refresh.never-refreshable}): the refresher reads and checks the limits itself, and
 * an invalid value bound into those beans would fail the rebinding of the application's other beans with them.
 */
final class RateLimitEnvironmentChangeListener implements ApplicationListener<EnvironmentChangeEvent>, Ordered {

    /** Spring Cloud's property of the bean classes it never rebinds, and its default. */
    static final String NEVER_REFRESHABLE = "spring.cloud.refresh.never-refreshable";
    private static final String NEVER_REFRESHABLE_DEFAULT = "com.zaxxer.hikari.HikariDataSource";
    private static final String PROPERTY_SOURCE = "ratelimitNeverRefreshable";

    private final ObjectProvider<RateLimitRefresher> refresher;

    /**
     * Adds the rate limit properties classes to {@code spring.cloud.refresh.never-refreshable}, keeping what the
     * application lists there, in a property source of its own ahead of the others.
     */
    static void keepPropertiesBeansFromRebinding(ConfigurableEnvironment environment) {
        Set<String> classes = new LinkedHashSet<>(StringUtils.commaDelimitedListToSet(
                environment.getProperty(NEVER_REFRESHABLE, NEVER_REFRESHABLE_DEFAULT)));
        for (Class<?> type : PropertyKeys.CLASSES) {
            classes.add(type.getName());
        }
        environment.getPropertySources().remove(PROPERTY_SOURCE);
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE,
                Map.of(NEVER_REFRESHABLE, String.join(",", classes))));
    }

    RateLimitEnvironmentChangeListener(ObjectProvider<RateLimitRefresher> refresher) {
        this.refresher = refresher;
    }

    @Override
    public void onApplicationEvent(EnvironmentChangeEvent event) {
        // Any spelling Spring Boot binds: ratelimit.global.limit, RATELIMIT_GLOBAL_LIMIT.
        boolean ours = event.getKeys().stream().anyMatch(key -> key.regionMatches(true, 0, "ratelimit", 0, 9));
        RateLimitRefresher limits = refresher.getIfAvailable();
        if (!ours || limits == null) {
            return;
        }
        try {
            limits.refresh();
        } catch (RuntimeException invalid) {
            // Logged by the refresher, naming the property; the limits in force stay.
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
