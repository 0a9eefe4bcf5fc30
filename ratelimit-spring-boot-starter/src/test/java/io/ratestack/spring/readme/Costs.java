package io.ratestack.spring.readme;

import io.ratestack.spring.web.RequestCost;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::request-cost[]
@Configuration(proxyBeanMethods = false)
class Costs {

    /** A batch costs its size (X-Batch-Size, checked by the handler too); anything else its route's cost. */
    @Bean
    RequestCost batchCost() {
        return (request, route) -> route.pattern().equals("/api/batch")
                ? Math.max(1, request.getIntHeader("X-Batch-Size")) // -1 when absent
                : RequestCost.OF_ROUTE.cost(request, route);
    }
}
// end::request-cost[]
