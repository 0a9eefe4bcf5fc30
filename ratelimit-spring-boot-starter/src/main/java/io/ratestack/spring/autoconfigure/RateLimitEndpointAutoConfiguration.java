package io.ratestack.spring.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code ratelimits} actuator endpoint, when Actuator is there and the endpoint is exposed. */
@AutoConfiguration(after = {RateLimitServletAutoConfiguration.class, RateLimitRedisAutoConfiguration.class})
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(RateLimitRefresher.class)
@ConditionalOnAvailableEndpoint(RateLimitsEndpoint.class)
public class RateLimitEndpointAutoConfiguration {

    /** The endpoint. */
    @Bean
    @ConditionalOnMissingBean
    RateLimitsEndpoint rateLimitsEndpoint(RateLimitRefresher limits, RateLimitSettings settings) {
        return new RateLimitsEndpoint(limits, settings.addresses);
    }
}
