package io.ratestack;

import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Part} needs only once something waits for it or listens to it: an idle limiter has none,
 * which keeps it small and keeps its hot path free of bookkeeping. Made on first need, never dropped. Every field
 * but {@link #dispatching} and {@link #observers} is guarded by the leaf's lock.
 */
final class PartSupport {

    /** Capacity may have grown: queued waiters should be tried. */
    static final int GREW = 1;
    /** The counts changed: observers (composites listening for their status) should look. */
    static final int CHANGED = 2;
    /** A waiter joined a non-empty queue without trying: the queue should be served in order. */
    static final int SERVE = 4;

    /** Waiters registered on this leaf, best first (lower priority value, then arrival); change through add/remove. */
    final TreeSet<Waiter> queue = new TreeSet<>();
    /** How many queued waiters have a cost above 1: while none has, no waiter can need room that others could take. */
    int heavyWaiters;
    /** Events since the last {@link Part#afterChange()}. */
    int events;
    /** A window ended while waiters were queued; the next one starts at {@link #resetAt} if they still are. */
    boolean restartPending;
    long resetAt;
    /** {@link RateLimiter#pause(java.time.Duration)}: nothing is admitted until {@link #pausedUntil}. */
    boolean paused;
    long pausedUntil;
    @Nullable Cancellable timer;
    long timerAt;
    @Nullable StatusPublisher publisher;
    /** Composites over this leaf that have status listeners. */
    final CopyOnWriteArrayList<Runnable> observers = new CopyOnWriteArrayList<>();
    /** How many queued waiters belong to limiters with a {@link RemotePart}: trying them may be slow. */
    int remoteWaiters;
    /** Serializes dispatch passes: requests made during a pass cause one more pass, never a nested one. */
    final AtomicInteger dispatching = new AtomicInteger();

    void add(Waiter waiter) {
        if (queue.add(waiter)) {
            heavyWaiters += waiter.cost > 1 ? 1 : 0;
            remoteWaiters += waiter.remote ? 1 : 0;
        }
    }

    void remove(Waiter waiter) {
        if (!queue.remove(waiter)) {
            return;
        }
        heavyWaiters -= waiter.cost > 1 ? 1 : 0;
        remoteWaiters -= waiter.remote ? 1 : 0;
    }

    /** Whether something must be woken when capacity returns: waiters, listeners, observing composites. */
    boolean wantsWakeUps() {
        return !queue.isEmpty() || (publisher != null && publisher.hasListeners()) || !observers.isEmpty();
    }
}
