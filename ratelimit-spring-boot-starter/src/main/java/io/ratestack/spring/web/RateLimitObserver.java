package io.ratestack.spring.web;

/**
 * Told what the filter decided for each limited request, for metrics. Called on the request's thread; must be quick
 * and must not throw. Routes identify the route by its pattern, never a client: tag by {@link Route#pattern()}.
 */
public interface RateLimitObserver {

    /** Observes nothing. */
    RateLimitObserver NONE = new RateLimitObserver() {
    };

    /**
     * A request was admitted.
     *
     * @param route its route
     */
    default void admitted(Route route) {
    }

    /**
     * A request was refused with 429 (or 503, when a fail-closed store cannot be reached).
     *
     * @param route its route
     * @param scope which limits refused it: {@code global} or {@code route}; with a shared store (Redis),
     *     {@code unknown} (the store does not say which) or {@code store} (refused because the store cannot be
     *     reached, under the fail-closed policy)
     */
    default void refused(Route route, String scope) {
    }

    /**
     * An admitted request's use was refunded (a refund status, or its handler threw).
     *
     * @param route its route
     */
    default void refunded(Route route) {
    }

    /**
     * The time the filter spent on a request itself, the handler's time left out.
     *
     * @param route its route
     * @param nanos nanoseconds
     */
    default void timed(Route route, long nanos) {
    }
}
