package io.ratestack.spring.autoconfigure;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.RateLimiterStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Rate limiting's metrics, when Micrometer is there: {@link MicrometerRateLimitObserver}'s counters and timer, and
 * the gauge {@code ratelimit.clients} (tag {@code cache}: {@code global}, {@code per-route}) of how many clients and
 * client-route pairs the caches track.
 */
@AutoConfiguration(after = RateLimitServletAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, RateLimitObserver.class})
@ConditionalOnBean({MeterRegistry.class, RateLimiterStore.class})
public class RateLimitMetricsAutoConfiguration {

    /** Counts the filter's decisions. */
    @Bean
    @ConditionalOnMissingBean(RateLimitObserver.class)
    public MicrometerRateLimitObserver rateLimitObserver(MeterRegistry registry) {
        return new MicrometerRateLimitObserver(registry);
    }

    /** How many clients the caches track. */
    @Bean
    public MeterBinder rateLimitCacheMetrics(ObjectProvider<RateLimiterStore> stores) {
        return registry -> stores.ifAvailable(store -> {
            Gauge.builder("ratelimit.clients", store, RateLimiterStore::clientCount)
                    .description("Clients whose global limiters are kept").tag("cache", "global")
                    .register(registry);
            Gauge.builder("ratelimit.clients", store, RateLimiterStore::routeCount)
                    .description("Client-route pairs whose per-route limiters are kept").tag("cache", "per-route")
                    .register(registry);
        });
    }
}
