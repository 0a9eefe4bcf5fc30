package io.ratestack;

/**
 * A held use of a limiter. Exactly one of {@link #close()} (complete: the use counts), {@link #close(int)} (complete,
 * counting a different cost than it took) and {@link #cancel()} (refund: the use does not count, and its slots are
 * free at once) takes effect: the first call wins, later calls do nothing. Any of them may be called from any
 * thread.
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
 * <p>A permit that is never closed or cancelled holds its slots forever. For a concurrency limiter the three are the
 * same: a use counts only while it is held, so there is nothing to refund but its units, which any of them gives
 * back at once. For a token bucket the tokens are spent when the use is admitted: closing keeps them spent,
 * cancelling puts them back (never above the bucket's capacity), and holding the permit holds nothing. For a GCRA
 * limiter likewise closing keeps the use paid and cancelling takes its emission intervals off its debt (never below
 * zero). For a sliding window closing keeps the use counted and cancelling takes its cost off the running window's
 * count, and what that lacks off the previous window's.
 *
 * <h2>Settling the real cost</h2>
 *
 * <p>A use may reserve an estimate ({@link RateLimiter#acquire(int, int, java.time.Duration)} with a cost) and pay
 * what it really used with {@link #close(int)}: response bytes, tokens of a model's answer, milliseconds. What each
 * limiter does with the difference between the reserved cost {@code c} and the settled one {@code a}:
 * <ul>
 *   <li>times-per: the use's {@code c} in-flight slots are freed and {@code a} used slots counted in the window
 *       (starting it if none runs); {@code used} may pass the limit, and then nothing is admitted until the window
 *       ends; {@code a = 0} is a cancel;</li>
 *   <li>concurrency: the {@code c} units come back, whatever {@code a} is;</li>
 *   <li>token bucket: {@code c - a} tokens come back (never above capacity), or {@code a - c} more are taken, which
 *       may leave the bucket in debt: nothing is admitted until the refill repays it;</li>
 *   <li>GCRA: the theoretical arrival time moves by {@code (a - c)} emission intervals, never below now;</li>
 *   <li>sliding window: {@code a - c} more uses count in the running window, or {@code c - a} come off it (and off
 *       the previous window's count for what it lacks);</li>
 *   <li>all and any: every part the use holds settles {@code a}.</li>
 * </ul>
 * {@code close(c)} is {@link #close()}; {@code close(0)} is {@link #cancel()}.
 */
public non-sealed interface Permit extends AcquireResult, AutoCloseable {

    /** Completes the use: it counts against every limiter it was taken from. Idempotent. */
    @Override
    void close();

    /**
     * Completes the use, counting {@code actualCost} instead of the cost it took: see "Settling the real cost" above.
     * Idempotent, as {@link #close()}: only the first of the three calls takes effect.
     *
     * @param actualCost what the use really cost, zero or more; it may be more than it took
     * @throws IllegalArgumentException if {@code actualCost} is negative (nothing is settled then)
     */
    void close(int actualCost);

    /** Refunds the use: it never counts, and its units are free at once for the next waiter. Idempotent. */
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
