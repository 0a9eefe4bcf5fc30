package io.ratestack.spring.web;

import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * One limit as a request's attempt saw it: its terms, as the {@code RateLimit-Policy} header names them, and, when
 * known, the uses it had left and the time until it is fully recovered, as the {@code RateLimit} header and the
 * {@code violated-policies} of a refusal say them. Every store hands these over in the same shape, whether its limiters
 * are in memory or elsewhere.
 *
 * @param name the limit's name
 * @param quota how many uses the limit admits at once when fully recovered: its {@link LimitSpec#maxCost()}
 * @param window the time over which the quota applies: a times-per or sliding window; a token bucket's refill from
 *     empty, a GCRA limiter's burst of intervals (each its {@link LimitSpec#recovery()}); zero for a concurrency
 *     limit, which has none
 * @param concurrent whether the quota counts requests in flight at once (the header's
 *     {@code qu="concurrent-requests"}) rather than requests
 * @param global whether the limit is one of the client's global limits, else one of its route's
 * @param remaining the uses left after the attempt, or {@code -1} when not known (the store was not reached, or the
 *     global limits refused before the route's limiters were looked up)
 * @param resetInNanos nanoseconds until the limit is fully recovered (a times-per window ends); zero when it is, or
 *     not known
 */
public record LimitReading(String name, int quota, Duration window, boolean concurrent, boolean global,
        int remaining, long resetInNanos) {

    /**
     * @throws IllegalArgumentException if the quota is not positive, the window negative or {@code remaining} below -1
     */
    public LimitReading {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(window, "window");
        if (quota <= 0) {
            throw new IllegalArgumentException("quota must be > 0 but was " + quota);
        }
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must be >= 0 but was " + window);
        }
        if (remaining < -1) {
            throw new IllegalArgumentException("remaining must be >= -1 but was " + remaining);
        }
    }

    /**
     * A limit's reading.
     *
     * @param limit the limit's terms, of any algorithm, named
     * @param global whether it is a global limit
     * @param remaining the uses left, or {@code -1} when not known
     * @param resetInNanos nanoseconds until it is fully recovered, zero when it is or not known
     * @return the reading
     * @throws NullPointerException if the limit has no name
     */
    public static LimitReading of(LimitSpec limit, boolean global, int remaining, long resetInNanos) {
        String name = Objects.requireNonNull(limit.name(), "a limit the filter applies is named");
        Duration window = limit instanceof Limit timesPer ? timesPer.window()
                : limit instanceof LimitSpec.SlidingWindow sliding ? sliding.window()
                : limit.recovery();
        return new LimitReading(name, limit.maxCost(), window, limit instanceof LimitSpec.Concurrency, global,
                remaining, resetInNanos);
    }

    /**
     * A limit whose state is not known.
     *
     * @param limit the limit's terms, of any algorithm, named
     * @param global whether it is a global limit
     * @return the reading
     * @throws NullPointerException if the limit has no name
     */
    public static LimitReading unknown(LimitSpec limit, boolean global) {
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
