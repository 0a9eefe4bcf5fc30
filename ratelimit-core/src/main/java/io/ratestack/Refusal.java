package io.ratestack;

import java.time.Duration;

/**
 * A refused {@link RateLimiter#tryAcquire()}: nothing is held, and nothing needs to be released.
 *
 * @param retryAfterNanos the best estimate of how long until a retry can succeed, in nanoseconds, never negative;
 *     {@link #NEVER} when the limiter can never admit again (it was closed). When every refusing slot is held by a
 *     use still in flight, no reset can free it, and the estimate is one period. A concurrency limiter, which no
 *     time frees, answers the hint its builder was given ({@link RateLimiters.ConcurrencyBuilder#retryAfter}, one
 *     second by default); it is never {@link #NEVER} while the limiter is open.
 * @param remaining how many uses the limiter could admit now; for a composite, the same bound that
 *     {@link RateLimiter#remaining()} gives
 */
public record Refusal(long retryAfterNanos, int remaining) implements AcquireResult {

    /** The {@link #retryAfterNanos()} of a limiter that can never admit again. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * @throws IllegalArgumentException if a value is negative
     */
    public Refusal {
        if (retryAfterNanos < 0) {
            throw new IllegalArgumentException("retryAfterNanos must be >= 0 but was " + retryAfterNanos);
        }
        if (remaining < 0) {
            throw new IllegalArgumentException("remaining must be >= 0 but was " + remaining);
        }
    }

    /** {@link #retryAfterNanos()} as a {@link Duration}. */
    public Duration retryAfter() {
        return Duration.ofNanos(retryAfterNanos);
    }

    /** Always {@code false}. */
    @Override
    public boolean isGranted() {
        return false;
    }

    /**
     * Always throws: a refusal holds no permit.
     *
     * @throws IllegalStateException always
     */
    @Override
    public Permit permit() {
        throw new IllegalStateException("the use was refused; retry after " + retryAfter());
    }
}
