package io.ratestack.spring.readme;

import io.ratestack.spring.web.Algorithm;
import io.ratestack.spring.web.RateLimit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::queueing[]
@RestController
class ExportController {

    /** One export at a time per client; a second waits up to 5 s for the first to end instead of a 429. */
    @GetMapping("/export")
    @RateLimit(algorithm = Algorithm.CONCURRENCY, limit = 1, maxWait = "5s")
    String export() {
        return "exported";
    }
}
// end::queueing[]
