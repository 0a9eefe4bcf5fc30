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
 * @param quota how many uses the limit admits over {@code window}: a times-per or sliding window's limit; for a
 *     token bucket or GCRA limiter, what it admits at once when fully recovered (its {@link LimitSpec#maxCost()}),
 *     scaled to the window in whole seconds when its recovery is not whole seconds long, so that quota per window
 *     stays its sustained rate (GCRA's 100 per second, burst 1: 100 over 1 second, not 1); a concurrency limit's
 *     permits
 * @param window the time over which the quota applies: a times-per or sliding window; a token bucket's refill from
 *     empty, a GCRA limiter's burst of intervals (each its {@link LimitSpec#recovery()}), rounded up to whole seconds;
 *     zero for a concurrency limit, which has none
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

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

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
     * A reading of a limit that counts requests (not requests in flight).
     *
     * @param name the limit's name
     * @param quota how many uses the limit admits per window
     * @param window the limit's window
     * @param global whether the limit is one of the client's global limits
     * @param remaining the uses left after the attempt, or {@code -1} when not known
     * @param resetInNanos nanoseconds until the limit is fully recovered; zero when it is, or not known
     */
    public LimitReading(String name, int quota, Duration window, boolean global, int remaining, long resetInNanos) {
        this(name, quota, window, false, global, remaining, resetInNanos);
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
        if (limit instanceof Limit timesPer) {
            return new LimitReading(name, timesPer.limit(), timesPer.window(), false, global, remaining, resetInNanos);
        }
        if (limit instanceof LimitSpec.SlidingWindow sliding) {
            return new LimitReading(name, sliding.limit(), sliding.window(), false, global, remaining, resetInNanos);
        }
        if (limit instanceof LimitSpec.Concurrency concurrency) {
            return new LimitReading(name, concurrency.permits(), Duration.ZERO, true, global, remaining,
                    resetInNanos);
        }
        // A token bucket or GCRA: its quota over its recovery, in whole seconds.
        long nanos = Math.max(1L, limit.recovery().toNanos());
        long seconds = (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
        long quota = seconds * NANOS_PER_SECOND == nanos ? limit.maxCost()
                : (long) Math.min(Integer.MAX_VALUE, Math.floor((double) limit.maxCost() * seconds * NANOS_PER_SECOND
                        / nanos));
        return new LimitReading(name, (int) Math.max(1L, quota), Duration.ofSeconds(seconds), false, global,
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

    /**
     * Whether the limit had too little left for a use of {@code cost}: one that refused a request of that cost.
     *
     * @param cost the request's cost
     * @return whether its state is known and fewer than {@code cost} uses were left
     */
    public boolean refuses(int cost) {
        return remaining >= 0 && remaining < cost;
    }
}
