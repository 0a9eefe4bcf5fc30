package io.ratestack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What every limiter shares. A limiter is a tree whose leaves are {@link Part}s (a {@link RemotePart} is the
 * leaf whose counts live in a store elsewhere); the state lives only in the leaves, each guarded by its own
 * {@link Mutex}. Every operation locks the distinct leaves of the tree in ascending id order, brings their windows up
 * to date, decides, and unlocks; listeners, waiters' futures and dispatch run only after the locks are released. (A
 * leaf used alone may decide without its lock, by one compare-and-set of the word its counts live in, which fails
 * while the lock is held: {@link Part#tryAcquireLockFree(int)}.) A
 * composite therefore takes the slots of all its parts at once or none, and no other thread ever sees a partial take.
 * A tree with remote parts asks their stores after the locks are released, and gives back what it took if one
 * refuses ({@link RemotePlan}).
 *
 * <p>Waiting is asynchronous at heart: a {@link Waiter} is registered on every leaf of its limiter and is tried
 * again when one of them may have room (a refund, a window's end). Blocking acquires wait on the waiter's future.
 */
abstract class AbstractLimiter extends Mutex implements RateLimiter {

    private static final long serialVersionUID = 1L;

    /** The rest of a plan: reserve what comes after, or undo and answer {@code false}. */
    @FunctionalInterface
    interface Then {
        boolean run();
    }

    static final Then DONE = () -> true;

    volatile boolean closed;
    /** Waiters made through this limiter; guarded by the locks of all its leaves. */
    int waiting;

    /** The clock of every leaf of this limiter. */
    abstract Clock clock();

    /** The distinct leaves of this tree, sorted by id: the lock order. */
    abstract Part[] leaves();

    /** Whether some leaf is a {@link RemotePart}; when none is, nothing of {@link RemotePlan} runs. */
    boolean hasRemoteParts() {
        return false;
    }

    /**
     * The distinct {@linkplain RemotePart remote} leaves of this tree in tree order (the order a plan asks them in),
     * made on each call (only trees with remote parts ask); empty when every leaf lives in memory.
     */
    RemotePart[] remoteParts() {
        return RemotePart.NONE;
    }

    // ---- the plan: called with every leaf locked and rolled up to date ----

    /** Takes this node's slots, then runs {@code then}; if either fails, gives back what it took. */
    abstract boolean reserve(Journal journal, Then then);

    /**
     * Takes the slots of one use of {@code cost} and answers them sorted by id, or answers {@code null} and takes
     * nothing. A part gives none of its room to the use while a waiter queued there ahead of it ({@code waiter}, or
     * {@code null} for a use that is not queued and so comes after all) needs more room than the part has.
     */
    Part @Nullable [] reserveTop(int cost, @Nullable Waiter waiter) {
        Journal journal = new Journal(cost, waiter);
        return reserve(journal, DONE) ? journal.sorted() : null;
    }

    /** Whether {@link #reserveTop(int, Waiter)} would succeed for a new use of cost 1; changes nothing. */
    boolean feasible() {
        boolean[] feasible = {false};
        reserve(new Journal(1, null), () -> {
            feasible[0] = true;
            return false;
        });
        return feasible[0];
    }

    /** The best estimate of how long until a use of {@code cost} could be admitted; NEVER if none can be. */
    abstract long retryAfterNanos(long now, int cost);

    /**
     * The largest cost a use could ever be admitted with, whatever the counts: a bound for composites that share a
     * leaf; {@link Integer#MAX_VALUE} for one without leaves.
     */
    abstract int largestCost();

    /**
     * The fewest times one use of this limiter takes {@code leaf}, whichever choices its any-limiters make: what
     * bounds the {@link #largestCost()} of an all-limiter whose parts share the leaf.
     */
    abstract int minTakes(Part leaf);

    /** How many uses could be admitted now; a bound for composites that share a leaf. */
    abstract int remainingLocked();

    /** Nanoseconds until the window ends; zero when none runs. */
    abstract long resetInNanosLocked(long now);

    /** Whether this limiter could ever admit again, whatever happens to its counts. */
    abstract boolean canEverAdmit();

    // ---- RateLimiter ----

    @Override
    public AcquireResult tryAcquire(int cost) {
        Checks.positive("cost", cost);
        if (hasRemoteParts()) {
            return RemotePlan.tryAcquire(this, cost);
        }
        Part[] leaves = leaves();
        if (leaves.length == 0) {
            return closed ? new Refusal(Refusal.NEVER, 0) : NoopPermit.INSTANCE;
        }
        Part @Nullable [] taken;
        Refusal refusal = null;
        boolean slow;
        lockAll(leaves);
        try {
            long now = clock().nanoTime();
            slow = rollAll(leaves, now);
            taken = closed ? null : reserveTop(cost, null);
            if (taken == null) {
                refusal = closed ? new Refusal(Refusal.NEVER, 0)
                        : new Refusal(cost > largestCost() ? Refusal.NEVER : retryAfterNanos(now, cost),
                                remainingLocked());
            } else if (slow) {
                markTaken(taken);
            }
        } finally {
            unlockAll(leaves);
        }
        if (slow) {
            afterChanges(leaves);
        }
        return taken != null ? new HeldPermit(this, taken, cost) : Objects.requireNonNull(refusal);
    }

    @Override
    public final Permit acquire(int cost, int priority, Duration timeout) {
        Object outcome = acquireOrWait(Checks.positive("cost", cost), priority, Nanos.timeout(timeout), true);
        if (outcome instanceof Permit permit) {
            return permit;
        }
        if (outcome instanceof RateLimitedException refused) {
            throw refused;
        }
        return Blocking.await(((Waiter) outcome).future, this);
    }

    @Override
    public final CompletableFuture<Permit> acquireAsync(int cost, int priority, Duration timeout) {
        Object outcome = acquireOrWait(Checks.positive("cost", cost), priority, Nanos.timeout(timeout), false);
        if (outcome instanceof Permit permit) {
            return CompletableFuture.completedFuture(permit);
        }
        if (outcome instanceof RateLimitedException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        return ((Waiter) outcome).future;
    }

    /**
     * Admits at once or registers a waiter. A new waiter does not overtake queued ones: if any leaf has a queue, it
     * joins the queues and the queues are served in order, which may admit it before this returns.
     *
     * @return a {@link Permit}, a {@link Waiter}, or a {@link RateLimitedException} to report
     */
    private Object acquireOrWait(int cost, int priority, long timeout, boolean blocking) {
        long timeoutNanos = timeout;
        if (closed || !canEverAdmit()) {
            return new RateLimitedException(this + " is closed");
        }
        int largest = largestCost();
        if (cost > largest) {
            return new RateLimitedException("a use of cost " + cost + " can never be admitted by " + this
                    + ", which admits at most " + largest + " at once");
        }
        if (hasRemoteParts()) {
            return RemotePlan.acquireOrWait(this, cost, priority, timeoutNanos, blocking);
        }
        Part[] leaves = leaves();
        if (leaves.length == 0) {
            return NoopPermit.INSTANCE;
        }
        Part @Nullable [] taken = null;
        Waiter waiter = null;
        boolean slow;
        boolean closedMeanwhile = false;
        lockAll(leaves);
        try {
            long now = clock().nanoTime();
            slow = rollAll(leaves, now);
            // Checked again under the locks: a close() that raced past the first check has either failed the
            // waiters it found already, or is seen here.
            closedMeanwhile = closed || !canEverAdmit();
            boolean queued = anyQueued(leaves);
            if (closedMeanwhile) {
                timeoutNanos = 0;
            } else if (!queued || timeoutNanos == 0) {
                taken = reserveTop(cost, null);
            }
            if (taken != null) {
                if (slow) {
                    markTaken(taken);
                }
            } else if (timeoutNanos > 0) {
                waiter = new Waiter(this, cost, priority, blocking);
                waiter.joinLocked(leaves, now, timeoutNanos, queued);
                slow = true;
            }
        } finally {
            unlockAll(leaves);
        }
        if (slow) {
            afterChanges(leaves);
        }
        if (taken != null) {
            return new HeldPermit(this, taken, cost);
        }
        if (closedMeanwhile) {
            return new RateLimitedException(this + " is closed");
        }
        if (waiter == null) {
            return new RateLimitedException(this + " did not admit at once and the timeout is zero");
        }
        waiter.withdrawOnCompletion();
        return waiter;
    }

    @Override
    public final void pause(Duration duration) {
        long nanos = Nanos.nonNegative("duration", duration);
        Part[] leaves = leaves();
        if (nanos == 0 || leaves.length == 0) {
            return;
        }
        lockAll(leaves);
        try {
            long now = clock().nanoTime();
            rollAll(leaves, now);
            for (Part leaf : leaves) {
                leaf.pauseLocked(now + nanos);
            }
        } finally {
            unlockAll(leaves);
        }
        afterChanges(leaves);
    }

    static final int OPEN = 0;
    static final int REMAINING = 1;
    static final int RESET_IN = 2;
    static final int WAITING = 3;

    @Override
    public final RateLimitStatus status() {
        return read(OPEN) != 0 ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
    }

    @Override
    public final int remaining() {
        return (int) read(REMAINING);
    }

    @Override
    public final long resetInNanos() {
        return read(RESET_IN);
    }

    @Override
    public final int waiting() {
        return (int) read(WAITING);
    }

    /** Reads one value with every leaf locked and rolled up to date. */
    long read(int what) {
        Part[] leaves = leaves();
        if (leaves.length == 0) {
            return switch (what) {
                case OPEN -> closed ? 0 : 1;
                case REMAINING -> closed ? 0 : Integer.MAX_VALUE;
                default -> 0L;
            };
        }
        long value;
        boolean slow;
        lockAll(leaves);
        try {
            long now = clock().nanoTime();
            slow = rollAll(leaves, now);
            value = switch (what) {
                case OPEN -> !closed && feasible() ? 1 : 0;
                case REMAINING -> closed ? 0 : remainingLocked();
                case RESET_IN -> resetInNanosLocked(now);
                default -> waiting;
            };
        } finally {
            unlockAll(leaves);
        }
        if (slow) {
            afterChanges(leaves);
        }
        return value;
    }

    /** Fails every waiter made through this limiter. Composites override to also mark themselves closed. */
    void failOwnWaiters() {
        List<Waiter> own = new ArrayList<>();
        for (Part leaf : leaves()) {
            leaf.lock();
            try {
                PartSupport support = leaf.support;
                if (support != null) {
                    for (Waiter waiter : support.queue) {
                        if (waiter.target == this) {
                            own.add(waiter);
                        }
                    }
                }
            } finally {
                leaf.unlock();
            }
        }
        for (Waiter waiter : own) {
            waiter.failIfImpossible();
        }
    }

    // ---- locking helpers ----

    static void lockAll(Part[] leaves) {
        for (Part leaf : leaves) {
            leaf.lock();
        }
    }

    static void unlockAll(Part[] leaves) {
        for (int i = leaves.length - 1; i >= 0; i--) {
            leaves[i].unlock();
        }
    }

    /** Rolls every leaf's window to {@code now}; answers whether any leaf has support (so needs an afterChange). */
    static boolean rollAll(Part[] leaves, long now) {
        boolean slow = false;
        for (Part leaf : leaves) {
            leaf.roll(now);
            slow |= leaf.support != null;
        }
        return slow;
    }

    static boolean anyQueued(Part[] leaves) {
        for (Part leaf : leaves) {
            PartSupport support = leaf.support;
            if (support != null && !support.queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    static void markTaken(Part[] taken) {
        for (Part leaf : taken) {
            leaf.mark(PartSupport.CHANGED);
        }
    }

    /** Runs each supported leaf's follow-up (listeners, timers, dispatch); call with no lock held. */
    static void afterChanges(Part[] leaves) {
        for (Part leaf : leaves) {
            if (leaf.support != null) {
                leaf.afterChange();
            }
        }
    }

    static void sortById(Part[] leaves) {
        for (int i = 1; i < leaves.length; i++) {
            Part leaf = leaves[i];
            int j = i - 1;
            while (j >= 0 && leaves[j].id > leaf.id) {
                leaves[j + 1] = leaves[j];
                j--;
            }
            leaves[j + 1] = leaf;
        }
    }

    /** The permit of a limiter with nothing to limit. */
    enum NoopPermit implements Permit {
        INSTANCE;

        @Override
        public void close() {
        }

        @Override
        public void close(int actualCost) {
            Checks.nonNegative("actualCost", actualCost);
        }

        @Override
        public void cancel() {
        }
    }
}
