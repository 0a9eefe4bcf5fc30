package io.ratestack.spring.autoconfigure;

import io.lettuce.core.AbstractRedisClient;
import io.ratestack.Clock;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.StoreFailurePolicy;
import io.ratestack.spring.redis.RedisRateLimitStore;
import io.ratestack.spring.web.Durations;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitStore;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The Redis store, with {@code ratelimit.store=redis}: the filter's limits kept in Redis through
 * {@code ratelimit-redis}, shared by every instance. Its connection comes from the application's own Lettuce client
 * when it has Spring Data Redis (a {@code LettuceConnectionFactory}, configured as Spring Boot configures it), else
 * from a client of its own ({@code spring.data.redis.*}); {@code ratelimit.redis.url} always gives it a client of
 * its own to that URL (see {@link RateLimitRedisConnection}). A {@link RedisLimits} bean of the application wins
 * over both, with its own connection and options. With {@code ratelimit.store=memory} (the default) nothing here
 * runs and no connection is opened.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class, before = RateLimitServletAutoConfiguration.class,
        afterName = {"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
            "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"io.ratestack.redis.RedisLimits", "io.lettuce.core.RedisClient",
        "org.springframework.web.servlet.DispatcherServlet", "com.github.benmanes.caffeine.cache.Caffeine"})
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnProperty(prefix = "ratelimit", name = "store", havingValue = "redis")
public class RateLimitRedisAutoConfiguration {

    private static final Log LOG = LogFactory.getLog(RateLimitRedisAutoConfiguration.class);

    /**
     * How long the warm-up at startup may take at most (or the command timeout, if longer): far above a cold JVM's
     * first commands, and a bound on the delay a Redis that accepts connections but does not answer adds to startup.
     */
    static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(5);

    /**
     * A connection from the application's Lettuce client, when it has Spring Data Redis with Lettuce and
     * {@code ratelimit.redis.url} does not name another server.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory")
    @Conditional(NoOwnUrl.class)
    static class ApplicationConnection {

        @Bean
        @ConditionalOnMissingBean(RedisLimits.class)
        @ConditionalOnBean(LettuceConnectionFactory.class)
        RateLimitRedisConnection rateLimitRedisConnection(LettuceConnectionFactory factory,
                RateLimitSettings settings) {
            RateLimitRedisConnection connection = RateLimitRedisConnection.shared(() -> nativeClient(factory),
                    "the application's Redis (" + describe(factory) + ")");
            logConnection(connection, settings);
            return connection;
        }

        /** The factory's client: made when it starts, which it does when it is made, unless told to wait. */
        private static AbstractRedisClient nativeClient(LettuceConnectionFactory factory) {
            if (!factory.isRunning()) {
                factory.start();
            }
            return factory.getRequiredNativeClient();
        }

        private static String describe(LettuceConnectionFactory factory) {
            RedisSentinelConfiguration sentinel = factory.getSentinelConfiguration();
            if (sentinel != null && sentinel.getMaster() != null) {
                return "sentinel master " + sentinel.getMaster().getName();
            }
            RedisClusterConfiguration cluster = factory.getClusterConfiguration();
            if (cluster != null) {
                return "cluster of " + cluster.getClusterNodes().size() + " seed nodes";
            }
            return factory.getHostName() + ":" + factory.getPort();
        }
    }

    /**
     * The starter's own client: {@code ratelimit.redis.url}, or {@code spring.data.redis.*} when the application has
     * no Lettuce connection factory; not when the application has its own {@link RedisLimits}.
     */
    @Bean
    @ConditionalOnMissingBean({RedisLimits.class, RateLimitRedisConnection.class})
    public RateLimitRedisConnection rateLimitRedisConnection(RateLimitSettings settings, Environment environment) {
        RateLimitRedisConnection connection = RateLimitRedisConnection.open(settings.redis, environment);
        logConnection(connection, settings);
        return connection;
    }

    private static void logConnection(RateLimitRedisConnection connection, RateLimitSettings settings) {
        LOG.info("Rate limits shared through Redis at " + connection.address() + " (prefix '"
                + settings.redis.prefix() + "', command timeout " + Durations.format(settings.redis.commandTimeout())
                + ", on failure " + RateLimitSettings.constant(settings.redis.onFailure())
                + ")");
    }

    /** {@code ratelimit.redis.url} is not set: the store may use the application's own connection. */
    static final class NoOwnUrl extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("ratelimit.redis.url", "");
            return url.isBlank() ? ConditionOutcome.match("ratelimit.redis.url is not set")
                    : ConditionOutcome.noMatch("ratelimit.redis.url is set");
        }
    }

    /**
     * The limits in Redis, as {@code ratelimit.redis.*} says. When the application stops, they wait for the ends of
     * uses still on their way ({@link RedisLimits#awaitEnds()}) before their connection closes.
     */
    @Bean(destroyMethod = "awaitEnds")
    @ConditionalOnMissingBean
    public RedisLimits rateLimitRedisLimits(RateLimitRedisConnection connection, RateLimitSettings settings,
            Clock clock) {
        RateLimitSettings.RedisSettings redis = settings.redis;
        RedisLimits.Builder builder = connection.limitsBuilder()
                .prefix(redis.prefix())
                .lease(redis.lease())
                .commandTimeout(redis.commandTimeout())
                .probeInterval(redis.probeInterval())
                .onFailure(StoreFailurePolicy.valueOf(redis.onFailure().name()));
        if (redis.onFailure() == RateLimitRedisProperties.FailurePolicy.LOCAL) {
            // The same limits in this instance's memory, used only while Redis is away.
            builder.localFallback(RedisRateLimitStore.localFallback(
                    new MemoryRateLimitStore(clock, settings.global, settings.globalCache, settings.routeCache)));
        }
        return builder.build();
    }

    /** The filter's store. */
    @Bean
    @ConditionalOnMissingBean(RateLimitStore.class)
    public RedisRateLimitStore rateLimitRedisStore(RedisLimits limits, RateLimitSettings settings) {
        return new RedisRateLimitStore(limits, settings.global);
    }

    /**
     * Warms the store's Redis limits up ({@link RedisLimits#warmUp}) once every bean is made, before the web server
     * takes requests and before the application reports ready: the first requests are counted like any other, not
     * left to the failure policy by a cold JVM's first slow commands. If Redis is down, it tries nothing more than
     * startup already did.
     */
    @Bean
    public SmartInitializingSingleton rateLimitRedisWarmUp(ObjectProvider<RedisRateLimitStore> store,
            RateLimitSettings settings) {
        Duration timeout = settings.redis.commandTimeout().compareTo(WARM_UP_TIMEOUT) > 0
                ? settings.redis.commandTimeout()
                : WARM_UP_TIMEOUT;
        return () -> store.ifAvailable(redis -> redis.limits().warmUp(timeout));
    }

}
