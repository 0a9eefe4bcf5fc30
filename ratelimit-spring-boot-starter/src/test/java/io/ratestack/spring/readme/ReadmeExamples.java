package io.ratestack.spring.readme;

import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.RateLimit;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

// The README's starter examples, as written there; DocExamplesTest loads them and checks the README's copy.

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

    @Bean
    ClientKeyResolver apiKeys(Set<String> knownApiKeys) {
        return request -> {
            String key = request.getHeader("X-Api-Key");
            return knownApiKeys.contains(key) ? key : null; // null: keyed by address
        };
    }
}
// end::client-key[]

@Configuration
class KnownKeys {

    @Bean
    Set<String> knownApiKeys() {
        return Set.of("k-1234");
    }
}
