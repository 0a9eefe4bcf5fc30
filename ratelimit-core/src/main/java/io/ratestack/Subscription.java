package io.ratestack;

/**
 * A handle to a registered listener; {@link #close()} unsubscribes it. Closing twice does nothing.
 *
 * @see RateLimiter#onStatusChange(java.util.function.Consumer)
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

    /** Stops the listener from being called. Idempotent. */
    @Override
    void close();
}
