package io.ratestack;

import org.jspecify.annotations.Nullable;

/**
 * At most {@code permits} uses at once, with no time at all: a semaphore with the engine's priorities, timeouts,
 * async waiting, pauses and status.
 *
 * <p>{@code remaining = permits - inUse}. An acquire takes a unit per unit of its cost; completing or cancelling its
 * permit gives them back at once, the same either way and whatever cost it settles (nothing counts after a use ends,
 * so there is nothing to refund but the units). No window runs, nothing ends by time and no timer runs for room: only the end of a held use admits the next
 * waiter. A refusal's retry-after is the terms's hint, since no time is known at which a unit comes back.
 */
final class ConcurrencyLimiter extends Part {

    private static final long serialVersionUID = 1L;

    /**
     * The terms of a concurrency limiter, shared by all the limiters one builder makes.
     *
     * @param permits how many uses may be held at once
     * @param retryAfterNanos the retry-after of a refusal, positive and below {@link Refusal#NEVER}
     */
    record Terms(int permits, long retryAfterNanos, Clock clock, @Nullable String name) {
    }

    final Terms terms;

    // The units held by uses not yet ended are the word's bits (Mutex).

    ConcurrencyLimiter(Terms terms) {
        this.terms = terms;
    }

    @Override
    Clock clock() {
        return terms.clock;
    }

    /** Nothing ends by time. */
    @Override
    void advance(long now) {
    }

    @Override
    boolean fits(int cost) {
        return room() >= cost;
    }

    @Override
    void take(int cost) {
        setBitsLocked(bits() + cost);
    }

    @Override
    void untake(int cost) {
        setBitsLocked(bits() - cost);
    }

    /** Takes the units by one compare-and-set when they are free, else refuses; no clock is read. */
    @Override
    @Nullable AcquireResult tryAcquireLockFree(int cost) {
        int permits = terms.permits;
        if (cost > permits) {
            return null;
        }
        long word;
        while (((word = getState()) & LOCKED_PATH) == 0) {
            long inUse = word & BITS;
            if (inUse + cost > permits) {
                return new Refusal(terms.retryAfterNanos, (int) (permits - inUse));
            }
            if (compareAndSetState(word, word + cost)) {
                return new LeafPermit(this, cost);
            }
        }
        return null;
    }

    /** Gives the units back by one compare-and-set. */
    @Override
    boolean releaseLockFree(int cost, int actual) {
        long word;
        while (((word = getState()) & LOCKED_PATH) == 0) {
            if (compareAndSetState(word, word - cost)) {
                return true;
            }
        }
        return false;
    }

    /** Gives the units back, whatever cost the use settles: only holding counts. */
    @Override
    void release(int cost, int actual, long now) {
        setBitsLocked(bits() - cost);
        mark(PartSupport.GREW | PartSupport.CHANGED);
        assert bits() <= terms.permits : this + " broke its count";
    }

    @Override
    int room() {
        return (int) (terms.permits - bits());
    }

    @Override
    int maxCost() {
        return terms.permits;
    }

    /** Zero if the units are free, else the hint: only a use's end frees one, at a time nobody knows. */
    @Override
    long retryAfter(long now, int cost) {
        return fits(cost) ? 0L : terms.retryAfterNanos;
    }

    @Override
    long growsIn(long now, int wanted) {
        return NO_GROWTH;
    }

    /** The hint, as for {@link #retryAfter(long, int)}. */
    @Override
    long nextFreeIn(long now) {
        return terms.retryAfterNanos;
    }

    /** No window ever runs. */
    @Override
    long resetIn(long now) {
        return 0L;
    }

    @Override
    public String toString() {
        String text = terms.permits + " at once";
        return "concurrency(" + (terms.name == null ? text : terms.name + ": " + text) + ")";
    }
}
