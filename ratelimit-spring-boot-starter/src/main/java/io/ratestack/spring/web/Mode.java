package io.ratestack.spring.web;

/**
 * Whether limits refuse: {@code ratelimit.mode} for every limit, a route policy's {@code mode} for its own limits
 * ({@code per-route.mode}, {@code routes[n].mode}, {@link RateLimit#mode()}).
 */
public enum Mode {

    /** Requests over a limit are refused: the default. */
    ENFORCE,

    /**
     * Requests over a limit are counted and observed but let through: the metrics count them as
     * {@code outcome=would-refuse} and one INFO line each on the logger
     * {@code io.ratestack.spring.web.RateLimitFilter.shadow} names the route and the client's hashed key. A route
     * policy in shadow mode still takes the global limits, which refuse unless every limit is in shadow mode.
     */
    SHADOW
}
