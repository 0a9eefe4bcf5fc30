package io.ratestack.spring.readme;

import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.RateLimit;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

// The README's starter examples, as written there; ReadmeExamplesTest loads them and checks the README's copy.

// tag::annotation[]
@RestController
class SearchController {

    @GetMapping("/search")
    @RateLimit(limit = 2, per = "1s")
    @RateLimit(limit = 100, per = "1h", name = "hourly") // repeatable: every one must admit
    String search(@RequestParam String q) {
        return "results for " + q;
    }

    @GetMapping("/health")
    @RateLimit.Exempt // not limited at all, global limit included
    String health() {
        return "up";
    }
}
// end::annotation[]

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
