package io.ratestack;

/**
 * Whether a limiter would admit a use right now.
 *
 * @see RateLimiter#status()
 * @see RateLimiter#onStatusChange(java.util.function.Consumer)
 */
public enum RateLimitStatus {
    /** A {@link RateLimiter#tryAcquire()} now would be refused. */
    LOCKED,
    /** A {@link RateLimiter#tryAcquire()} now would be granted. */
    UNLOCKED
}
