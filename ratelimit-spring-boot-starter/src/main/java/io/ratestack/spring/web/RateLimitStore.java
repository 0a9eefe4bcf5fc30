package io.ratestack.spring.web;

import io.ratestack.AcquireResult;
import io.ratestack.LimitSpec;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Where the filter takes each request's use: one use, of the request's cost, of the client's global limits and of
 * its route's limits together, all or nothing, without waiting. {@link MemoryRateLimitStore} keeps the limiters in this instance's memory;
 * the starter's Redis store shares them between instances through {@code ratelimit-redis}.
 */
public interface RateLimitStore {

    /**
     * Takes one use of {@code cost} units of the client's global limits and the route's limits together, without
     * waiting.
     *
     * @param client the client key
     * @param route a route that is not exempt
     * @param cost the request's cost, at least 1: what it takes of every limit
     * @return the attempt; a granted result holds a permit that must be closed (at its cost or another) or
     *     cancelled
     */
    Attempt tryAcquire(String client, Route route, int cost);

    /**
     * Takes one use of cost 1 of the client's global limits and the route's limits together, without waiting.
     *
     * @param client the client key
     * @param route a route that is not exempt
     * @return the attempt; a granted result holds a permit that must be closed or cancelled
     */
    default Attempt tryAcquire(String client, Route route) {
        return tryAcquire(client, route, 1);
    }

    /**
     * Takes one use like {@link #tryAcquire(String, Route, int)}, waiting up to {@code maxWait} for room when the
     * limits have none: for a route whose policy has a {@linkplain RoutePolicy#maxWait() max-wait}. The filter waits on
     * the request's thread for the future. A store that cannot wait answers at once, as by default.
     *
     * @param client the client key
     * @param route a route that is not exempt
     * @param cost the request's cost, at least 1
     * @param priority among the requests waiting for the same limiters, lower gets room first; equal ones in order of
     *     arrival (a store may not order them)
     * @param maxWait how long to wait at most, more than zero
     * @return a future of the attempt, completed at the latest about when {@code maxWait} has passed: granted, or the
     *     refusal as it stands then
     */
    default CompletableFuture<Attempt> acquire(String client, Route route, int cost, int priority, Duration maxWait) {
        return CompletableFuture.completedFuture(tryAcquire(client, route, cost));
    }

    /**
     * Takes one use of {@code cost} units of the client's global limits alone, without waiting: for a request whose
     * route's limits are in shadow mode and would have refused it. Its attempt's readings are the global limits'.
     *
     * @param client the client key
     * @param cost the request's cost, at least 1
     * @return the attempt; a granted result holds a permit that must be closed or cancelled
     */
    Attempt tryAcquireGlobal(String client, int cost);

    /** The global limits of every client, of any algorithm. */
    List<LimitSpec> globalSpecs();

    /**
     * A store of this kind (its connection, bounds and clock) with other global limits: for the clients of a plan
     * with global limits of its own ({@code ratelimit.plans}), and for global limits that change at runtime. Its
     * clients' state is its own, but for what a shared store keeps by the limits' terms (Redis keys its limits so).
     *
     * @param global the global limits of every client of the new store, at least one
     * @return the store
     * @throws UnsupportedOperationException if this store cannot make one, as by default
     */
    default RateLimitStore withGlobalLimits(List<? extends LimitSpec> global) {
        throw new UnsupportedOperationException(getClass().getName() + " takes only the global limits it was made with");
    }

    /**
     * What the actuator endpoint shows of the store itself, beyond the policies; empty by default.
     *
     * @return names and values that Jackson can write
     */
    default Map<String, Object> summary() {
        return Map.of();
    }

    /**
     * The outcome of one request's attempt: the permit or refusal, and a reading of each limit it was taken from, the
     * client's global limits first, in the order of {@link #globalSpecs()}, then the route's, in its policy's order.
     *
     * @param result the permit or refusal
     * @param limits a reading of every limit of the attempt; a limit whose state is not known (the store was not
     *     reached, or the route's limiters were not looked up because the global limits refused) reads as
     *     {@linkplain LimitReading#known() not known}. Not copied: the filter reads it at once, on the request's
     *     thread, and only as far as it needs (an admitted request without headers reads none), so a store whose
     *     limiters are at hand may read each one when it is first asked for
     * @param storeUnavailable whether the result is a refusal made because the store cannot be reached
     *     (fail-closed), not because a limit is reached
     */
    record Attempt(AcquireResult result, List<LimitReading> limits, boolean storeUnavailable) {

        /** @throws NullPointerException if the result or the readings are null */
        public Attempt {
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(limits, "limits");
        }

        /**
         * Whether waiting up to {@code nanos} could admit this refused attempt: its retry comes by then, or a
         * concurrency limit refuses it (room comes whenever a use ends, whatever the refusal's hint says).
         *
         * @param nanos the longest wait, in nanoseconds
         * @param cost the request's cost
         * @return whether a wait could help; {@code false} for a granted attempt or a store that cannot be reached
         */
        public boolean mayBeAdmittedWithin(long nanos, int cost) {
            if (!(result instanceof Refusal refusal) || storeUnavailable || nanos <= 0) {
                return false;
            }
            if (refusal.retryAfterNanos() <= nanos) {
                return true;
            }
            for (LimitReading limit : limits) {
                if (limit.concurrent() && limit.refuses(cost)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the state of any limit is known: remaining uses, time to reset, which limit refused. */
        public boolean tracked() {
            for (LimitReading limit : limits) {
                if (limit.known()) {
                    return true;
                }
            }
            return false;
        }
    }
}
