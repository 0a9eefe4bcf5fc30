package io.ratestack.spring.web;

import io.ratestack.Limit;
import java.time.Duration;
import java.util.Objects;

/**
 * One limit as a request's attempt saw it: its terms, as the {@code RateLimit-Policy} header names them, and, when
 * known, the uses it had left and the time until its window ends, as the {@code RateLimit} header and the
 * {@code violated-policies} of a refusal say them. Every store hands these over in the same shape, whether its limiters
 * are in memory or elsewhere.
 *
 * @param name the limit's name
 * @param quota how many uses the limit admits per window
 * @param window the limit's window
 * @param global whether the limit is one of the client's global limits, else one of its route's
 * @param remaining the uses left after the attempt, or {@code -1} when not known (the store was not reached, or the
 *     global limits refused before the route's limiters were looked up)
 * @param resetInNanos nanoseconds until the limit's window ends; zero when none runs or not known
 */
public record LimitReading(String name, int quota, Duration window, boolean global, int remaining,
        long resetInNanos) {

    /**
     * @throws IllegalArgumentException if the quota is not positive or {@code remaining} is below -1
     */
    public LimitReading {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(window, "window");
        if (quota <= 0) {
            throw new IllegalArgumentException("quota must be > 0 but was " + quota);
        }
        if (remaining < -1) {
            throw new IllegalArgumentException("remaining must be >= -1 but was " + remaining);
        }
    }

    /**
     * A limit's reading.
     *
     * @param limit the limit's terms, named
     * @param global whether it is a global limit
     * @param remaining the uses left, or {@code -1} when not known
     * @param resetInNanos nanoseconds until its window ends, zero when none runs or not known
     * @return the reading
     * @throws NullPointerException if the limit has no name
     */
    public static LimitReading of(Limit limit, boolean global, int remaining, long resetInNanos) {
        String name = Objects.requireNonNull(limit.name(), "a limit the filter applies is named");
        return new LimitReading(name, limit.limit(), limit.window(), global, remaining, resetInNanos);
    }

    /**
     * A limit whose state is not known.
     *
     * @param limit the limit's terms, named
     * @param global whether it is a global limit
     * @return the reading
     * @throws NullPointerException if the limit has no name
     */
    public static LimitReading unknown(Limit limit, boolean global) {
        return of(limit, global, -1, 0);
    }

    /** Whether the limit's state is known: its remaining uses and time to reset. */
    public boolean known() {
        return remaining >= 0;
    }

    /** Whether the limit had no use left: one that refused, or that the next use would find full. */
    public boolean exhausted() {
        return remaining == 0;
    }
}
