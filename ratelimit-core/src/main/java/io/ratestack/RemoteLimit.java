package io.ratestack;

/**
 * A limit whose counts live outside this JVM, in a store that many instances share (such as Redis): it can be tried
 * at once, never waited on, since a slot freed by another instance makes no sound here.
 * {@link RateLimiters#remote(RemoteLimit, Clock)} turns one into a full {@link RateLimiter}, which waits by priority
 * and stacks with in-memory limiters in {@link RateLimiters#all} and {@link RateLimiters#any}.
 *
 * <p>Implementations are thread-safe, answer within a bounded time (a store that does not answer in time is a
 * failure that the implementation turns into a {@link Permit} or a {@link Refusal} by its own policy), and never
 * throw from {@link #tryAcquire(int)}.
 */
public interface RemoteLimit {

    /**
     * Takes a use of {@code cost} units now if the store admits it (all of it, or nothing).
     *
     * @param cost at least 1
     * @return a {@link Permit} whose close, {@link Permit#close(int) settlement} and cancel reach the store, or a
     *     {@link Refusal} whose retry-after is the store's best estimate of when a retry can succeed, and
     *     {@link Refusal#NEVER} if the cost is more than the store can ever admit
     */
    AcquireResult tryAcquire(int cost);

    /**
     * Reads the counts without taking anything.
     *
     * @return how many uses the store would admit now, and how long until its running window ends
     */
    State state();

    /**
     * What {@link RemoteLimit#state()} reads.
     *
     * @param remaining how many uses could be taken now, as {@link RateLimiter#remaining()}
     * @param resetInNanos nanoseconds until the running window ends, zero when none runs, as
     *     {@link RateLimiter#resetInNanos()}
     */
    record State(int remaining, long resetInNanos) {
    }
}
