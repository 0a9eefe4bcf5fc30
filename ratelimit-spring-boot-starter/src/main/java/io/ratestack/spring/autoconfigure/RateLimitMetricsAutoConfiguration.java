package io.ratestack.spring.autoconfigure;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ratestack.redis.RedisLimits;
import io.ratestack.spring.redis.RedisRateLimitStore;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.RateLimitStore;
import java.util.function.ToLongFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Rate limiting's metrics, when Micrometer is there: {@link MicrometerRateLimitObserver}'s counters and timer, and
 * the gauge {@code ratelimit.clients} (tag {@code cache}: {@code global}, {@code per-route}) of how many clients and
 * client-route pairs the in-memory store's caches track, and the counter {@code ratelimit.clients.overflow} (same tag)
 * of the requests that found a bound reached and used a shared overflow budget. With the Redis store, its health:
 * {@code ratelimit.store.failures} (calls the failure policy answered), {@code ratelimit.store.recoveries} (outages
 * ended) and the gauge {@code ratelimit.store.available} (1 while Redis answers, 0 while it does not).
 */
@AutoConfiguration(after = {RateLimitServletAutoConfiguration.class, RateLimitRedisAutoConfiguration.class}, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, RateLimitObserver.class})
@ConditionalOnBean({MeterRegistry.class, RateLimitStore.class})
public class RateLimitMetricsAutoConfiguration {

    /** Counts the filter's decisions. */
    @Bean
    @ConditionalOnMissingBean(RateLimitObserver.class)
    public MicrometerRateLimitObserver rateLimitObserver(MeterRegistry registry) {
        return new MicrometerRateLimitObserver(registry);
    }

    /**
     * How many clients and client-route pairs the in-memory stores keep (of every plan), and how many requests found a
     * bound reached.
     */
    @Bean
    public MeterBinder rateLimitCacheMetrics(ObjectProvider<RateLimitRefresher> limits) {
        return registry -> limits.ifAvailable(refresher -> {
            if (refresher.memoryStores().isEmpty()) {
                return;
            }
            Gauge.builder("ratelimit.clients", refresher, r -> sum(r, MemoryRateLimitStore::clientCount))
                    .description("Clients whose global limiters are kept").tag("cache", "global")
                    .register(registry);
            Gauge.builder("ratelimit.clients", refresher, r -> sum(r, MemoryRateLimitStore::routeCount))
                    .description("Client-route pairs whose per-route limiters are kept").tag("cache", "per-route")
                    .register(registry);
            FunctionCounter.builder("ratelimit.clients.overflow", refresher, r -> r.overflowRequests(true))
                    .description("Requests of new clients that found the clients' bound reached and used the shared"
                            + " overflow budget")
                    .tag("cache", "global").register(registry);
            FunctionCounter.builder("ratelimit.clients.overflow", refresher, r -> r.overflowRequests(false))
                    .description("Requests of new client-route pairs that found their bound reached and used the"
                            + " route policy's shared overflow budget")
                    .tag("cache", "per-route").register(registry);
        });
    }

    /** How many requests are waiting for room now. */
    @Bean
    public MeterBinder rateLimitQueueMetrics(ObjectProvider<RateLimitRefresher> limits) {
        return registry -> limits.ifAvailable(refresher -> Gauge.builder("ratelimit.queue.waiting", refresher,
                        r -> r.filter().waiting())
                .description("Requests refused by their limits that are waiting for room now")
                .register(registry));
    }

    private static double sum(RateLimitRefresher limits, ToLongFunction<MemoryRateLimitStore> count) {
        long sum = 0;
        for (MemoryRateLimitStore store : limits.memoryStores()) {
            sum += count.applyAsLong(store);
        }
        return sum;
    }

    /** The Redis store's health, only when the filter uses it. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.ratestack.redis.RedisLimits")
    @ConditionalOnBean(type = "io.ratestack.spring.redis.RedisRateLimitStore")
    static class RedisStoreMetrics {

        @Bean
        MeterBinder rateLimitStoreMetrics(RedisRateLimitStore store) {
            RedisLimits limits = store.limits();
            return registry -> {
                FunctionCounter.builder("ratelimit.store.failures", limits, RedisLimits::failures)
                        .description("Rate limit calls answered by the failure policy: Redis did not answer in time,"
                                + " answered with an error, or was known to be unavailable")
                        .register(registry);
                FunctionCounter.builder("ratelimit.store.recoveries", limits, RedisLimits::recoveries)
                        .description("Times Redis answered again after being unavailable")
                        .register(registry);
                Gauge.builder("ratelimit.store.available", limits, l -> l.isAvailable() ? 1 : 0)
                        .description("1 while the rate limits' Redis answers, 0 while it does not")
                        .register(registry);
            };
        }
    }
}
