package io.ratestack.spring.autoconfigure;

import io.ratestack.Clock;
import io.ratestack.RateLimiter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The core beans of rate limiting: the properties and the clock every limiter reads. Declare a
 * {@link Clock} bean of your own (a {@code FakeClock} in tests) to replace the system clock.
 */
@AutoConfiguration
@ConditionalOnClass(RateLimiter.class)
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitAutoConfiguration {

    /** The system clock, unless the application declares a {@link Clock}. */
    @Bean
    @ConditionalOnMissingBean
    public Clock rateLimitClock() {
        return Clock.system();
    }
}
