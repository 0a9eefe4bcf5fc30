package io.ratestack.spring.readme;

import io.ratestack.spring.web.RateLimit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

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
