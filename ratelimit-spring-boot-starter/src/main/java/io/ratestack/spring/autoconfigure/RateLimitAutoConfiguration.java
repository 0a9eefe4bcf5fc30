package io.ratestack.spring.autoconfigure;

import io.ratestack.Clock;
import io.ratestack.RateLimiter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The core beans of rate limiting: the properties, the checks of their keys and of their durations as written, and
 * the clock every
 * limiter reads, for the servlet filter and client pacing alike. Declare a {@link Clock} bean of your own (a
 * {@code FakeClock} in tests) to replace the system clock.
 *
 * <p>In a reactive (WebFlux) web application, which the filter does not serve, it logs one WARN at startup saying
 * that no request is rate limited.
 */
@AutoConfiguration
@ConditionalOnClass(RateLimiter.class)
@EnableConfigurationProperties({RateLimitProperties.class, RateLimitRedisProperties.class,
        RateLimitClientProperties.class})
public class RateLimitAutoConfiguration {

    static final String REACTIVE_WARNING = "This is a reactive (WebFlux) web application: ratestack's"
            + " rate limit filter serves Spring MVC (servlet) applications only, so no HTTP request is rate limited"
            + " and @RateLimit is ignored. Pacing of outgoing WebClient calls (ratelimit.client) still works."
            + " Set ratelimit.enabled=false to say that this is intended.";

    /**
     * Checks values under {@code ratelimit} as written while they are bound, so that a bare number as a duration
     * (which Spring Boot would read as milliseconds) or a blank enum (which it would bind as nothing) fails startup
     * naming the property.
     */
    @Bean
    static RateLimitWrittenValueCheck rateLimitWrittenValueCheck(Environment environment) {
        return new RateLimitWrittenValueCheck(environment);
    }

    /** Fails startup on a key under {@code ratelimit} that no rate limit properties class declares. */
    @Bean
    static RateLimitKeyCheck rateLimitKeyCheck() {
        return new RateLimitKeyCheck();
    }

    /** The system clock, unless the application declares a {@link Clock}. */
    @Bean
    @ConditionalOnMissingBean
    public Clock rateLimitClock() {
        return Clock.system();
    }

    /** Says, once at startup, that a reactive application's requests are not limited. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnProperty(prefix = "ratelimit", name = "enabled", havingValue = "true", matchIfMissing = true)
    static class ReactiveApplication {

        private static final Log LOG = LogFactory.getLog(RateLimitAutoConfiguration.class);

        @Bean
        static SmartInitializingSingleton rateLimitReactiveWarning() {
            return () -> LOG.warn(REACTIVE_WARNING);
        }
    }
}
