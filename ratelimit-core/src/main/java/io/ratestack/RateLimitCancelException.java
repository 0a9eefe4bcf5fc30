package io.ratestack;

/**
 * Thrown by the body given to {@link RateLimiter#call(java.util.concurrent.Callable)} or
 * {@link RateLimiter#run(Runnable)} to refund its use: the permit is cancelled instead of completed, so the use does
 * not count, and the exception is rethrown to the caller. This is slowstack's {@code RateLimitCancelError}.
 *
 * <p>It is control flow, not an error, so it carries no stack trace unless it has a cause.
 */
public class RateLimitCancelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A refund without a message. */
    public RateLimitCancelException() {
        super("use cancelled", null, false, false);
    }

    /**
     * @param message why the use is refunded
     */
    public RateLimitCancelException(String message) {
        super(message, null, false, false);
    }

    /**
     * @param message why the use is refunded
     * @param cause the failure that made the use not count
     */
    public RateLimitCancelException(String message, Throwable cause) {
        super(message, cause, false, true);
    }
}
