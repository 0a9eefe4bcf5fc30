package io.ratestack.spring.web;

/**
 * Told what became of each limited request, for metrics: exactly one of {@link #admitted}, {@link #refused},
 * {@link #refunded} and {@link #exempted} per request on a route that is not exempt, so that their sum is those
 * requests, but for one that every limit in shadow mode let through, told only {@link #wouldRefuse}. A refused request is told at once; an
 * admitted one when its use ends (its response is done), as admitted if the use counted or refunded if it did not.
 * Called on the thread that decides; must be quick and must not throw. Routes identify the route by its pattern,
 * never a client: tag by {@link Route#pattern()}.
 */
public interface RateLimitObserver {

    /** Observes nothing. */
    RateLimitObserver NONE = new RateLimitObserver() {
    };

    /**
     * A request was admitted and its use counted: its response is done, with a status that is not a refund status.
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
     * A request was admitted and its use refunded (a refund status, or its handler threw): it cost its client nothing.
     *
     * @param route its route
     */
    default void refunded(Route route) {
    }

    /**
     * A limit in shadow mode ({@link Mode#SHADOW}) would have refused a request, which was let through. Such a
     * request is also told {@link #admitted} or {@link #refunded} when it took the global limits' use (its route's
     * policy is in shadow mode), and nothing more when every limit is.
     *
     * @param route its route
     * @param scope which limits would have refused it, as for {@link #refused}
     */
    default void wouldRefuse(Route route, String scope) {
    }

    /**
     * A request of an exempt client ({@code ratelimit.exempt-clients}) passed without taking a use.
     *
     * @param route its route
     */
    default void exempted(Route route) {
    }

    /** {@link #waited}: room came in time. */
    String WAIT_ADMITTED = "admitted";
    /** {@link #waited}: the wait ended without room. */
    String WAIT_REFUSED = "refused";
    /** {@link #waited}: it did not wait, since as many requests as may were waiting, none of a lower priority. */
    String WAIT_FULL = "full";
    /** {@link #waited}: a request of a higher priority took its place while it waited. */
    String WAIT_DISPLACED = "displaced";

    /**
     * A request that its limits refused was to wait for room ({@link RoutePolicy#maxWait()}); it is then told
     * {@link #admitted} (or {@link #refunded}) or {@link #refused} as any other.
     *
     * @param route its route
     * @param nanos how long it waited
     * @param outcome {@link #WAIT_ADMITTED}, {@link #WAIT_REFUSED}, {@link #WAIT_FULL} or {@link #WAIT_DISPLACED}
     */
    default void waited(Route route, long nanos, String outcome) {
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
