package io.ratestack;

/**
 * The counts of a limiter of your own, for {@link RateLimiters#custom(LimitAlgorithm, Clock)}: the engine around
 * it gives it everything the built-in limiters have (waiting by priority with timeouts, blocking or async; stacking
 * in {@link RateLimiters#all} and {@link RateLimiters#any} to any depth; weighted uses and settlements; pauses;
 * status listeners; close), and calls these methods to decide.
 *
 * <p>The engine calls them with the limiter's lock held, one thread at a time, each operation first bringing the
 * state up to the time it read ({@link #advance(long)}); times are {@link Clock#nanoTime()} readings of the
 * limiter's clock. They must be quick, must not block, throw or call any limiter, and need no synchronization of
 * their own. A cost is at least 1 and at most {@link #maxCost()}; a settled cost is at least 0.
 *
 * <p>docs/core.md ("Your own algorithm") shows a whole one, a fixed window of {@code limit} uses counting from its
 * first use, which the core's contract tests run over as over every built-in kind:
 *
 * <pre>{@code
 * public void take(int cost, long now) {
 *     if (!running) {
 *         running = true;
 *         end = now + windowNanos;
 *     }
 *     used += cost;
 * }
 * }</pre>
 *
 * <p>The untake after a take in the same lock hold matters to composites: a plan that takes a part and then finds
 * another part full gives the first back at once, and no other thread ever sees it taken. Leave anything the take
 * started (the window above) as it is, or undo it too; either is safe, since nothing else ran in between.
 */
public interface LimitAlgorithm {

    /** What {@link #growsInNanos(long, int)} answers when only the end of a held use can make room. */
    long NO_GROWTH = -1L;

    /**
     * Brings the counts up to {@code now}: ends windows, refills. Called first in every operation; {@code now} never
     * goes back.
     *
     * @param now the limiter's clock
     */
    void advance(long now);

    /**
     * How many units fit now.
     *
     * @return zero or more
     */
    int room();

    /**
     * The largest cost that can ever fit, whatever the counts: a larger one is refused at once. The same on every
     * call.
     *
     * @return at least 1
     */
    int maxCost();

    /**
     * Takes a use; called only when {@code cost <= room()}.
     *
     * @param cost the units the use takes
     * @param now the time of this operation, as {@link #advance(long)} saw it
     */
    void take(int cost, long now);

    /**
     * Gives back a use taken in this same lock hold: the exact inverse of {@link #take(int, long)} as far as
     * {@link #room()} is concerned.
     *
     * @param cost the units the use took
     */
    void untake(int cost);

    /**
     * Ends a use: it took {@code cost} and settles {@code actual}; zero is a cancel (it never counted).
     *
     * @param cost the units it took
     * @param actual the units it really cost, zero or more; may be more than {@code cost}
     * @param now the time of this operation
     */
    void release(int cost, int actual, long now);

    /**
     * How long until {@code cost} units could fit: zero if they fit now; when only the end of held uses can free
     * room, a guess that a client can wait for.
     *
     * @param now the time of this operation
     * @param cost the units wanted, at most {@link #maxCost()}
     * @return nanoseconds, zero or more
     */
    long retryAfterNanos(long now, int cost);

    /**
     * How long until time alone makes {@code units} fit, more than {@link #room()}: when a window ends with used
     * slots, when tokens refill. The engine sets its wake-up timer by this, only while something waits or listens.
     *
     * @param now the time of this operation
     * @param units more than {@link #room()}, at most {@link #maxCost()}
     * @return nanoseconds, positive, or {@link #NO_GROWTH} if only the end of held uses can make room
     */
    long growsInNanos(long now, int units);

    /**
     * How long until the counts are back to where a new limiter starts, as {@link RateLimiter#resetInNanos()}
     * reports it.
     *
     * @param now the time of this operation
     * @return nanoseconds, zero if nothing counts
     */
    long resetInNanos(long now);
}
