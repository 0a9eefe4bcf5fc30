package io.ratestack.spring.autoconfigure;

import io.ratestack.Clock;
import io.ratestack.RateLimiter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The core beans of rate limiting: the properties, the check of their durations as written, and the clock every
 * limiter reads, for the servlet filter and client pacing alike. Declare a {@link Clock} bean of your own (a
 * {@code FakeClock} in tests) to replace the system clock.
 */
@AutoConfiguration
@ConditionalOnClass(RateLimiter.class)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitAutoConfiguration {

    /**
     * Checks every duration under {@code ratelimit} as written while it is bound, so that a bare number, which
     * Spring Boot would read as milliseconds, fails startup naming the property.
     */
    @Bean
    static RateLimitDurationCheck rateLimitDurationCheck(Environment environment) {
        return new RateLimitDurationCheck(environment);
    }

    /** The system clock, unless the application declares a {@link Clock}. */
    @Bean
    @ConditionalOnMissingBean
    public Clock rateLimitClock() {
        return Clock.system();
    }
}
