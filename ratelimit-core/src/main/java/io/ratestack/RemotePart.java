package io.ratestack;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A leaf whose counts live elsewhere, behind a {@link RemoteLimit}: one more kind of part in the engine, so that
 * waiting, priorities, timeouts, pauses, status listeners and close work as for every other leaf. Its lock guards
 * only what this instance knows of the store; the store itself is asked by {@link RemotePlan}, never with a lock
 * held. What the plan question {@link #fits(int)} means depends on who asks ({@link #mode}, set by a plan with the lock
 * held and back to {@link #READ} before it is released):
 * <ul>
 *   <li>{@link #TRY}, an acquire that asks the store at once: admits unless this attempt already saw it refuse;</li>
 *   <li>{@link #WAIT}, a waiter served from a queue: admits also only once this part's timer found the last
 *       refusal's retry-after (at least 1 ms) passed, or a use taken through this part ended since;</li>
 *   <li>{@link #READ}, status and reads: admits if the state last read from the store has room.</li>
 * </ul>
 * A use holds no count here (take and untake do nothing); its end is a change that lets waiters try again.
 *
 * <p>While status listeners or composites watch it and the status last seen is locked, it reads the state again
 * when the pause or the store's window ends, or after a second when neither runs (every slot in flight, freed
 * elsewhere); reads never take a use and never run on the scheduler's timer thread.
 */
final class RemotePart extends Part {

    private static final long serialVersionUID = 1L;

    /** The least time between two tries of a refusing store by waiters, so a retry-after of zero cannot spin. */
    static final long MIN_RETRY_NANOS = 1_000_000L;
    /** How soon a locked status is read again when no window runs, and waiters try a store that threw. */
    static final long RECHECK_NANOS = 1_000_000_000L;

    static final RemotePart[] NONE = {};

    static final int READ = 0;
    static final int TRY = 1;
    static final int WAIT = 2;

    final RemoteLimit limit;
    private final Clock clock;
    /** Serializes reads of the store's state, so the last one recorded was read after the last change. */
    private final AtomicInteger reading = new AtomicInteger();

    // ---- guarded by this part's lock ----

    /** Who asks {@link #fits(int)}; see the class comment. */
    int mode = READ;
    /** This attempt saw the store refuse: the plan looks elsewhere. */
    boolean excluded;
    /** The last refusal stands: the timer has not found its retry-after passed, no use through this part ended. */
    private boolean refusing;
    private long retryAt;
    private long refusedAt;
    private long refusalRetryNanos;
    private int refusalRemaining;
    /** Uses taken through this part that ended: a refusal asked for before one of them ended may be stale. */
    long endings;
    /** The state last read from the store, recorded at {@link #seenAt}; open until the first read. */
    private int seenRemaining = 1;
    private long seenResetNanos;
    private long seenAt;
    /** A read of the state is due at {@link #recheckAt} (set), or now ({@link #recheckDue}). */
    private boolean recheckSet;
    private long recheckAt;
    private boolean recheckDue;

    RemotePart(RemoteLimit limit, Clock clock) {
        this.limit = Checks.requireNonNull(limit, "limit");
        this.clock = Checks.requireNonNull(clock, "clock");
    }

    @Override
    Clock clock() {
        return clock;
    }

    @Override
    boolean hasRemoteParts() {
        return true;
    }

    @Override
    RemotePart[] remoteParts() {
        return new RemotePart[] {this};
    }

    // ---- what this instance knows, with the lock held ----

    /** Nothing ends by reading the clock: what time brings is found by the timer ({@link #timerFiredLocked}). */
    @Override
    void advance(long now) {
    }

    /**
     * The last refusal's retry-after passed: waiters may try the store again; or a read of the state fell due.
     * Only the timer finds these, so the retries and reads it starts run where the scheduler runs slow work (never
     * on the thread of an acquire that happened to look at the clock).
     */
    @Override
    void timerFiredLocked(long now) {
        if (refusing && refusalRetryNanos != Refusal.NEVER && now - retryAt >= 0) {
            refusing = false;
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        if (recheckSet && now - recheckAt >= 0) {
            recheckSet = false;
            recheckDue = true;
        }
    }

    /** Whatever the cost: the store decides, and refuses for good a cost it can never hold. */
    @Override
    boolean fits(int cost) {
        if (excluded) {
            return false;
        }
        return switch (mode) {
            case TRY -> true;
            case WAIT -> !refusing;
            default -> seenRemaining > 0;
        };
    }

    @Override
    void take(int cost) {
    }

    @Override
    void untake(int cost) {
    }

    /** A use taken through this part ended: its units are back in the store, waiters may try again. */
    @Override
    void release(int cost, int actual, long now) {
        endings++;
        refusing = false;
        mark(PartSupport.GREW | PartSupport.CHANGED);
    }

    /** What the store refused with, this attempt; the state last read; else unbounded while it admits. */
    @Override
    int room() {
        if (excluded) {
            return refusalRemaining;
        }
        if (mode == READ) {
            return seenRemaining;
        }
        return fits(1) ? Integer.MAX_VALUE : 0;
    }

    /** Unknown here: the store refuses a cost it can never hold with {@link Refusal#NEVER}. */
    @Override
    int maxCost() {
        return Integer.MAX_VALUE;
    }

    /** The store's refusal for this attempt; for a waiter, until the last refusal's retry-after; else zero. */
    @Override
    long retryAfter(long now, int cost) {
        if (excluded) {
            return refusalRetryNanos == Refusal.NEVER
                    ? Refusal.NEVER : Math.max(0L, refusedAt + refusalRetryNanos - now);
        }
        if (mode != TRY && refusing) {
            return refusalRetryNanos == Refusal.NEVER ? Refusal.NEVER : Math.max(0L, retryAt - now);
        }
        return 0L;
    }

    /** When waiters may try the store again, or its locked status should be read again while someone watches. */
    @Override
    long growsIn(long now, int wanted) {
        long grows = refusing && refusalRetryNanos != Refusal.NEVER ? retryAt - now : NO_GROWTH;
        if (watchedLocked() && !admitsLocked(1)) {
            if (!recheckSet) {
                recheckSet = true;
                recheckAt = now + recheckDelay(now);
            }
            long recheck = recheckAt - now;
            grows = grows == NO_GROWTH ? recheck : Math.min(grows, recheck);
        } else {
            recheckSet = false;
        }
        return grows;
    }

    /** Until the pause ends, else until the store's window ends, else a second. */
    private long recheckDelay(long now) {
        PartSupport s = support;
        if (s != null && s.paused && s.pausedUntil - now > 0) {
            return s.pausedUntil - now;
        }
        long reset = resetIn(now);
        return reset > 0 ? reset : RECHECK_NANOS;
    }

    @Override
    long nextFreeIn(long now) {
        return retryAfter(now, 1);
    }

    @Override
    long resetIn(long now) {
        return Math.max(0L, seenResetNanos - (now - seenAt));
    }

    /** A waiter's pass goes on while the store is not known to refuse, whatever the waiter's cost. */
    @Override
    boolean servesNextLocked(int cost) {
        return !closed && !pausedLocked() && !refusing;
    }

    private boolean watchedLocked() {
        PartSupport s = support;
        if (s == null || closed) {
            return false;
        }
        StatusPublisher publisher = s.publisher;
        return (publisher != null && publisher.hasListeners()) || !s.observers.isEmpty();
    }

    /**
     * Records a refusal of the store, asked for when {@link #endings} was {@code endingsBefore}: waiters try again at
     * its retry-after, at least 1 ms from now, unless a use through this part ended meanwhile (then the store may
     * have room already, and that end has woken them).
     */
    void refusedLocked(long now, Refusal refusal, long endingsBefore) {
        refusedAt = now;
        refusalRetryNanos = refusal.retryAfterNanos();
        refusalRemaining = refusal.remaining();
        if (endings == endingsBefore) {
            refusing = true;
            retryAt = now + Math.max(MIN_RETRY_NANOS, Math.min(refusalRetryNanos, Nanos.FOREVER));
            mark(PartSupport.CHANGED);
        }
    }

    // ---- reading the store, with no lock held ----

    /**
     * Reads the store's state and records it. Readings are serialized: asked for during one, this makes one more
     * instead of a concurrent one (and returns at once), so the last reading recorded is read after the last change.
     */
    void readState() {
        if (reading.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        try {
            do {
                record(limit.state());
                missed = reading.addAndGet(-missed);
            } while (missed != 0);
        } catch (RuntimeException | Error e) {
            reading.set(0);
            throw e;
        }
    }

    private void record(RemoteLimit.State state) {
        boolean slow;
        lock();
        try {
            long now = clock.nanoTime();
            roll(now);
            boolean wasOpen = seenRemaining > 0;
            seenRemaining = Math.max(0, state.remaining());
            seenResetNanos = Math.max(0L, state.resetInNanos());
            seenAt = now;
            recheckSet = false;
            if (wasOpen != seenRemaining > 0) {
                mark(PartSupport.CHANGED);
            }
            slow = support != null;
        } finally {
            unlock();
        }
        if (slow) {
            afterChange();
        }
    }

    /** Reads the state again if status listeners or composites watch this part. */
    void readStateIfWatched() {
        boolean watched;
        lock();
        try {
            watched = watchedLocked();
        } finally {
            unlock();
        }
        if (watched) {
            readState();
        }
    }

    /** A read that fell due by time: made where the scheduler runs slow work, never on its timer thread. */
    @Override
    void followUp() {
        boolean due;
        lock();
        try {
            due = recheckDue;
            recheckDue = false;
        } finally {
            unlock();
        }
        if (due && !closed) {
            clock.scheduler().execute(this::readStateIfWatched);
        }
    }

    // ---- RateLimiter ----

    @Override
    public AcquireResult tryAcquire() {
        return RemotePlan.tryAcquire(this, 1);
    }

    @Override
    public AcquireResult tryAcquire(int cost) {
        return RemotePlan.tryAcquire(this, Checks.positive("cost", cost));
    }

    /** Reads the store's state first: remaining, reset and status say what it says now. */
    @Override
    long read(int what) {
        if (what != WAITING && !closed) {
            readState();
        }
        return super.read(what);
    }

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Checks.requireNonNull(listener, "listener");
        if (!closed) {
            readState(); // a new listener starts from what the store says now
        }
        return super.onStatusChange(listener);
    }

    @Override
    public String toString() {
        return "remote(" + limit + ")";
    }

    /** The remote parts of {@code taken}, the slots of a plan, in {@code order}, one entry per slot. */
    static RemotePart @Nullable [] asked(Part[] taken, RemotePart[] order) {
        int count = 0;
        for (Part slot : taken) {
            if (slot instanceof RemotePart) {
                count++;
            }
        }
        if (count == 0) {
            return null;
        }
        RemotePart[] asked = new RemotePart[count];
        int next = 0;
        for (RemotePart part : order) {
            for (Part slot : taken) {
                if (slot == part) {
                    asked[next++] = part;
                }
            }
        }
        return asked;
    }
}
