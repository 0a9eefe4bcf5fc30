package io.ratestack.spring.readme;

import io.ratestack.spring.web.PlanResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::plans[]
@Configuration(proxyBeanMethods = false)
class Plans {

    /** The plan of the account whose API key the request carries; any other request is on the default plan. */
    @Bean
    PlanResolver plansByApiKey(Accounts accounts) {
        return request -> accounts.planOf(request.getHeader("X-Api-Key")); // null: the default plan
    }
}
// end::plans[]
