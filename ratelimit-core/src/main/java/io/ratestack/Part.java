package io.ratestack;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A leaf of the limiter tree: the engine around an algorithm whose state lives in memory, or around what this
 * instance knows of a remote store ({@link RemotePart}). This class owns what every leaf shares (its id in the lock
 * order, closing, pausing, the lazily made {@link PartSupport} with its queue of waiters, wake-up timer, status
 * publisher and observers, serving the queue); a subclass owns the counts and answers the questions below. The
 * engine calls those with this part's lock held, after {@link #advance(long)} has brought the state up to
 * {@code now}; they never throw and never take a lock.
 *
 * <p>Algorithms subclass this directly, so a limiter is one object until something waits for it or listens to it.
 */
abstract class Part extends AbstractLimiter {

    private static final long serialVersionUID = 1L;
    private static final AtomicLong IDS = new AtomicLong();
    private static final Waiter[] NO_WAITERS = {};

    /** What {@link #growsIn(long, int)} answers when only a release frees room. */
    static final long NO_GROWTH = -1L;

    /** Unique; the order in which composites lock leaves. */
    final long id = IDS.incrementAndGet();
    /** This leaf alone, made when a generic path needs it (waiting, composites use the leaf itself). */
    private Part @Nullable [] self;

    /** Guarded by this part's lock. */
    @Nullable PartSupport support;

    // ---- the algorithm: called with the lock held, the state advanced to now ----
    // A cost is at least 1 and at most maxCost(); a settled (actual) cost is at least 0.

    /** Brings the state up to {@code now} (ends windows); {@link #mark marks} the events that raises. */
    abstract void advance(long now);

    /** Whether {@code cost} units fit now, pauses and closing aside. */
    abstract boolean fits(int cost);

    /** Takes {@code cost} units; call only when they {@link #fits fit}. */
    abstract void take(int cost);

    /** Gives back units taken in this same lock hold: the exact inverse of {@link #take}, to backtrack a plan. */
    abstract void untake(int cost);

    /**
     * Ends a use that took {@code cost} units, settling {@code actual} (zero for a cancel: it never counted);
     * {@link #mark marks} the events that raises.
     */
    abstract void release(int cost, int actual, long now);

    /** How many units fit now, pauses and closing aside; never negative. */
    abstract int room();

    /** The largest cost that can ever fit, whatever the counts: a larger one is refused at once. */
    abstract int maxCost();

    /** How long until {@code cost} units could fit, pauses aside: zero if they fit now. */
    abstract long retryAfter(long now, int cost);

    /**
     * How long until time alone makes room for {@code wanted} units, more than {@link #room()} (a window ends with
     * used slots, tokens refill), or {@link #NO_GROWTH} if only a release can: the only input to the wake-up timer.
     */
    abstract long growsIn(long now, int wanted);

    /**
     * How long until this part frees room next, for a composite whose parts each admit alone but not together
     * (they share this part): a guess, never zero while a window runs.
     */
    abstract long nextFreeIn(long now);

    /** Nanoseconds until the current window ends, pauses aside; zero when none runs. */
    abstract long resetIn(long now);

    /**
     * Decides a use of {@code cost} without the lock, or answers {@code null} to leave it to the locked path: always
     * {@code null} by default. An algorithm whose counts fit in the word's {@link #BITS} decides by reading it and,
     * to take, one compare-and-set of it, only while neither {@link #HELD} nor {@link #SLOW} is set (so nothing
     * waits for, listens to or paused this leaf and it is open), as the locked path would decide at that instant.
     */
    @Nullable AcquireResult tryAcquireLockFree(int cost) {
        return null;
    }

    /**
     * Ends a use of {@code cost} at {@code actual} without the lock, as {@link #release} would, and answers whether
     * it did; {@code false} (the default) leaves it to the locked path. The same conditions as
     * {@link #tryAcquireLockFree(int)}; an algorithm whose release changes nothing at that settlement (no in-flight
     * count, the cost it took) answers {@code true} whatever the word.
     */
    boolean releaseLockFree(int cost, int actual) {
        return false;
    }

    /**
     * {@link #releaseLockFree(int, int)} with the clock read already: {@code now} is the caller's reading, made
     * before it called, and used only by an algorithm whose release needs the time; by default the same as without.
     */
    boolean releaseLockFree(int cost, int actual, long now) {
        return releaseLockFree(cost, actual);
    }

