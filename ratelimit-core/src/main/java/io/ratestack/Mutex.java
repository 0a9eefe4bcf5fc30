package io.ratestack;

import java.util.concurrent.locks.AbstractQueuedLongSynchronizer;

/**
 * The lock of a {@link Part}, built into every limiter so that a leaf needs no lock object of its own: a
 * plain, non-reentrant mutex. Threads that find it taken park (never spin and never hold a monitor), so virtual
 * threads wait on it without pinning a carrier. Limiters lock several leaves in ascending {@link Part#id}
 * order, which rules out deadlock. Composites use theirs only to guard their listeners. (The long synchronizer,
 * because the int one's {@code tryAcquire(int)} would clash with {@link RateLimiter#tryAcquire(int)}.)
 */
abstract class Mutex extends AbstractQueuedLongSynchronizer {

    private static final long serialVersionUID = 1L;

    /** Critical sections are a few dozen instructions: a holder is usually out before a parked thread is awake. */
    private static final int SPINS = 64;
    private static final int YIELDS = 4;

    @SuppressWarnings("ThreadPriorityCheck") // yield only speeds a holder's exit; acquire() alone makes the lock correct
    final void lock() {
        if (compareAndSetState(0, 1)) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (getState() == 0 && compareAndSetState(0, 1)) {
                return;
            }
        }
        // The holder may be off its core (more threads than cores): give it the core before parking.
        for (int i = 0; i < YIELDS; i++) {
            Thread.yield();
            if (getState() == 0 && compareAndSetState(0, 1)) {
                return;
            }
        }
        acquire(1L);
    }

    final void unlock() {
        release(1L);
    }

    @Override
    protected final boolean tryAcquire(long ignored) {
        return compareAndSetState(0, 1);
    }

    @Override
    protected final boolean tryRelease(long ignored) {
        setState(0);
        return true;
    }
}
