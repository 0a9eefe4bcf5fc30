package io.ratestack.spring.web;

import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.RateLimiter;
import java.util.List;
import java.util.Map;

/**
 * Where the filter takes each request's use: one use of the client's global limits and of its route's limits
 * together, all or nothing, without waiting. {@link RateLimiterStore} keeps the limiters in this instance's memory;
 * the starter's Redis store shares them between instances through {@code ratelimit-redis}.
 */
public interface RateLimitStore {

    /**
     * Takes one use of the client's global limits and the route's limits together, without waiting.
     *
     * @param client the client key
     * @param route a route that is not exempt
     * @return the attempt; a granted result holds a permit that must be closed or cancelled
     */
    Attempt tryAcquire(String client, Route route);

    /** The global limits of every client. */
    List<Limit> globalSpecs();

    /**
     * What the actuator endpoint shows of the store itself, beyond the policies; empty by default.
     *
     * @return names and values that Jackson can write
     */
    default Map<String, Object> summary() {
        return Map.of();
    }

    /**
     * The outcome of one request's attempt: the result, and the limiters that took part, for the headers.
     *
     * <p>A store that keeps its limiters in memory hands them over; when the global limits refuse, the route's
     * limiters are not looked up: {@code route} is empty, {@code routeSpecs} not. A store whose state lives
     * elsewhere (Redis) hands over no limiter at all ({@link #tracked()} is false): the specs are known, the
     * remaining uses of each limit and the limit that refused are not.
     *
     * @param result the permit or refusal
     * @param global the client's global limiters, in the order of {@code globalSpecs}; empty when not tracked
     * @param globalSpecs the global limits
     * @param route the client's limiters of the route, in the order of {@code routeSpecs}; may be empty
     * @param routeSpecs the route's limits
     * @param storeUnavailable whether the result is a refusal made because the store cannot be reached
     *     (fail-closed), not because a limit is reached
     */
    record Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs, RateLimiter[] route,
            List<Limit> routeSpecs, boolean storeUnavailable) {

        /** An attempt of a store that was reached. */
        public Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs, RateLimiter[] route,
                List<Limit> routeSpecs) {
            this(result, global, globalSpecs, route, routeSpecs, false);
        }

        /** Whether the limiters' state is at hand: remaining uses, time to reset, which limit refused. */
        public boolean tracked() {
            return global.length > 0;
        }
    }
}
