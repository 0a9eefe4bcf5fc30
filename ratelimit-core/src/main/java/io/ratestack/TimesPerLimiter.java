package io.ratestack;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * {@code limit} uses per {@code per + resetOffset}, as slowstack's {@code TimesPerRateLimiter}.
 *
 * <p>{@code remaining = limit - used - inFlight}. An acquire takes an in-flight slot; completing it makes it a used
 * slot, cancelling it frees it at once. A window starts when the first use of a fresh window completes and ends one
 * period later; then {@code used} drops to zero (in-flight uses keep their slots). If waiters are left after those
 * the end admitted, the next window starts at once. Windows end lazily, on the next look at the clock; a timer runs
 * only while something waits for this limiter or listens to it.
 */
final class TimesPerLimiter extends AbstractLimiter {

    private static final long serialVersionUID = 1L;
    private static final AtomicLong IDS = new AtomicLong();
    private static final Waiter[] NO_WAITERS = {};

    /**
     * The terms of a times-per limiter, shared by all the limiters one builder makes: a starter that keeps a limiter
     * per client keeps these once.
     */
    record Spec(int limit, long periodNanos, Duration per, Duration resetOffset, Clock clock, @Nullable String name,
            boolean restartWithWaiters) {
    }

    /** Unique; the order in which composites lock leaves. */
    final long id = IDS.incrementAndGet();
    final Spec spec;
    /** This leaf alone, made when a generic path needs it (waiting, composites use the leaf itself). */
    private TimesPerLimiter @Nullable [] self;

    // Guarded by this limiter's lock.
    int used;
    int inFlight;
    boolean windowRunning;
    long windowEnd;
    @Nullable LeafSupport support;

    TimesPerLimiter(Spec spec) {
        this.spec = spec;
    }

    @Override
    TimesPerLimiter[] leaves() {
        TimesPerLimiter[] leaves = self;
        if (leaves == null) {
            leaves = new TimesPerLimiter[] {this};
            self = leaves;
        }
        return leaves;
    }

    @Override
    Clock clock() {
        return spec.clock;
    }

    int limit() {
        return spec.limit;
    }

    long periodNanos() {
        return spec.periodNanos;
    }

