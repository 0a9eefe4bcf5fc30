package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;

/** Finds the {@link Route} of a request. Must never throw for odd requests; {@link MvcRouteResolver} is the default. */
@FunctionalInterface
public interface RouteResolver {

    /**
     * The route of a request: its key and policy, or {@link Route#EXEMPT}.
     *
     * @param request the request being limited
     * @return its route
     */
    Route resolve(HttpServletRequest request);
}
