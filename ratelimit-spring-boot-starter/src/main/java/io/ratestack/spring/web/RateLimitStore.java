package io.ratestack.spring.web;

import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.RateLimiter;
import io.ratestack.RemoteLimit;
import java.util.List;
import java.util.Map;

/**
 * Where the filter takes each request's use: one use of the client's global limits and of its route's limits
 * together, all or nothing, without waiting. {@link MemoryRateLimitStore} keeps the limiters in this instance's memory;
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
     * The outcome of one request's attempt: the result, and what is known of each limit, for the headers.
     *
     * <p>A store that keeps its limiters in memory hands them over, to be read when the headers are written; when the
     * global limits refuse, the route's limiters are not looked up: {@code route} is empty, {@code routeSpecs} not. A
     * store whose state lives elsewhere (Redis) hands over no limiter but the {@code readings} its call returned, one
     * per limit: the global limits' first, then the route's.
     *
     * @param result the permit or refusal
     * @param global the client's global limiters, in the order of {@code globalSpecs}; empty when none is at hand
     * @param globalSpecs the global limits
     * @param route the client's limiters of the route, in the order of {@code routeSpecs}; may be empty
     * @param routeSpecs the route's limits
     * @param storeUnavailable whether the result is a refusal made because the store cannot be reached
     *     (fail-closed), not because a limit is reached
     * @param readings what a shared store saw of each limit with the attempt; empty when the limiters are at hand or
     *     nothing is known (the store was not reached)
     */
    record Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs, RateLimiter[] route,
            List<Limit> routeSpecs, boolean storeUnavailable, List<RemoteLimit.State> readings) {

        /** An attempt of a store that hands over no readings. */
        public Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs, RateLimiter[] route,
                List<Limit> routeSpecs, boolean storeUnavailable) {
            this(result, global, globalSpecs, route, routeSpecs, storeUnavailable, List.of());
        }

        /** An attempt of a store that keeps its limiters in memory. */
        public Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs, RateLimiter[] route,
                List<Limit> routeSpecs) {
            this(result, global, globalSpecs, route, routeSpecs, false, List.of());
        }

        /** Whether the state of the limits is known: remaining uses, time to reset, which limit refused. */
        public boolean tracked() {
            return global.length > 0 || !readings.isEmpty();
        }

        /**
         * The remaining uses of one limit, or -1 when not known (a route's limiters are not looked up when the global
         * limits refuse).
         *
         * @param inRoute whether the limit is one of the route's, else a global one
         * @param index its index in its specs
         */
        public int remaining(boolean inRoute, int index) {
            RateLimiter[] limiters = inRoute ? route : global;
            if (limiters.length > 0 || readings.isEmpty()) {
                return index < limiters.length ? limiters[index].remaining() : -1;
            }
            return readings.get(inRoute ? globalSpecs.size() + index : index).remaining();
        }

        /**
         * Nanoseconds until one limit's window ends, zero when none runs or not known.
         *
         * @param inRoute whether the limit is one of the route's, else a global one
         * @param index its index in its specs
         */
        public long resetInNanos(boolean inRoute, int index) {
            RateLimiter[] limiters = inRoute ? route : global;
            if (limiters.length > 0 || readings.isEmpty()) {
                return index < limiters.length ? limiters[index].resetInNanos() : 0;
            }
            return readings.get(inRoute ? globalSpecs.size() + index : index).resetInNanos();
        }
    }
}
