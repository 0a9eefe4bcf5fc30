package io.ratestack;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * The lock of one {@link TimesPerLimiter}: a plain, non-reentrant mutex. Threads that find it taken park (never spin
 * and never hold a monitor), so virtual threads wait on it without pinning a carrier. Limiters lock several of them
 * in ascending {@link TimesPerLimiter#id} order, which rules out deadlock.
 */
final class Mutex extends AbstractQueuedSynchronizer {

    private static final long serialVersionUID = 1L;

    void lock() {
        if (!compareAndSetState(0, 1)) {
            acquire(1);
        }
    }

    void unlock() {
        release(1);
    }

    boolean isLocked() {
        return getState() != 0;
    }

    @Override
    protected boolean tryAcquire(int ignored) {
        return compareAndSetState(0, 1);
    }

    @Override
    protected boolean tryRelease(int ignored) {
        setState(0);
        return true;
    }
}
