package io.ratestack;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a limiter with {@linkplain RemotePart remote} parts admits a use: the engine's plan, run in rounds. A round
 * locks every leaf in id order, reserves as always with the remote parts counted as admitting (as their
 * {@link RemotePart#mode} says), and unlocks; then it asks the stores of the remote parts that the chosen plan holds,
 * in tree order, with no lock held. When one refuses, what was taken is given back (the in-memory slots, and the
 * remote uses already granted), that part is excluded for the rest of the attempt and the plan runs again, so an
 * any-limiter may pick another child: an attempt takes at most one round more than the tree has remote parts.
 * In-memory parts are decided before any store is asked, so their refusal spares the round trip. Another thread may
 * for a moment see a slot taken that is then given back, which can only refuse it, never over-admit.
 *
 * <p>Waiters queue on every leaf as in memory ({@link Waiter}); a pass over a queue tries them here, one attempt at a
 * time per waiter.
 */
final class RemotePlan {

    private RemotePlan() {
    }

    /** {@link RateLimiter#tryAcquire(int)} of a limiter with remote parts: asks their stores at once. */
    static AcquireResult tryAcquire(AbstractLimiter target, int cost) {
        if (target.closed) {
            return new Refusal(Refusal.NEVER, 0);
        }
        Object outcome = attemptNow(target, cost);
        if (outcome instanceof Permit) {
            AbstractLimiter.afterChanges(target.leaves());
        }
        return (AcquireResult) outcome;
    }

    /**
     * Admits at once or registers a waiter, as the in-memory {@code acquireOrWait}: a new waiter does not overtake
     * queued ones. A waiter registered after a refusal is tried once more at once, so room freed between the
     * refusal and the registration is not missed; a store that refused is not asked again before its retry-after.
     *
     * @return a {@link Permit}, a {@link Waiter}, or a {@link RateLimitedException} to report
     */
    static Object acquireOrWait(AbstractLimiter target, int cost, int priority, long timeoutNanos,
            boolean blocking) {
        Part[] leaves = target.leaves();
        boolean queued;
        AbstractLimiter.lockAll(leaves);
        try {
            queued = AbstractLimiter.anyQueued(leaves);
        } finally {
            AbstractLimiter.unlockAll(leaves);
        }
        if (!queued || timeoutNanos == 0) {
            Object outcome = attemptNow(target, cost);
            if (outcome instanceof Permit permit) {
                AbstractLimiter.afterChanges(leaves);
                return permit;
            }
            if (((Refusal) outcome).retryAfterNanos() == Refusal.NEVER) {
                return new RateLimitedException(target.closed ? target + " is closed"
                        : target + " can never admit a use of cost " + cost);
            }
            if (timeoutNanos == 0) {
                return new RateLimitedException(target + " did not admit at once and the timeout is zero");
            }
        }
        Waiter waiter = new Waiter(target, cost, priority, blocking);
        boolean closedMeanwhile;
        AbstractLimiter.lockAll(leaves);
        try {
            long now = target.clock().nanoTime();
            AbstractLimiter.rollAll(leaves, now);
            closedMeanwhile = target.closed || !target.canEverAdmit();
            if (!closedMeanwhile) {
                waiter.joinLocked(leaves, now, timeoutNanos, true);
            }
        } finally {
            AbstractLimiter.unlockAll(leaves);
        }
        if (closedMeanwhile) {
            return new RateLimitedException(target + " is closed");
        }
        AbstractLimiter.afterChanges(leaves);
        waiter.withdrawOnCompletion();
        return waiter;
    }

    /**
     * {@link Waiter#tryAdmit()} of a waiter whose limiter has remote parts. A refusal that says a store can never
     * admit again ({@link Refusal#NEVER}) where the limiter needs it fails the waiter.
     */
    static void tryAdmit(Waiter waiter) {
        Object outcome = attempt(waiter.target, RemotePart.WAIT, waiter, waiter.cost);
        Permit permit = outcome instanceof Permit admitted ? admitted : null;
        boolean never = outcome instanceof Refusal refusal && refusal.retryAfterNanos() == Refusal.NEVER;
        if (permit == null && !never) {
            return;
        }
        Part[] leaves = waiter.target.leaves();
        boolean won;
        AbstractLimiter.lockAll(leaves);
        try {
            waiter.asking = false;
            won = waiter.pending;
            if (won) {
                waiter.leaveLocked(leaves);
            }
        } finally {
            AbstractLimiter.unlockAll(leaves);
        }
        if (permit == null) {
            if (won) {
                waiter.fail(new RateLimitedException(waiter.target + " can never admit a use of cost " + waiter.cost));
            }
        } else if (won) {
            waiter.deliver(permit); // before the follow-ups, as in memory
        } else {
            permit.cancel(); // timed out or withdrawn while the stores were asked: the next waiter gets it
        }
        AbstractLimiter.afterChanges(leaves);
    }

    /** {@link #attempt} for an acquire that does not wait, which ends in a permit or a refusal, never in null. */
    private static Object attemptNow(AbstractLimiter target, int cost) {
        return Objects.requireNonNull(attempt(target, RemotePart.TRY, null, cost));
    }

    /**
     * One attempt: rounds until a plan's remote parts all admit or no plan is left.
     *
     * @param mode {@link RemotePart#TRY} or {@link RemotePart#WAIT}
     * @param waiter the waiter tried, or {@code null} for an acquire that does not wait
     * @param cost what the use takes from each part
     * @return a {@link Permit}, whose leaves' follow-ups the caller runs, the {@link Refusal} of the last round, or
     *     {@code null} when the waiter is gone, is being tried by another thread, or was failed here
     */
    private static @Nullable Object attempt(AbstractLimiter target, int mode, @Nullable Waiter waiter, int cost) {
        Part[] leaves = target.leaves();
        RemotePart[] remotes = target.remoteParts();
        boolean[] excluded = new boolean[remotes.length];
        boolean[] asked = new boolean[remotes.length];
        long[] endings = new long[remotes.length];
        try {
            for (int round = 0; ; round++) {
                Part[] taken = null;
                Refusal refusal = null;
                boolean slow = false;
                boolean impossible = false;
                boolean retry = false;
                AbstractLimiter.lockAll(leaves);
                try {
                    if (waiter != null && !waiter.pending) {
                        return null;
                    }
                    if (waiter != null && round == 0 && waiter.asking) {
                        waiter.missedWakeUp = true; // the attempt under way starts over instead of giving up
                        return null;
                    }
                    long now = target.clock().nanoTime();
                    slow = AbstractLimiter.rollAll(leaves, now);
                    if (waiter != null && (!target.canEverAdmit() || cost > target.largestCost())) {
                        impossible = true;
                        waiter.leaveLocked(leaves);
                    } else {
                        setModes(remotes, mode, excluded);
                        try {
                            for (int i = 0; i < remotes.length; i++) {
                                endings[i] = remotes[i].endings;
                            }
                            taken = target.closed ? null : target.reserveTop(cost, waiter);
                            if (taken == null) {
                                refusal = target.closed ? new Refusal(Refusal.NEVER, 0)
                                        : new Refusal(cost > target.largestCost() ? Refusal.NEVER
                                                : target.retryAfterNanos(now, cost), target.remainingLocked());
                            } else if (slow) {
                                AbstractLimiter.markTaken(taken);
                            }
                        } finally {
                            setModes(remotes, RemotePart.READ, null);
                        }
                        if (waiter != null) {
                            if (taken == null && waiter.missedWakeUp) {
                                // Something changed while the stores were asked: plan afresh, as a new wake-up would.
                                waiter.missedWakeUp = false;
                                Arrays.fill(excluded, false);
                                retry = true;
                            }
                            waiter.asking = taken != null;
                        }
                    }
                } finally {
                    AbstractLimiter.unlockAll(leaves);
                }
                if (impossible && waiter != null) { // only a waiter is found impossible
                    waiter.fail(new RateLimitedException(target + " is closed"));
                    AbstractLimiter.afterChanges(leaves);
                    return null;
                }
                if (taken == null) {
                    if (slow) {
                        AbstractLimiter.afterChanges(leaves);
                    }
                    if (retry) {
                        continue;
                    }
                    return refusal;
                }
                // The follow-ups of this round wait until the stores have answered: they may serve queues, and
                // this use came first.
                RemotePart[] parts = RemotePart.asked(taken, remotes);
                if (parts == null) {
                    return new HeldPermit(target, taken, cost); // an any-limiter chose an in-memory child
                }
                Permit[] granted = new Permit[parts.length];
                int refused = ask(target, taken, parts, granted, remotes, asked, endings, waiter, cost);
                if (refused == parts.length) {
                    return new RemotePermit(new HeldPermit(target, taken, cost), parts, granted);
                }
                excluded[indexOf(remotes, parts[refused])] = true;
            }
        } finally {
            for (int i = 0; i < remotes.length; i++) {
                if (asked[i]) {
                    remotes[i].readStateIfWatched();
                }
            }
        }
    }

    /**
     * Asks the stores of {@code parts} in order until one refuses; on a refusal, gives back what was taken.
     *
     * @return the index of the part that refused, or {@code parts.length} when every one admitted
     */
    private static int ask(AbstractLimiter target, Part[] taken, RemotePart[] parts, Permit[] granted,
            RemotePart[] remotes, boolean[] asked, long[] endings, @Nullable Waiter waiter, int cost) {
        int i = 0;
        long endingsBefore = 0;
        try {
            for (; i < parts.length; i++) {
                int index = indexOf(remotes, parts[i]);
                asked[index] = true;
                endingsBefore = endings[index];
                AcquireResult result = parts[i].limit.tryAcquire(cost);
                if (!(result instanceof Permit permit)) {
                    giveBack(target, taken, parts, granted, i, (Refusal) result, endingsBefore, cost);
                    return i;
                }
                granted[i] = permit;
            }
            return i;
        } catch (RuntimeException | Error e) {
            // The store broke its promise not to throw: keep nothing of this use, let waiters try again in a while.
            giveBack(target, taken, parts, granted, i, new Refusal(RemotePart.RECHECK_NANOS, 0), endingsBefore,
                    cost);
            if (waiter != null) {
                Part[] leaves = target.leaves();
                AbstractLimiter.lockAll(leaves);
                try {
                    waiter.asking = false;
                } finally {
                    AbstractLimiter.unlockAll(leaves);
                }
            }
            throw e;
        }
    }

    /**
     * Gives back what a round took: the remote uses granted so far (to their stores, then to their parts, which lets
     * their waiters try again), the in-memory slots, and records the refusal of {@code parts[refused]}.
     */
    private static void giveBack(AbstractLimiter target, Part[] taken, RemotePart[] parts, Permit[] granted,
            int refused, Refusal refusal, long endingsBefore, int cost) {
        for (int j = refused - 1; j >= 0; j--) {
            granted[j].cancel();
        }
        HeldPermit.lockDistinct(taken);
        try {
            long now = target.clock().nanoTime();
            for (int k = 0; k < taken.length; k++) {
                Part leaf = taken[k];
                if (k == 0 || taken[k - 1] != leaf) {
                    leaf.roll(now);
                }
                if (!(leaf instanceof RemotePart)) {
                    leaf.release(cost, 0, now);
                }
            }
            for (int j = 0; j < refused; j++) {
                parts[j].release(cost, 0, now);
            }
            if (refused < parts.length) {
                parts[refused].refusedLocked(now, refusal, endingsBefore);
            }
        } finally {
            HeldPermit.unlockDistinct(taken);
        }
        AbstractLimiter.afterChanges(target.leaves());
    }

    /** Sets how the remote parts answer the plan; call with their locks held. */
    private static void setModes(RemotePart[] remotes, int mode, boolean @Nullable [] excluded) {
        for (int i = 0; i < remotes.length; i++) {
            remotes[i].mode = mode;
            remotes[i].excluded = excluded != null && excluded[i];
        }
    }

    private static int indexOf(RemotePart[] remotes, RemotePart part) {
        for (int i = 0; i < remotes.length; i++) {
            if (remotes[i] == part) {
                return i;
            }
        }
        throw new AssertionError(part + " is not a part of this limiter");
    }

    /**
     * A use that holds remote parts: the stores' permits, ended first, then the engine's slots (whose end lets the
     * parts' waiters try again).
     */
    static final class RemotePermit extends SettledPermit {
        private final HeldPermit held;
        private final RemotePart[] parts;
        private final Permit[] granted;

        RemotePermit(HeldPermit held, RemotePart[] parts, Permit[] granted) {
            super(held.cost);
            this.held = held;
            this.parts = parts;
            this.granted = granted;
        }

        /** Ends every store's use at {@code actual} (the reserved cost is a close, zero a cancel), then the slots. */
        @Override
        void settle(int actual) {
            try {
                for (Permit permit : granted) {
                    if (actual == cost) {
                        permit.close();
                    } else if (actual == 0) {
                        permit.cancel();
                    } else {
                        permit.close(actual);
                    }
                }
            } finally {
                held.settle(actual);
            }
            for (int i = 0; i < parts.length; i++) {
                if (i == 0 || parts[i - 1] != parts[i]) {
                    parts[i].readStateIfWatched();
                }
            }
        }

        @Override
        public String toString() {
            return held.toString();
        }
    }
}
