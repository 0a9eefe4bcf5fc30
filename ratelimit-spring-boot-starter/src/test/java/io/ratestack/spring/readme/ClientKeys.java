package io.ratestack.spring.readme;

import io.ratestack.spring.web.ClientKeyResolver;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::client-key[]
@Configuration
class ClientKeys {

    // application.yml: app.api-keys: k-1234,k-5678 (the keys you issued, or a lookup in your key store)
    @Bean
    ClientKeyResolver apiKeys(@Value("${app.api-keys}") Set<String> issuedKeys) {
        return request -> {
            String key = request.getHeader("X-Api-Key"); // null when the header is missing
            return key != null && issuedKeys.contains(key) ? key : null; // null: keyed by address
        };
    }
}
// end::client-key[]
