package io.ratestack;

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
     * @param message what gave up and why
     * @param cause the underlying cause, such as an {@link InterruptedException}
     */
    public RateLimitedException(String message, Throwable cause) {
        super(message, cause);
    }
}
