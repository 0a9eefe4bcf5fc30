package io.ratestack;

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
abstract class LocalPart extends AbstractLimiter {

    private static final long serialVersionUID = 1L;
    private static final AtomicLong IDS = new AtomicLong();
    private static final Waiter[] NO_WAITERS = {};

    /** What {@link #growsIn(long)} answers when only a release frees room. */
    static final long NO_GROWTH = -1L;

    /** Unique; the order in which composites lock leaves. */
    final long id = IDS.incrementAndGet();
    /** This leaf alone, made when a generic path needs it (waiting, composites use the leaf itself). */
    private LocalPart @Nullable [] self;

    /** Guarded by this part's lock. */
    @Nullable PartSupport support;

    // ---- the algorithm: called with the lock held, the state advanced to now ----

    /** Brings the state up to {@code now} (ends windows); {@link #mark marks} the events that raises. */
    abstract void advance(long now);

    /** Whether one use fits now, pauses and closing aside. */
    abstract boolean fits();

    /** Takes one use; call only when it {@link #fits()}. */
    abstract void take();

    /** Gives back a use taken in this same lock hold: the exact inverse of {@link #take()}, to backtrack a plan. */
    abstract void untake();

    /** Ends a taken use: completed, or cancelled (it never counted); {@link #mark marks} the events that raises. */
    abstract void release(boolean complete, long now);

    /** How many uses fit now, pauses and closing aside. */
    abstract int room();

    /** How long until one use could fit, pauses aside: zero if it fits now. */
    abstract long retryAfter(long now);

    /**
     * How long until time alone makes room (a window ends with used slots), or {@link #NO_GROWTH} if only a release
     * can: the only input to the wake-up timer.
     */
    abstract long growsIn(long now);

    /**
     * How long until this part frees room next, for a composite whose parts each admit alone but not together
     * (they share this part): a guess, never zero while a window runs.
     */
    abstract long nextFreeIn(long now);

    /** Nanoseconds until the current window ends, pauses aside; zero when none runs. */
    abstract long resetIn(long now);

    /** Runs at the end of each pass over the queue, with the lock held; nothing by default. */
    void servedLocked(long now, PartSupport s) {
    }

    // ---- AbstractLimiter ----

    @Override
    final LocalPart[] leaves() {
        LocalPart[] leaves = self;
        if (leaves == null) {
            leaves = new LocalPart[] {this};
            self = leaves;
        }
        return leaves;
    }

    /** The fast path of a single limiter: no arrays, one lock, one permit object. */
    @Override
    public AcquireResult tryAcquire() {
        if (closed) {
            return new Refusal(Refusal.NEVER, 0);
        }
        boolean slow;
        boolean taken;
        Refusal refusal = null;
        lock();
        try {
            long now = clock().nanoTime();
            roll(now);
            slow = support != null;
            taken = admitsLocked();
            if (taken) {
                take();
                if (slow) {
                    mark(PartSupport.CHANGED);
                }
            } else {
                refusal = new Refusal(retryAfterNanos(now), remainingLocked());
            }
        } finally {
            unlock();
        }
        if (slow) {
            afterChange();
        }
        return taken ? new LeafPermit(this) : refusal;
    }

    // ---- state, guarded by the lock ----

    /** Whether one use is admitted now: open, not paused, and it fits. */
    final boolean admitsLocked() {
        return !closed && !pausedLocked() && fits();
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
        }
        return s;
    }

    private RateLimitStatus statusLocked() {
        return admitsLocked() ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
    }

    // ---- the plan ----

    @Override
    final boolean reserve(Journal journal, Then then) {
        if (!admitsLocked()) {
            return false;
        }
        take();
        journal.push(this);
        if (then.run()) {
            return true;
        }
        untake();
        journal.pop();
        return false;
    }

    @Override
    final LocalPart @Nullable [] reserveTop() {
        if (!admitsLocked()) {
            return null;
        }
        take();
        return leaves();
    }

    @Override
    final boolean feasible() {
        return admitsLocked();
    }

    @Override
    final long retryAfterNanos(long now) {
        if (closed) {
            return Refusal.NEVER;
        }
        return Math.max(retryAfter(now), untilPauseEnds(now));
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
     * Wakes this leaf when capacity may return by time ({@link #growsIn(long)}, or its pause ends), while something
     * waits for that or listens to it.
     */
    private void updateTimerLocked(PartSupport s, long now) {
        long grows = growsIn(now);
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
            if (!hasRoom()) {
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

    private boolean hasRoom() {
        lock();
        try {
            roll(clock().nanoTime());
            return servesNextLocked();
        } finally {
            unlock();
        }
    }

    /** Whether a pass over the queue goes on to the next waiter: while one use is admitted, by default. */
    boolean servesNextLocked() {
        return admitsLocked();
    }

    // ---- listeners and observers ----

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Nanos.requireNonNull(listener, "listener");
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