    /** Runs at the end of each pass over the queue, with the lock held; nothing by default. */
    void servedLocked(long now, PartSupport s) {
    }

    // ---- AbstractLimiter ----

    @Override
    final Part[] leaves() {
        Part[] leaves = self;
        if (leaves == null) {
            leaves = new Part[] {this};
            self = leaves;
        }
        return leaves;
    }

    /** The fast path of a single limiter: no arrays, one lock, one permit object. */
    @Override
    public AcquireResult tryAcquire() {
        return tryAcquireLeaf(1);
    }

    @Override
    public AcquireResult tryAcquire(int cost) {
        return tryAcquireLeaf(Checks.positive("cost", cost));
    }

    private AcquireResult tryAcquireLeaf(int cost) {
        if (closed) {
            return new Refusal(Refusal.NEVER, 0);
        }
        AcquireResult fast = tryAcquireLockFree(cost);
        if (fast != null) {
            return fast;
        }
        boolean slow;
        boolean taken;
        Refusal refusal = null;
        lock();
        try {
            long now = clock().nanoTime();
            roll(now);
            slow = support != null;
            taken = admitsLocked(cost) && !heldForQueueLocked(null);
            if (taken) {
                take(cost);
                if (slow) {
                    mark(PartSupport.CHANGED);
                }
            } else {
                refusal = new Refusal(retryAfterNanos(now, cost), remainingLocked());
            }
        } finally {
            unlock();
        }
        if (slow) {
            afterChange();
        }
        return taken ? new LeafPermit(this, cost) : Objects.requireNonNull(refusal);
    }

    // ---- state, guarded by the lock ----

    /** Whether a use of {@code cost} is admitted now: open, not paused, and it fits. */
    final boolean admitsLocked(int cost) {
        return !closed && !pausedLocked() && fits(cost);
    }

    final boolean pausedLocked() {
        PartSupport s = support;
        return s != null && s.paused;
    }

    /** How many uses are admitted now, closing aside: none while paused. */
    final int available() {
        return pausedLocked() ? 0 : room();
    }

    /** Advances the state to {@code now}, and ends a pause if it is over. */
    final void roll(long now) {
        PartSupport paused = support;
        if (paused != null && paused.paused && now - paused.pausedUntil >= 0) {
            paused.paused = false;
            paused.events |= PartSupport.GREW | PartSupport.CHANGED;
        }
        advance(now);
    }

    /** Admits nothing until {@code until}, or until a later pause ends. */
    final void pauseLocked(long until) {
        PartSupport s = supportLocked();
        if (!s.paused || until - s.pausedUntil > 0) {
            s.paused = true;
            s.pausedUntil = until;
            s.events |= PartSupport.CHANGED;
        }
    }

    final void mark(int event) {
        PartSupport s = support;
        if (s != null) {
            s.events |= event;
        }
    }

    final PartSupport supportLocked() {
        PartSupport s = support;
        if (s == null) {
            s = new PartSupport();
            support = s;
            markSlowLocked();
        }
        return s;
    }

    private RateLimitStatus statusLocked() {
        return admitsLocked(1) && !heldForQueueLocked(null) ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
    }

    // ---- the plan ----

    /**
     * Whether a waiter queued here ahead of {@code waiter} ({@code null}: a use not queued, which comes after every
     * waiter) needs more room than this part has, and could hold it: then the part keeps its room for the queue, so
     * a large use is never overtaken here by smaller ones. While every queued waiter costs 1 that cannot be (such a
     * waiter lacks room only when there is none), so nothing is walked.
     */
    final boolean heldForQueueLocked(@Nullable Waiter waiter) {
        return heldForLocked(waiter) != 0;
    }

    /** The cost of the waiter that {@link #heldForQueueLocked holds} this part for {@code waiter}, else zero. */
    private int heldForLocked(@Nullable Waiter waiter) {
        PartSupport s = support;
        if (s == null || s.heavyWaiters == 0) {
            return 0;
        }
        int room = available();
        int largest = maxCost();
        for (Waiter queued : s.queue) {
            if (queued == waiter) {
                return 0;
            }
            if (queued.cost > room && queued.cost <= largest) {
                return queued.cost;
            }
        }
        return 0;
    }

