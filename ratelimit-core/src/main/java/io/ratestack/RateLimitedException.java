package io.ratestack;

import org.jspecify.annotations.Nullable;

/**
 * A waiting acquire gave up: its timeout passed, the limiter was closed, or the waiting thread was interrupted (its
 * interrupt status is kept). Nothing is held when this is thrown.
 *
 * <p>A refusal of {@link RateLimiter#tryAcquire()} is never an exception: it is a {@link Refusal}.
 */
public class RateLimitedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what gave up and why
     */
    public RateLimitedException(String message) {
        super(message);
    }

    /**
     * @param message what gave up and why, or {@code null} (the message of a cause that has none)
     * @param cause the underlying cause, such as an {@link InterruptedException}
     */
    public RateLimitedException(@Nullable String message, Throwable cause) {
        super(message, cause);
    }
}
