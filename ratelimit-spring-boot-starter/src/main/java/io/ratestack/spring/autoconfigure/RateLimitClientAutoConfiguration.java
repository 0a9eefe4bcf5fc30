package io.ratestack.spring.autoconfigure;

import io.ratestack.Clock;
import io.ratestack.client.RequestPacer;
import io.ratestack.spring.client.PacedTargets;
import io.ratestack.spring.client.RateLimitingExchangeFilter;
import io.ratestack.spring.client.RateLimitingInterceptor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Paces the application's outgoing requests to the servers under {@code ratelimit.client.targets}: every
 * {@code RestClient.Builder} (and {@code WebClient.Builder}) bean the application gets, such as Spring Boot's
 * auto-configured one, is given {@link RateLimitingInterceptor} (or {@link RateLimitingExchangeFilter}), so a user
 * who injects the builder is paced by configuration alone.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnClass({RequestPacer.class, RestClient.class})
@ConditionalOnProperty(prefix = "ratelimit.client", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RateLimitClientAutoConfiguration {

    /** The configured targets, each with its pacer. */
    @Bean
    @ConditionalOnMissingBean
    public PacedTargets rateLimitPacedTargets(RateLimitClientProperties properties, Clock clock) {
        return ClientPacingSettings.targets(properties, clock);
    }

    /** Adds the interceptor to every {@code RestClient.Builder} bean, when there are targets. */
    @Bean
    static BeanPostProcessor rateLimitRestClientPacing(ObjectProvider<PacedTargets> targets) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof RestClient.Builder builder) {
                    PacedTargets paced = targets.getIfAvailable();
                    if (paced != null && !paced.isEmpty()) {
                        builder.requestInterceptor(new RateLimitingInterceptor(paced));
                    }
                }
                return bean;
            }
        };
    }

    /** WebClient's part, when WebFlux is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebClient.class)
    static class WebClientPacing {

        /** Adds the filter to every {@code WebClient.Builder} bean, when there are targets. */
        @Bean
        static BeanPostProcessor rateLimitWebClientPacing(ObjectProvider<PacedTargets> targets) {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String beanName) {
                    if (bean instanceof WebClient.Builder builder) {
                        PacedTargets paced = targets.getIfAvailable();
                        if (paced != null && !paced.isEmpty()) {
                            builder.filter(new RateLimitingExchangeFilter(paced));
                        }
                    }
                    return bean;
                }
            };
        }
    }
}