    @Override
    final boolean reserve(Journal journal, Then then) {
        int cost = journal.cost;
        if (!admitsLocked(cost) || heldForQueueLocked(journal.waiter)) {
            return false;
        }
        take(cost);
        journal.push(this);
        if (then.run()) {
            return true;
        }
        untake(cost);
        journal.pop();
        return false;
    }

    @Override
    final Part @Nullable [] reserveTop(int cost, @Nullable Waiter waiter) {
        if (!admitsLocked(cost) || heldForQueueLocked(waiter)) {
            return null;
        }
        take(cost);
        return leaves();
    }

    @Override
    final boolean feasible() {
        return admitsLocked(1) && !heldForQueueLocked(null);
    }

    @Override
    final long retryAfterNanos(long now, int cost) {
        if (closed || cost > maxCost()) {
            return Refusal.NEVER;
        }
        int held = heldForLocked(null);
        return Math.max(retryAfter(now, Math.max(cost, held)), untilPauseEnds(now));
    }

    @Override
    final int largestCost() {
        return maxCost();
    }

    @Override
    final int minTakes(Part leaf) {
        return leaf == this ? 1 : 0;
    }

    private long untilPauseEnds(long now) {
        PartSupport s = support;
        return s != null && s.paused ? Math.max(0L, s.pausedUntil - now) : 0L;
    }

    @Override
    final long resetInNanosLocked(long now) {
        return Math.max(resetIn(now), untilPauseEnds(now));
    }

    @Override
    final int remainingLocked() {
        return closed ? 0 : available();
    }

    @Override
    final boolean canEverAdmit() {
        return !closed;
    }

    // ---- follow-ups, run with no lock held ----

    /** Publishes the status, sets or clears the wake-up timer, tells observers, and serves the queue if it may move. */
    final void afterChange() {
        PartSupport s = support;
        if (s == null) {
            return;
        }
        boolean serve;
        boolean slowServe;
        boolean changed;
        StatusPublisher publisher;
        lock();
        try {
            long now = clock().nanoTime();
            roll(now);
            int events = s.events;
            s.events = 0;
            serve = !s.queue.isEmpty()
                    && ((events & (PartSupport.GREW | PartSupport.SERVE)) != 0 || s.restartPending);
            slowServe = s.remoteWaiters != 0;
            changed = events != 0;
            publisher = s.publisher;
            if (publisher != null) {
                publisher.set(statusLocked());
            }
            updateTimerLocked(s, now);
        } finally {
            unlock();
        }
        if (publisher != null) {
            publisher.drain();
        }
        if (changed) {
            for (Runnable observer : s.observers) {
                observer.run();
            }
        }
        if (serve && slowServe) {
            // Trying those waiters asks remote stores: slow work, which the scheduler keeps off its timer thread.
            clock().scheduler().execute(() -> serveQueue(s));
        } else if (serve) {
            serveQueue(s);
        }
        followUp();
    }

    /** Runs at the end of each {@link #afterChange()}, with no lock held; nothing by default. */
    void followUp() {
    }

    /**
     * Wakes this leaf when capacity may return by time ({@link #growsIn(long, int)}, or its pause ends), while
     * something waits for that or listens to it: when one more unit fits, or, when only the queue waits, when its
     * first waiter's cost fits (a pass stops at a waiter this part has no room for).
     */
    private void updateTimerLocked(PartSupport s, long now) {
        int room = room();
        int units = room == Integer.MAX_VALUE ? room : room + 1;
        if (!s.queue.isEmpty() && s.observers.isEmpty() && (s.publisher == null || !s.publisher.hasListeners())) {
            for (Waiter first : s.queue) {
                if (first.cost <= maxCost()) { // one this part can never hold waits for another part
                    units = Math.max(units, first.cost);
                    break;
                }
            }
        }
        long grows = units > maxCost() ? NO_GROWTH : growsIn(now, units);
        boolean timeFrees = grows != NO_GROWTH;
        boolean wanted = (timeFrees || s.paused) && s.wantsWakeUps();
        Cancellable timer = s.timer;
        if (wanted) {
            long at = timeFrees && s.paused
                    ? (grows < s.pausedUntil - now ? now + grows : s.pausedUntil)
                    : timeFrees ? now + grows : s.pausedUntil;
            if (timer == null || s.timerAt != at) {
                if (timer != null) {
                    timer.cancel();
                }
                s.timerAt = at;
                s.timer = clock().scheduler().schedule(at, () -> onTimer(at));
            }
        } else if (timer != null) {
            timer.cancel();
            s.timer = null;
        }
    }

