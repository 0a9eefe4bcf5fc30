package io.ratestack;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * An acquire that waits: registered in the queue of every leaf of its limiter, tried again whenever one of them may
 * have room, until it is admitted, times out, is withdrawn, or its limiter can never admit again. Its state is
 * guarded by the locks of all those leaves, so exactly one of these outcomes happens.
 */
final class Waiter implements Comparable<Waiter> {

    private static final AtomicLong ARRIVALS = new AtomicLong();
    private static final System.Logger LOG = System.getLogger(Waiter.class.getName());

    final AbstractLimiter target;
    /** What the use takes from each part. */
    final int cost;
    private final int priority;
    private final long arrival = ARRIVALS.incrementAndGet();
    private final boolean blocking;
    final CompletableFuture<Permit> future = new CompletableFuture<>();
    volatile @Nullable Cancellable timeout;
    /** Guarded by the locks of all of {@code target}'s leaves. */
    boolean pending = true;
    /** Whether {@code target} has remote parts: then {@link RemotePlan} admits this waiter. */
    final boolean remote;
    /** Guarded as {@link #pending}: a {@link RemotePlan} is asking remote parts for this waiter right now. */
    boolean asking;
    /** Guarded as {@link #pending}: it was to be tried again while {@link #asking}; the attempt then starts over. */
    boolean missedWakeUp;

    Waiter(AbstractLimiter target, int cost, int priority, boolean blocking) {
        this.target = target;
        this.cost = cost;
        this.priority = priority;
        this.blocking = blocking;
        this.remote = target.hasRemoteParts();
    }

    @Override
    public int compareTo(Waiter other) {
        int byPriority = Integer.compare(priority, other.priority);
        return byPriority != 0 ? byPriority : Long.compare(arrival, other.arrival);
    }

    /** Admits this waiter if its limiter has room for it now. */
    void tryAdmit() {
        if (remote) {
            RemotePlan.tryAdmit(this);
            return;
        }
        Part[] leaves = target.leaves();
        HeldPermit permit = null;
        boolean impossible = false;
        AbstractLimiter.lockAll(leaves);
        try {
            if (!pending) {
                return;
            }
            AbstractLimiter.rollAll(leaves, target.clock().nanoTime());
            if (!target.canEverAdmit() || cost > target.largestCost()) {
                impossible = true;
                leaveLocked(leaves);
            } else {
                Part[] taken = target.reserveTop(cost, this);
                if (taken != null) {
                    AbstractLimiter.markTaken(taken);
                    leaveLocked(leaves);
                    permit = new HeldPermit(target, taken, cost);
                }
            }
        } finally {
            AbstractLimiter.unlockAll(leaves);
        }
        // Deliver before the follow-ups: they may serve other queues, and this waiter's turn came first.
        if (permit != null) {
            deliver(permit);
        } else if (impossible) {
            fail(new RateLimitedException(target + " is closed"));
        }
        AbstractLimiter.afterChanges(leaves);
    }

    /** Fails this waiter if its limiter was closed, or a limiter it needs was, or what is open cannot hold its cost. */
    void failIfImpossible() {
        if (leaveIf(true)) {
            fail(new RateLimitedException(target + " is closed"));
        }
    }

    /** The timeout passed. */
    void expire(long timeoutNanos) {
        if (leaveIf(false)) {
            fail(new RateLimitedException(
                    "timed out after " + Duration.ofNanos(timeoutNanos) + " waiting for " + target));
        }
    }

    /**
     * Withdraws this waiter once its future is completed, by whoever completes it (its caller cancelling, say). The
     * future's own outcome is its caller's to see; a withdrawal that fails is logged.
     */
    void withdrawOnCompletion() {
        future.handle((permit, failure) -> {
            withdraw();
            return null;
        }).exceptionally(failed -> {
            LOG.log(System.Logger.Level.WARNING, "withdrawing a waiter for " + target + " failed", failed);
            return null;
        });
    }

    /** The future was completed by someone else (cancelled, say): stop waiting. */
    private void withdraw() {
        Cancellable t = timeout;
        if (t != null) {
            t.cancel();
        }
        leaveIf(false);
    }

    private boolean leaveIf(boolean onlyIfImpossible) {
        Part[] leaves = target.leaves();
        boolean left = false;
        AbstractLimiter.lockAll(leaves);
        try {
            if (pending && (!onlyIfImpossible || !target.canEverAdmit() || cost > target.largestCost())) {
                leaveLocked(leaves);
                left = true;
            }
        } finally {
            AbstractLimiter.unlockAll(leaves);
        }
        if (left) {
            AbstractLimiter.afterChanges(leaves);
        }
        return left;
    }

    /**
     * Joins the queue of every leaf of the target, with all their locks held, and starts the timeout.
     *
     * @param serve whether the queues are to be served in order (this waiter joined waiters already queued, or its
     *     admission asks stores); else it waits for the next change
     */
    void joinLocked(Part[] leaves, long now, long timeoutNanos, boolean serve) {
        for (Part leaf : leaves) {
            PartSupport support = leaf.supportLocked();
            support.add(this);
            if (serve) {
                support.events |= PartSupport.SERVE;
            }
        }
        target.waiting++;
        if (timeoutNanos < Nanos.FOREVER) {
            timeout = target.clock().scheduler().schedule(now + timeoutNanos, () -> expire(timeoutNanos));
        }
    }

    void leaveLocked(Part[] leaves) {
        pending = false;
        for (Part leaf : leaves) {
            PartSupport support = leaf.support;
            if (support != null) {
                support.remove(this);
            }
        }
        target.waiting--;
    }

    void deliver(Permit permit) {
        Cancellable t = timeout;
        if (t != null) {
            t.cancel();
        }
        Deliveries.complete(() -> {
            if (!future.complete(permit)) {
                permit.cancel();
            }
        }, blocking);
    }

    void fail(RateLimitedException failure) {
        Cancellable t = timeout;
        if (t != null) {
            t.cancel();
        }
        Deliveries.complete(() -> future.completeExceptionally(failure), blocking);
    }
}
