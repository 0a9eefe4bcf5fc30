package io.ratestack.spring.readme;

import io.ratestack.spring.web.ClientKeyResolver;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// The README's example as written there; ReadmeExamplesTest loads it and checks the README's copy.

// tag::client-key[]
@Configuration
class ClientKeys {

    @Bean
    ClientKeyResolver apiKeys(Set<String> knownApiKeys) {
        return request -> {
            String key = request.getHeader("X-Api-Key");
            return knownApiKeys.contains(key) ? key : null; // null: keyed by address
        };
    }
}
// end::client-key[]
