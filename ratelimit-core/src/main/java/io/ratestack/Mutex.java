package io.ratestack;

import java.util.concurrent.locks.AbstractQueuedLongSynchronizer;

/**
 * The lock of a limiter and, for a leaf, the word its counts live in: one {@code long}, the synchronizer's state.
 * Its top bit, {@link #HELD}, is a plain, non-reentrant mutex; the bit below, {@link #SLOW}, says the leaf takes
 * the locked path for good; the {@link #BITS} below those are the algorithm's. While the lock is held only its holder
 * writes the word. While it is not, an algorithm's lock-free path may change its bits by one compare-and-set of the
 * whole word, which fails if the lock was taken meanwhile, so a holder always sees its leaf alone.
 *
 * <p>Threads that find the lock taken spin a little, yield, then park (never hold a monitor), so virtual threads wait
 * on it without pinning a carrier. Limiters lock several leaves in ascending {@link Part#id} order, which rules out
 * deadlock. Composites use theirs only to guard their listeners. (The long synchronizer, because the int one's
 * {@code tryAcquire(int)} would clash with {@link RateLimiter#tryAcquire(int)}.)
 */
abstract class Mutex extends AbstractQueuedLongSynchronizer {

    private static final long serialVersionUID = 1L;

    /** The lock bit. */
    static final long HELD = Long.MIN_VALUE;
    /**
     * Set, never cleared, once a leaf must not be changed without the lock: something waits for it, listens to it or
     * paused it, or it is closed. A lock-free path that finds it (or {@link #HELD}) takes the lock instead.
     */
    static final long SLOW = 1L << 62;
    /** The bits an algorithm keeps its counts in. */
    static final long BITS = SLOW - 1;
    /** Either bit that sends a lock-free path to the lock. */
    static final long LOCKED_PATH = HELD | SLOW;

    /** Critical sections are a few dozen instructions: a holder is usually out before a parked thread is awake. */
    private static final int SPINS = 64;
    private static final int YIELDS = 4;

    @SuppressWarnings("ThreadPriorityCheck") // yield only speeds a holder's exit; acquire() alone makes the lock correct
    final void lock() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (tryLock()) {
                return;
            }
        }
        // The holder may be off its core (more threads than cores): give it the core before parking.
        for (int i = 0; i < YIELDS; i++) {
            Thread.yield();
            if (tryLock()) {
                return;
            }
        }
        acquire(1L);
    }

    final void unlock() {
        release(1L);
    }

    /** Takes the lock if it is free: a lock-free path's compare-and-set meanwhile only makes it look again. */
    private boolean tryLock() {
        long word;
        while (((word = getState()) & HELD) == 0) {
            if (compareAndSetState(word, word | HELD)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected final boolean tryAcquire(long ignored) {
        return tryLock();
    }

    @Override
    protected final boolean tryRelease(long ignored) {
        setState(getState() & ~HELD);
        return true;
    }

    /** The algorithm's bits of the word. */
    final long bits() {
        return getState() & BITS;
    }

    /** Sets the algorithm's bits of the word; call with the lock held. */
    final void setBitsLocked(long bits) {
        setState((getState() & ~BITS) | bits);
    }

    /** Sets {@link #SLOW} for good; call with the lock held. */
    final void markSlowLocked() {
        setState(getState() | SLOW);
    }
}