    private void onTimer(long at) {
        PartSupport s = support;
        if (s == null) {
            return;
        }
        lock();
        try {
            if (s.timer != null && s.timerAt == at) {
                s.timer = null;
            }
            timerFiredLocked(clock().nanoTime());
        } finally {
            unlock();
        }
        afterChange();
    }

    /** Runs when the wake-up timer fires, with the lock held, before the follow-ups; nothing by default. */
    void timerFiredLocked(long now) {
    }

    /** Tries the queued waiters in order while there is room; passes never nest or overlap on one leaf. */
    private void serveQueue(PartSupport s) {
        if (s.dispatching.getAndIncrement() != 0) {
            return;
        }
        Deliveries deliveries = Deliveries.beginServing();
        try {
            int missed = 1;
            do {
                servePass(s);
                missed = s.dispatching.addAndGet(-missed);
            } while (missed != 0);
        } catch (RuntimeException | Error e) {
            // Only a remote part's store throws (against its contract): the next change serves the queue again.
            s.dispatching.set(0);
            throw e;
        } finally {
            Deliveries.endServing(deliveries);
        }
    }

    private void servePass(PartSupport s) {
        Waiter[] snapshot;
        lock();
        try {
            roll(clock().nanoTime());
            s.events &= ~(PartSupport.GREW | PartSupport.SERVE);
            snapshot = s.queue.toArray(NO_WAITERS);
        } finally {
            unlock();
        }
        for (Waiter waiter : snapshot) {
            // The first waiter this part has no room for stops the pass: smaller ones behind it do not overtake it. One
            // that this part can never admit (it waits for another part of an any()) or that another part refuses
            // does not.
            if (waiter.cost > maxCost()) {
                continue;
            }
            if (!hasRoom(waiter.cost)) {
                break;
            }
            waiter.tryAdmit();
        }
        lock();
        try {
            long now = clock().nanoTime();
            roll(now);
            servedLocked(now, s);
        } finally {
            unlock();
        }
        afterChange();
    }

    private boolean hasRoom(int cost) {
        lock();
        try {
            roll(clock().nanoTime());
            return servesNextLocked(cost);
        } finally {
            unlock();
        }
    }

    /** Whether a pass over the queue goes on to a waiter of {@code cost}: while it is admitted, by default. */
    boolean servesNextLocked(int cost) {
        return admitsLocked(cost);
    }

    // ---- listeners and observers ----

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Checks.requireNonNull(listener, "listener");
        StatusPublisher publisher;
        lock();
        try {
            roll(clock().nanoTime());
            PartSupport s = supportLocked();
            if (s.publisher == null) {
                s.publisher = new StatusPublisher(statusLocked());
            }
            publisher = s.publisher;
        } finally {
            unlock();
        }
        publisher.add(listener);
        afterChange();
        StatusPublisher subscribed = publisher;
        return () -> {
            if (subscribed.remove(listener)) {
                afterChange();
            }
        };
    }

    final void addObserver(Runnable observer) {
        lock();
        try {
            supportLocked().observers.add(observer);
        } finally {
            unlock();
        }
        afterChange();
    }

    final void removeObserver(Runnable observer) {
        PartSupport s;
        lock();
        try {
            s = support;
        } finally {
            unlock();
        }
        if (s != null) {
            s.observers.remove(observer);
            afterChange();
        }
    }

    // ---- close ----

    @Override
    public final void close() {
        Waiter[] queued;
        lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            markSlowLocked();
            PartSupport s = support;
            queued = s == null ? NO_WAITERS : s.queue.toArray(NO_WAITERS);
            mark(PartSupport.CHANGED);
        } finally {
            unlock();
        }
        for (Waiter waiter : queued) {
            waiter.failIfImpossible();
        }
        afterChange();
    }
}