    /**
     * Reads without the lock when nothing waits for or listens to this limiter: a window that is over counts as
     * ended without being rolled (the next locked operation rolls it). The counts may be a moment old, as any read
     * of a limiter others use is; response headers read every leaf on every request, and a lock there would make
     * one busy client's requests queue for it.
     */
    @Override
    long read(int what) {
        if (support != null || closed) {
            return super.read(what);
        }
        long now = spec.clock.nanoTime();
        boolean running = windowRunning;
        long end = windowEnd;
        boolean over = running && now - end >= 0;
        int usedNow = over ? 0 : used;
        int free = Math.max(0, spec.limit - usedNow - inFlight);
        return switch (what) {
            case OPEN -> free > 0 ? 1 : 0;
            case REMAINING -> free;
            case RESET_IN -> running && !over ? end - now : 0L;
            default -> super.read(what);
        };
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
            long now = spec.clock.nanoTime();
            roll(now);
            slow = support != null;
            taken = !closed && available() > 0;
            if (taken) {
                inFlight++;
                if (slow) {
                    mark(LeafSupport.CHANGED);
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

    int available() {
        LeafSupport s = support;
        return s != null && s.paused ? 0 : spec.limit - used - inFlight;
    }

    /** Ends the window if {@code now} is past it, and a pause if it is over. */
    void roll(long now) {
        LeafSupport paused = support;
        if (paused != null && paused.paused && now - paused.pausedUntil >= 0) {
            paused.paused = false;
            paused.events |= LeafSupport.GREW | LeafSupport.CHANGED;
        }
        if (windowRunning && now - windowEnd >= 0) {
            windowRunning = false;
            boolean freed = used > 0;
            used = 0;
            LeafSupport s = support;
            if (s != null) {
                if (freed) {
                    s.events |= LeafSupport.GREW | LeafSupport.CHANGED;
                }
                if (spec.restartWithWaiters && !s.queue.isEmpty()) {
                    s.restartPending = true;
                    s.resetAt = windowEnd;
                }
            }
        }
    }

    /** Turns one in-flight slot into a used one (complete) or a free one (cancel). */
    void release(boolean complete, long now) {
        inFlight--;
        if (complete) {
            used++;
            if (!windowRunning) {
                windowRunning = true;
                windowEnd = now + spec.periodNanos;
            }
            mark(LeafSupport.CHANGED);
        } else {
            mark(LeafSupport.GREW | LeafSupport.CHANGED);
        }
        assert used >= 0 && inFlight >= 0 && used + inFlight <= spec.limit : this + " broke its counts";
    }

    /** Admits nothing until {@code until}, or until a later pause ends. */
    void pauseLocked(long until) {
        LeafSupport s = supportLocked();
        if (!s.paused || until - s.pausedUntil > 0) {
            s.paused = true;
            s.pausedUntil = until;
            s.events |= LeafSupport.CHANGED;
        }
    }

    void mark(int event) {
        LeafSupport s = support;
        if (s != null) {
            s.events |= event;
        }
    }

    LeafSupport supportLocked() {
        LeafSupport s = support;
        if (s == null) {
            s = new LeafSupport();
            support = s;
        }
        return s;
    }

    private RateLimitStatus statusLocked() {
        return !closed && available() > 0 ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
    }

    // ---- the plan ----

    @Override
    boolean reserve(Journal journal, Then then) {
        if (closed || available() <= 0) {
            return false;
        }
        inFlight++;
        journal.push(this);
        if (then.run()) {
            return true;
        }
        inFlight--;
        journal.pop();
        return false;
    }

    @Override
    TimesPerLimiter @Nullable [] reserveTop() {
        if (closed || available() <= 0) {
            return null;
        }
        inFlight++;
        return leaves();
    }

    @Override
    boolean feasible() {
        return !closed && available() > 0;
    }

    @Override
    long retryAfterNanos(long now) {
        if (closed) {
            return Refusal.NEVER;
        }
        long untilWindowEnds;
        if (spec.limit - used - inFlight > 0) {
            untilWindowEnds = 0L;
        } else if (windowRunning && used > 0) {
            untilWindowEnds = Math.max(0L, windowEnd - now);
        } else {
            untilWindowEnds = spec.periodNanos;
        }
        return Math.max(untilWindowEnds, untilPauseEnds(now));
    }

    private long untilPauseEnds(long now) {
        LeafSupport s = support;
        return s != null && s.paused ? Math.max(0L, s.pausedUntil - now) : 0L;
    }

    @Override
    long resetInNanosLocked(long now) {
        return Math.max(windowRunning ? Math.max(0L, windowEnd - now) : 0L, untilPauseEnds(now));
    }

    @Override
    int remainingLocked() {
        return closed ? 0 : available();
    }

    @Override
    boolean canEverAdmit() {
        return !closed;
    }

    // ---- follow-ups, run with no lock held ----

    /** Publishes the status, sets or clears the wake-up timer, tells observers, and serves the queue if it may move. */
    void afterChange() {
        LeafSupport s = support;
        if (s == null) {
            return;
        }
        boolean serve;
        boolean changed;
        StatusPublisher publisher;
        lock();
        try {
            roll(spec.clock.nanoTime());
            int events = s.events;
            s.events = 0;
            serve = !s.queue.isEmpty()
                    && ((events & (LeafSupport.GREW | LeafSupport.SERVE)) != 0 || s.restartPending);
            changed = events != 0;
            publisher = s.publisher;
            if (publisher != null) {
                publisher.set(statusLocked());
            }
            updateTimerLocked(s);
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
        if (serve) {
            serveQueue(s);
        }
    }

    /**
     * Wakes this leaf when capacity may return by time (its window ends with used slots, or its pause ends), while
     * something waits for that or listens to it.
     */
    private void updateTimerLocked(LeafSupport s) {
        boolean windowFrees = windowRunning && used > 0;
        boolean wanted = (windowFrees || s.paused) && s.wantsWakeUps();
        Cancellable timer = s.timer;
        if (wanted) {
            long at = windowFrees && s.paused
                    ? (windowEnd - s.pausedUntil < 0 ? windowEnd : s.pausedUntil)
                    : windowFrees ? windowEnd : s.pausedUntil;
            if (timer == null || s.timerAt != at) {
                if (timer != null) {
                    timer.cancel();
                }
                s.timerAt = at;
                s.timer = Timers.schedule(spec.clock, at, () -> onTimer(at));
            }
        } else if (timer != null) {
            timer.cancel();
            s.timer = null;
        }
    }

    private void onTimer(long at) {
        LeafSupport s = support;
        if (s == null) {
            return;
        }
        lock();
        try {
            if (s.timer != null && s.timerAt == at) {
                s.timer = null;
            }
        } finally {
            unlock();
        }
        afterChange();
    }

    /** Tries the queued waiters in order while there is room; passes never nest or overlap on one leaf. */
    private void serveQueue(LeafSupport s) {
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
        } finally {
            Deliveries.endServing(deliveries);
        }
    }

    private void servePass(LeafSupport s) {
        Waiter[] snapshot;
        lock();
        try {
            roll(spec.clock.nanoTime());
            s.events &= ~(LeafSupport.GREW | LeafSupport.SERVE);
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
            long now = spec.clock.nanoTime();
            roll(now);
            if (s.restartPending) {
                s.restartPending = false;
                if (!windowRunning && !s.queue.isEmpty() && now - s.resetAt < spec.periodNanos) {
                    windowRunning = true;
                    windowEnd = s.resetAt + spec.periodNanos;
                }
            }
        } finally {
            unlock();
        }
        afterChange();
    }

    private boolean hasRoom() {
        lock();
        try {
            roll(spec.clock.nanoTime());
            return !closed && available() > 0;
        } finally {
            unlock();
        }
    }

    // ---- listeners and observers ----

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Nanos.requireNonNull(listener, "listener");
        StatusPublisher publisher;
        lock();
        try {
            roll(spec.clock.nanoTime());
            LeafSupport s = supportLocked();
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

    void addObserver(Runnable observer) {
        lock();
        try {
            supportLocked().observers.add(observer);
        } finally {
            unlock();
        }
        afterChange();
    }

    void removeObserver(Runnable observer) {
        LeafSupport s;
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
    public void close() {
        Waiter[] queued;
        lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            LeafSupport s = support;
            queued = s == null ? NO_WAITERS : s.queue.toArray(NO_WAITERS);
            mark(LeafSupport.CHANGED);
        } finally {
            unlock();
        }
        for (Waiter waiter : queued) {
            waiter.failIfImpossible();
        }
        afterChange();
    }

    @Override
    public String toString() {
        String text = spec.limit + " per " + spec.per + (spec.resetOffset.isZero() ? "" : " offset " + spec.resetOffset);
        return "timesPer(" + (spec.name == null ? text : spec.name + ": " + text) + ")";
    }
}
