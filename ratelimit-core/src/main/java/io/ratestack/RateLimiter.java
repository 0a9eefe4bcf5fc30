package io.ratestack;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A rate limiter: admits uses, each held as a {@link Permit} until it is completed ({@link Permit#close()}) or
 * refunded ({@link Permit#cancel()}). Made by {@link RateLimiters}; every kind (times-per, concurrency, token
 * bucket, GCRA, sliding window, all, any) is one of these, so limiters stack to any depth.
 *
 * <p>Three ways to acquire:
 * <ul>
 *   <li>{@link #tryAcquire()} never waits: it answers a {@link Permit} or a {@link Refusal} that says how long until
 *       a retry can succeed. It never throws and builds no stack trace, so it suits a servlet filter.</li>
 *   <li>{@link #acquire(int, Duration)} blocks until admitted, the timeout passes, or the limiter is closed.</li>
 *   <li>{@link #acquireAsync(int, Duration)} answers a future that completes when admitted, without a thread.</li>
 * </ul>
 *
 * <p>Waiters are admitted by priority (a lower value goes first) and, within one priority, in arrival order. A new
 * waiting acquire never overtakes a queued waiter; {@link #tryAcquire()}, which cannot queue, takes any room it
 * finds, except room a part keeps for a queued waiter of a larger cost. A waiter whose turn comes but which cannot be
 * admitted (an all-limiter waiting on another part) does not hold up those behind it.
 *
 * <p>Futures of waiters complete on the thread that frees the room (a refund, a completion that ends a window) or,
 * for a window that ends by time, on the common fork-join pool: chain slow work with the {@code *Async} methods.
 *
 * <p>Thread-safe. Limiters are not to be synchronized on.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Takes a use now if the limiter admits one, without waiting and without throwing: {@code tryAcquire(1)}.
     *
     * @return a {@link Permit} that must be closed or cancelled, or a {@link Refusal}
     */
    default AcquireResult tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Takes a use of {@code cost} units from every part at once, or nothing, without waiting. A cost larger than the
     * limiter can ever admit (a times-per limit, a concurrency limiter's permits, a bucket's capacity, a GCRA burst,
     * a sliding window's limit) is refused with {@link Refusal#NEVER}.
     *
     * @param cost the units the use takes, at least 1; settle a different one with {@link Permit#close(int)}
     * @return a {@link Permit} that must be closed or cancelled, or a {@link Refusal}
     * @throws IllegalArgumentException if {@code cost} is below 1
     */
    AcquireResult tryAcquire(int cost);

    /**
     * Waits, as long as it takes, for a use at priority 0.
     *
     * @return the permit; close or cancel it
     * @throws RateLimitedException if the limiter is closed or the thread is interrupted
     */
    default Permit acquire() {
        return acquire(0, ChronoUnit.FOREVER.getDuration());
    }

    /**
     * Waits at most {@code timeout} for a use at priority 0.
     *
     * @param timeout how long to wait; zero means do not wait
     * @return the permit; close or cancel it
     * @throws RateLimitedException if the timeout passes, the limiter is closed, or the thread is interrupted
     */
    default Permit acquire(Duration timeout) {
        return acquire(0, timeout);
    }

    /**
     * Waits at most {@code timeout} for a use.
     *
     * @param priority lower goes first; equal priorities go in arrival order
     * @param timeout how long to wait; zero means do not wait, {@code ChronoUnit.FOREVER.getDuration()} (or any
     *     duration of centuries) means no limit
     * @return the permit; close or cancel it
     * @throws RateLimitedException if the timeout passes, the limiter is closed, or the thread is interrupted (the
     *     interrupt status is kept)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    default Permit acquire(int priority, Duration timeout) {
        return acquire(1, priority, timeout);
    }

    /**
     * Waits at most {@code timeout} for a use of {@code cost} units from every part at once. A waiter is admitted
     * only when all its cost fits, and a part that has too little room for it keeps what it has for it: neither
     * smaller waiters queued behind it nor {@link #tryAcquire(int)} take that room, so large uses are not starved.
     * A cost larger than the limiter can ever admit fails at once.
     *
     * @param cost the units the use takes, at least 1; settle a different one with {@link Permit#close(int)}
     * @param priority lower goes first; equal priorities go in arrival order
     * @param timeout how long to wait; zero means do not wait
     * @return the permit; close or cancel it
     * @throws RateLimitedException if the timeout passes, the limiter is closed, the cost can never be admitted, or
     *     the thread is interrupted (the interrupt status is kept)
     * @throws IllegalArgumentException if {@code cost} is below 1 or {@code timeout} is negative
     */
    Permit acquire(int cost, int priority, Duration timeout);

    /**
     * Like {@link #acquire()}, without blocking a thread.
     *
     * @return a future of the permit; cancelling it withdraws the waiter
     */
    default CompletableFuture<Permit> acquireAsync() {
        return acquireAsync(0, ChronoUnit.FOREVER.getDuration());
    }

    /**
     * Like {@link #acquire(Duration)}, without blocking a thread.
     *
     * @param timeout how long to wait; zero means do not wait
     * @return a future of the permit, failed with {@link RateLimitedException} on timeout or close; cancelling it
     *     withdraws the waiter
     */
    default CompletableFuture<Permit> acquireAsync(Duration timeout) {
        return acquireAsync(0, timeout);
    }

    /**
     * Like {@link #acquire(int, Duration)}, without blocking a thread. Completing the future in any other way
     * ({@code cancel}, {@code orTimeout}, ...) withdraws the waiter; a permit granted at the same moment is refunded,
     * so nothing leaks.
     *
     * @param priority lower goes first; equal priorities go in arrival order
     * @param timeout how long to wait; zero means do not wait
     * @return a future of the permit, failed with {@link RateLimitedException} on timeout or close
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    default CompletableFuture<Permit> acquireAsync(int priority, Duration timeout) {
        return acquireAsync(1, priority, timeout);
    }

    /**
     * Like {@link #acquire(int, int, Duration)}, without blocking a thread.
     *
     * @param cost the units the use takes, at least 1
     * @param priority lower goes first; equal priorities go in arrival order
     * @param timeout how long to wait; zero means do not wait
     * @return a future of the permit, failed with {@link RateLimitedException} on timeout, close, or a cost that can
     *     never be admitted; cancelling it withdraws the waiter
     * @throws IllegalArgumentException if {@code cost} is below 1 or {@code timeout} is negative
     */
    CompletableFuture<Permit> acquireAsync(int cost, int priority, Duration timeout);

    /**
     * Acquires (waiting as long as it takes), runs {@code body}, and completes the use. If the body throws
     * {@link RateLimitCancelException} the use is refunded instead; any other exception still counts as a use.
     * Either way the exception is rethrown.
     *
     * @param body the rate-limited work
     * @param <T> what the body returns
     * @return what the body returned
     * @throws Exception what the body threw
     */
    default <T> T call(Callable<T> body) throws Exception {
        Permit permit = acquire();
        T result;
        try {
            result = body.call();
        } catch (RateLimitCancelException cancel) {
            permit.cancel();
            throw cancel;
        } catch (Throwable failure) {
            permit.close();
            throw failure;
        }
        permit.close();
        return result;
    }

    /**
     * {@link #call(Callable)} for a body without a result.
     *
     * @param body the rate-limited work
     */
    default void run(Runnable body) {
        try {
            call(Executors.callable(body));
        } catch (RuntimeException | Error unchecked) {
            throw unchecked;
        } catch (Exception checked) {
            throw Blocking.<RuntimeException>sneaky(checked); // a Runnable that threw it anyway gets it back as is
        }
    }

    /** {@link RateLimitStatus#UNLOCKED} if a {@link #tryAcquire()} now would be granted. */
    RateLimitStatus status();

    /**
     * How many uses could be taken now. Exact for a times-per limiter ({@code limit - used - inFlight}), a
     * concurrency limiter ({@code permits - inUse}), a token bucket (its whole tokens) and a GCRA limiter and a
     * sliding window (the uses it would admit now at once); for an all-limiter the least of its children, for an any-limiter their sum,
     * which are bounds when children share a limiter.
     * {@link Integer#MAX_VALUE} for a composite without children.
     */
    int remaining();

    /**
     * How long until the current window ends and its used slots are free again, in nanoseconds; zero when no window
     * is running, and always for a concurrency limiter, which has no windows; for a token bucket, the time until it
     * is full; for a GCRA limiter, the time until it is fully recovered; for a sliding window, the time until
     * both its counted windows have rolled out. For an all-limiter the longest of its
     * parts, for an any-limiter the shortest. With {@link #remaining()}
     * this is what the IETF {@code RateLimit} header reports.
     */
    long resetInNanos();

    /**
     * Admits nothing for {@code duration} from now (or until a later pause ends), as when a server answered 429
     * with {@code Retry-After}. Waiters stay queued and are served when the pause ends; held permits are unaffected.
     * Pausing a composite pauses every in-memory limiter in it (times-per, concurrency, token bucket, GCRA,
     * sliding window), and so
     * every other limiter that shares one.
     *
     * @param duration how long to admit nothing; zero does nothing
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    void pause(Duration duration);

    /** How many acquires made through this limiter are waiting. */
    int waiting();

    /**
     * Tells {@code listener} each change of {@link #status()}, as slowstack's {@code status_feed} does (call
     * {@link #status()} for the current one). The listener runs on the thread that made the change, after the
     * limiter's locks are released, never twice at once; two quick flips may reach it as none.
     *
     * @param listener told each new status; it must not block
     * @return a handle that unsubscribes
     */
    Subscription onStatusChange(Consumer<RateLimitStatus> listener);

    /**
     * Closes this limiter: every waiter on it fails with {@link RateLimitedException}, later acquires fail, and
     * {@link #tryAcquire()} refuses with {@link Refusal#NEVER}. Held permits stay valid. Closing a composite does not
     * close its children; closing a limiter, in memory or remote, fails the waiters of composites that
     * can no longer admit without it. Idempotent.
     */
    @Override
    void close();
}
