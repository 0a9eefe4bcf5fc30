package io.ratestack.sample;

import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.PlanResolver;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The sample's API keys ({@code sample.api-keys} in application.yml: each issued key and the plan it is on): a
 * request with an issued key in {@code X-Api-Key} is its key's client, on its key's plan; any other request is keyed
 * by its address, on the default plan (the tutorial's limits).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ApiKeyPlans.ApiKeys.class)
public class ApiKeyPlans {

    /** The header that carries a client's API key. */
    static final String HEADER = "X-Api-Key";

    /**
     * The issued keys.
     *
     * @param apiKeys each key and the name of its plan, one of {@code ratelimit.plans}
     */
    @ConfigurationProperties("sample")
    public record ApiKeys(Map<String, String> apiKeys) {
        public ApiKeys {
            apiKeys = apiKeys == null ? Map.of() : Map.copyOf(apiKeys);
        }

        /** The plan of an issued key, or {@code null} for a key not issued (or none). */
        String planOf(String key) {
            return key == null ? null : apiKeys.get(key);
        }
    }

    /** An issued key is its own client; anything else is keyed by address, so a made-up key earns nothing. */
    @Bean
    ClientKeyResolver apiKeyClients(ApiKeys keys) {
        return request -> {
            String key = request.getHeader(HEADER);
            return keys.planOf(key) != null ? key : null;
        };
    }

    /** An issued key's plan; the default plan for every other request. */
    @Bean
    PlanResolver apiKeyPlan(ApiKeys keys) {
        return request -> keys.planOf(request.getHeader(HEADER));
    }
}
