package io.ratestack.spring.readme;

import io.ratestack.spring.autoconfigure.RateLimitRefresher;
import java.util.Map;
import org.springframework.stereotype.Service;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::refresher[]
@Service
class ProLimits {

    private final RateLimitRefresher limits;

    ProLimits(RateLimitRefresher limits) {
        this.limits = limits;
    }

    /** The pro plan's per-route limit, per second, from the next request on; a bad one throws and changes nothing. */
    void perSecond(int limit) {
        limits.set(Map.of("ratelimit.plans.pro.per-route.limit", String.valueOf(limit),
                "ratelimit.plans.pro.per-route.per", "1s"));
    }
}
// end::refresher[]
