package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What a request takes of its client's limits, global and its route's: 1 by default, its route policy's
 * {@link RoutePolicy#cost()} ({@code ratelimit.routes[n].cost}, {@code @RateLimit(cost = 5)}) when set. Declare a bean
 * of this type to compute it from the request (a batch's size, a query's weight); the filter asks it once per limited
 * request, before the use is taken.
 *
 * <pre>{@code
 * @Bean
 * RequestCost batchCost() {
 *     return (request, route) -> "/api/batch".equals(route.pattern())
 *             ? Math.max(1, request.getIntHeader("X-Batch-Size")) // -1 when absent
 *             : RequestCost.OF_ROUTE.cost(request, route);
 * }
 * }</pre>
 *
 * <p>A cost below 1, or one that throws, is the route policy's cost for that request, at one WARN line per cause and
 * minute: compute it from what the client cannot choose, or clamp it. A cost above what the request's limits admit
 * at once is taken as that most, at one WARN line too (it could never pass otherwise). When the real
 * cost is known only once the handler has run, the handler says it by the request attribute
 * {@link #ACTUAL_COST_ATTRIBUTE}; the use is then settled at that cost when the response is committed.
 */
@FunctionalInterface
public interface RequestCost {

    /**
     * The request attribute by which a handler settles its request's real cost, a {@link Number} of at least 0 (any
     * other value is ignored): the use taken at the request's cost is settled at this one when the response is
     * committed (set it before writing the body; a streamed response commits at its first flush). A larger one takes
     * the difference from the limits, which may leave them in debt; a smaller one gives back the difference; 0 refunds
     * the use. Refund statuses still refund the whole use.
     */
    String ACTUAL_COST_ATTRIBUTE = "io.ratestack.actualCost";

    /** The route policy's cost. */
    RequestCost OF_ROUTE = (request, route) -> {
        RoutePolicy policy = route.policy();
        return policy == null ? 1 : policy.cost();
    };

    /**
     * The cost of a request.
     *
     * @param request the request
     * @param route its route, not exempt
     * @return its cost, at least 1
     */
    int cost(HttpServletRequest request, Route route);
}
