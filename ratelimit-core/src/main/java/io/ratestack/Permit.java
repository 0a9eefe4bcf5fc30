package io.ratestack;

/**
 * A held use of a limiter. Exactly one of {@link #close()} (complete: the use counts) and {@link #cancel()}
 * (refund: the use does not count, and its slot is free at once) takes effect: the first call wins, later calls do
 * nothing. Either may be called from any thread.
 *
 * <pre>{@code
 * try (Permit permit = limiter.acquire()) {
 *     Response response = send();
 *     if (response.status() == 500) {
 *         permit.cancel(); // the failed call does not count
 *     }
 * }
 * }</pre>
 *
 * <p>A permit that is never closed or cancelled holds its slot forever. For a concurrency limiter the two are the
 * same: a use counts only while it is held, so there is nothing to refund but the unit, which either call gives
 * back at once. For a token bucket the token is spent when the use is admitted: closing keeps it spent, cancelling
 * puts it back (never above the bucket's capacity), and holding the permit holds nothing. For a GCRA limiter
 * likewise closing keeps the use paid and cancelling takes one emission interval off its debt (never below zero).
 * For a sliding window closing keeps the use counted and cancelling takes one use off the running window's count,
 * or the previous window's if the running one has none.
 */
public non-sealed interface Permit extends AcquireResult, AutoCloseable {

    /** Completes the use: it counts against every limiter it was taken from. Idempotent. */
    @Override
    void close();

    /** Refunds the use: it never counts, and its slot is free at once for the next waiter. Idempotent. */
    void cancel();

    /** Always {@code true}. */
    @Override
    default boolean isGranted() {
        return true;
    }

    /** This permit. */
    @Override
    default Permit permit() {
        return this;
    }
}
