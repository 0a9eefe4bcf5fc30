package io.ratestack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} over a {@link RemoteLimit}, whose counts live elsewhere. Its waiters queue here, by priority
 * then arrival, and the queue's head tries the remote limit again only when something may have made room: the
 * retry-after of the last refusal has passed, a use taken through this limiter ended, or (for a composite with
 * in-memory parts, see {@link StagedLimit}) one of its parts changed while the last refusal was theirs. Room freed by
 * other instances is found at the next retry-after, which for a running window is exactly when it ends. Nothing is
 * held while the remote limit is asked, and nothing slow runs on the shared timer thread.
 *
 * <p>Status listeners are told the changes this limiter sees (its own uses, its pause, its timers); while the status
 * is locked and listeners exist, it reads the state again when the pause or the window ends, or after a second when
 * neither runs (every slot in flight, freed elsewhere). Those reads never try to take a use.
 */
final class RemoteLimiter implements RateLimiter {

    /** The least time between two tries of the queue's head, so a retry-after of zero cannot spin. */
    private static final long MIN_RETRY_NANOS = 1_000_000L;
    /** How soon a locked status is read again when no window runs, and a failed pass is retried. */
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final RemoteLimit source;
    private final Clock clock;
    private final String description;

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}, as are both alarms. */
    private final TreeSet<Wait> queue = new TreeSet<>();
    private long arrivals;
    private final Alarm serveAlarm = new Alarm(this::serve);
    private final Alarm statusAlarm = new Alarm(this::publishStatus);
    /** When the last refusal said a retry could succeed; parts' changes before then do not wake the queue. */
    private volatile long retryAt;
    /** Nothing is admitted before this; at construction, now (no pause). */
    private volatile long pausedUntil;
    private volatile boolean closed;

    /** Serializes passes over the queue: a pass asked for during one makes one more, never a nested one. */
    private final AtomicInteger serving = new AtomicInteger();
    /** The thread running passes, if any: the changes its own tries make to the parts are not news to it. */
    private volatile @Nullable Thread server;
    /** Counts uses ended through this limiter, so a waiter refused just before one ended is not left asleep. */
    private final AtomicLong endings = new AtomicLong();
    /** Serializes status readings, so the last one recorded is read after the last change. */
    private final AtomicInteger publishing = new AtomicInteger();
    private volatile @Nullable StatusPublisher publisher;
    /** Composites over this limiter that have waiters: told when a use ends here or this limiter closes. */
    private final CopyOnWriteArrayList<Runnable> observers = new CopyOnWriteArrayList<>();
    /** For a composite: whether it observes its parts (while it has waiters); changed by one thread at a time. */
    private boolean watching;
    private final AtomicInteger watchUpdates = new AtomicInteger();
    private final Runnable partsChanged = this::partsChanged;

    RemoteLimiter(RemoteLimit source, Clock clock, String description) {
        this.source = Nanos.requireNonNull(source, "limit");
        this.clock = Nanos.requireNonNull(clock, "clock");
        this.description = description;
        this.retryAt = clock.nanoTime(); // no refusal yet: due now
        this.pausedUntil = retryAt;
    }

    Clock clock() {
        return clock;
    }

    boolean isClosed() {
        return closed;
    }

    // ---- taking ----

    @Override
    public AcquireResult tryAcquire(int cost) {
        AcquireResult result = tryNow(Nanos.positive("cost", cost));
        publishStatus();
        return result;
    }

    private AcquireResult tryNow(int cost) {
        if (closed) {
            return new Refusal(Refusal.NEVER, 0);
        }
        long pause = pausedFor();
        if (pause > 0) {
            return new Refusal(pause, 0);
        }
        AcquireResult result = source.tryAcquire(cost);
        return result instanceof Permit permit ? new RemotePermit(permit) : result;
    }

    private long pausedFor() {
        return Math.max(0L, pausedUntil - clock.nanoTime());
    }

    @Override
    public Permit acquire(int cost, int priority, Duration timeout) {
        return Blocking.await(acquireAsync(cost, priority, timeout), this);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(int cost, int priority, Duration timeout) {
        Nanos.positive("cost", cost);
        long timeoutNanos = Nanos.timeout(timeout);
        if (closed || !canEverAdmit()) {
            return CompletableFuture.failedFuture(new RateLimitedException(this + " is closed"));
        }
        long endingsBefore = endings.get();
        if (waiting() == 0 || timeoutNanos == 0) {
            AcquireResult result = tryNow(cost);
            if (result instanceof Permit permit) {
                publishStatus();
                return CompletableFuture.completedFuture(permit);
            }
            Refusal refusal = (Refusal) result;
            if (refusal.retryAfterNanos() == Refusal.NEVER) {
                return CompletableFuture.failedFuture(new RateLimitedException(
                        closed ? this + " is closed" : this + " can never admit a use of cost " + cost));
            }
            if (timeoutNanos == 0) {
                return CompletableFuture.failedFuture(
                        new RateLimitedException(this + " did not admit at once and the timeout is zero"));
            }
            return enqueue(cost, priority, timeoutNanos, refusal.retryAfterNanos(), endingsBefore);
        }
        return enqueue(cost, priority, timeoutNanos, -1, endingsBefore);
    }

    /** Whether every part a composite needs is still open. */
    private boolean canEverAdmit() {
        return !(source instanceof StagedLimit staged) || staged.canEverAdmit();
    }

    /**
     * Queues a waiter; {@code retryAfterNanos} when a refusal says when to try, else -1 (a pass is due anyway). If a
     * use ended since {@code endingsBefore}, its wake-up may have found the queue empty: serve now instead.
     */
    private CompletableFuture<Permit> enqueue(int cost, int priority, long timeoutNanos, long retryAfterNanos,
            long endingsBefore) {
        Wait wait;
        boolean closedMeanwhile;
        lock.lock();
        try {
            closedMeanwhile = closed;
            wait = new Wait(cost, priority, arrivals++);
            if (!closedMeanwhile) {
                queue.add(wait);
                long now = clock.nanoTime();
                if (retryAfterNanos >= 0) {
                    retryLocked(now, retryAfterNanos);
                } else if (!serveAlarm.isSet()) {
                    serveAlarm.wakeAt(now + MIN_RETRY_NANOS);
                }
                if (timeoutNanos < Nanos.FOREVER) {
                    wait.timeout = clock.scheduler().schedule(now + timeoutNanos, () -> expire(wait, timeoutNanos));
                }
            }
        } finally {
            lock.unlock();
        }
        if (closedMeanwhile) {
            wait.future.completeExceptionally(new RateLimitedException(this + " is closed"));
            return wait.future;
        }
        wait.future.whenComplete((permit, failure) -> withdraw(wait));
        updateWatch();
        // A part freed between the refusal and the watch told no one; nor did a use of this limiter ended meanwhile.
        if (endings.get() != endingsBefore
                || (source instanceof StagedLimit staged && staged.lastRefusalWasLocal())) {
            serve();
        }
        publishStatus();
        return wait.future;
    }

    /** Must hold {@link #lock}. The queue's head is tried again after {@code retryAfterNanos}. */
    private void retryLocked(long now, long retryAfterNanos) {
        long at = now + Math.max(retryAfterNanos, MIN_RETRY_NANOS);
        retryAt = at;
        serveAlarm.wakeAt(at);
    }

    private void expire(Wait wait, long timeoutNanos) {
        if (leave(wait)) {
            wait.future.completeExceptionally(new RateLimitedException(
                    "timed out after " + Duration.ofNanos(timeoutNanos) + " waiting for " + this));
        }
    }

    private void withdraw(Wait wait) {
        Cancellable timeout = wait.timeout;
        if (timeout != null) {
            timeout.cancel();
        }
        leave(wait);
    }

    private boolean leave(Wait wait) {
        boolean left;
        lock.lock();
        try {
            left = queue.remove(wait);
        } finally {
            lock.unlock();
        }
        if (left) {
            updateWatch();
        }
        return left;
    }

    /** Admits the queue's head while the remote limit admits it; on a refusal, waits for its retry-after. */
    private void serve() {
        if (serving.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        try {
            do {
                server = Thread.currentThread();
                servePass();
                server = null;
                missed = serving.addAndGet(-missed);
            } while (missed != 0);
        } catch (RuntimeException | Error e) {
            server = null;
            // The remote limit broke its promise not to throw: keep the queue alive, try again in a while.
            serving.set(0);
            lock.lock();
            try {
                if (!closed && !queue.isEmpty()) {
                    retryLocked(clock.nanoTime(), RECHECK_NANOS);
                }
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    private void servePass() {
        while (true) {
            Wait head;
            lock.lock();
            try {
                if (closed || queue.isEmpty()) {
                    return;
                }
                head = queue.first();
                long pause = pausedFor();
                if (pause > 0) {
                    retryLocked(clock.nanoTime(), pause);
                    return;
                }
            } finally {
                lock.unlock();
            }
            if (!canEverAdmit()) {
                failAll(new RateLimitedException(this + " can never admit again: a part of it is closed"));
                return;
            }
            AcquireResult result = source.tryAcquire(head.cost);
            if (result instanceof Permit taken) {
                Permit permit = new RemotePermit(taken);
                if (!leave(head)) {
                    permit.cancel(); // timed out or withdrawn meanwhile; the refund wakes the queue again
                    continue;
                }
                Timers.completionExecutor().execute(() -> {
                    if (!head.future.complete(permit)) {
                        permit.cancel();
                    }
                });
                continue;
            }
            Refusal refusal = (Refusal) result;
            if (refusal.retryAfterNanos() == Refusal.NEVER) {
                // Refused for good: this waiter's cost can never fit, or the store admits nothing any more.
                if (leave(head)) {
                    head.future.completeExceptionally(new RateLimitedException(
                            this + " can never admit a use of cost " + head.cost));
                }
                continue;
            }
            lock.lock();
            try {
                if (!closed && !queue.isEmpty()) {
                    retryLocked(clock.nanoTime(), refusal.retryAfterNanos());
                }
            } finally {
                lock.unlock();
            }
            return;
        }
    }

    /** A use taken through this limiter ended: the queue may go on, the status may have changed. */
    private void ended() {
        endings.incrementAndGet();
        if (waiting() > 0) {
            serve();
        }
        publishStatus();
        tellObservers();
    }

    // ---- composites: observing parts while waiting ----

    void addObserver(Runnable observer) {
        observers.add(observer);
    }

    void removeObserver(Runnable observer) {
        observers.remove(observer);
    }

    private void tellObservers() {
        for (Runnable observer : observers) {
            observer.run();
        }
    }

    /** Observes the parts of a composite while it has waiters, and only then (parts outlive their composites). */
    private void updateWatch() {
        if (!(source instanceof StagedLimit staged) || watchUpdates.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            boolean wanted = !closed && waiting() > 0;
            if (wanted != watching) {
                watching = wanted;
                if (wanted) {
                    staged.watch(partsChanged);
                } else {
                    staged.unwatch(partsChanged);
                }
            }
            missed = watchUpdates.addAndGet(-missed);
        } while (missed != 0);
    }

    /**
     * A part changed (a use ended, a window ended, it closed). Serve if the last refusal was an in-memory part's, or
     * its retry-after has passed; a remote refusal stands until then whatever the in-memory parts do.
     */
    private void partsChanged() {
        if (server == Thread.currentThread() || waiting() == 0) {
            return; // a change made by this limiter's own pass (a slot taken and given back) frees nothing
        }
        if (!canEverAdmit()) {
            failAll(new RateLimitedException(this + " can never admit again: a part of it is closed"));
            return;
        }
        boolean due = clock.nanoTime() - retryAt >= 0
                || (source instanceof StagedLimit staged && staged.lastRefusalWasLocal());
        if (due) {
            // A part's window that ends by time tells its observers on the shared timer thread: ask elsewhere.
            clock.scheduler().execute(this::serve);
        }
    }

    // ---- reading ----

    @Override
    public RateLimitStatus status() {
        if (closed || pausedFor() > 0) {
            return RateLimitStatus.LOCKED;
        }
        return source.state().remaining() > 0 ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
    }

    @Override
    public int remaining() {
        return state().remaining();
    }

    @Override
    public long resetInNanos() {
        return state().resetInNanos();
    }

    /** Both readings from one read of the remote limit; a pause or close admits nothing until it ends. */
    RemoteLimit.State state() {
        long pause = pausedFor();
        RemoteLimit.State remote = source.state();
        return new RemoteLimit.State(closed || pause > 0 ? 0 : remote.remaining(),
                Math.max(remote.resetInNanos(), pause));
    }

    @Override
    public int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    // ---- pause, listeners, close ----

    @Override
    public void pause(Duration duration) {
        long nanos = Nanos.nonNegative("duration", duration);
        if (nanos == 0) {
            return;
        }
        if (source instanceof StagedLimit staged) {
            staged.pauseParts(duration);
        }
        lock.lock();
        try {
            long now = clock.nanoTime();
            long until = now + nanos;
            if (until - pausedUntil > 0) {
                pausedUntil = until;
            }
            if (!queue.isEmpty()) {
                retryLocked(now, pausedUntil - now);
            }
        } finally {
            lock.unlock();
        }
        publishStatus();
    }

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Nanos.requireNonNull(listener, "listener");
        RateLimitStatus current = status();
        StatusPublisher subscribed;
        lock.lock();
        try {
            subscribed = publisher;
            if (subscribed == null || !subscribed.hasListeners()) {
                // Nobody listened, so nothing was recorded: start from now, not from what old listeners were told.
                subscribed = new StatusPublisher(current);
                publisher = subscribed;
            }
            subscribed.add(listener);
        } finally {
            lock.unlock();
        }
        publishStatus();
        StatusPublisher from = subscribed;
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                from.remove(listener);
            }
        };
    }

    /** Tells listeners the status if it changed; while it is locked, reads it again when it may unlock. */
    private void publishStatus() {
        StatusPublisher first = publisher;
        if (first == null || !first.hasListeners() || publishing.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            StatusPublisher current = publisher;
            if (current != null && current.hasListeners()) {
                publishOnce(current);
            }
            missed = publishing.addAndGet(-missed);
        } while (missed != 0);
    }

    private void publishOnce(StatusPublisher current) {
        RateLimitStatus status;
        long recheck = 0;
        if (closed) {
            status = RateLimitStatus.LOCKED;
        } else {
            long pause = pausedFor();
            RemoteLimit.State state = source.state();
            status = pause == 0 && state.remaining() > 0 ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
            recheck = pause > 0 ? pause : state.resetInNanos() > 0 ? state.resetInNanos() : RECHECK_NANOS;
        }
        current.set(status);
        current.drain();
        if (status == RateLimitStatus.LOCKED && recheck > 0) {
            lock.lock();
            try {
                if (!closed) {
                    statusAlarm.wakeAt(clock.nanoTime() + recheck);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            serveAlarm.cancel();
            statusAlarm.cancel();
        } finally {
            lock.unlock();
        }
        failAll(new RateLimitedException(this + " is closed"));
        publishStatus();
        tellObservers();
    }

    private void failAll(RateLimitedException failure) {
        List<Wait> failed;
        lock.lock();
        try {
            failed = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        updateWatch();
        for (Wait wait : failed) {
            wait.future.completeExceptionally(failure);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * One wake-up on the clock, moved earlier when asked for an earlier one. Its action never runs on the shared
     * timer thread, where a slow remote limit would hold up every limiter's timers. Guarded by {@link #lock}.
     */
    private final class Alarm {
        private final Runnable action;
        private @Nullable Cancellable timer;
        private long at;
        private long generation;

        Alarm(Runnable action) {
            this.action = action;
        }

        boolean isSet() {
            return timer != null;
        }

        void wakeAt(long when) {
            Cancellable current = timer;
            if (current != null) {
                if (when - at >= 0) {
                    return;
                }
                current.cancel();
            }
            at = when;
            long scheduled = ++generation;
            timer = clock.scheduler().schedule(when, () -> fire(scheduled));
        }

        void cancel() {
            Cancellable current = timer;
            if (current != null) {
                current.cancel();
                timer = null;
            }
        }

        private void fire(long scheduled) {
            lock.lock();
            try {
                if (generation == scheduled) {
                    timer = null;
                }
            } finally {
                lock.unlock();
            }
            clock.scheduler().execute(action);
        }
    }

    /** A queued acquire: by priority, then arrival. */
    private static final class Wait implements Comparable<Wait> {
        final int cost;
        final int priority;
        final long arrival;
        final CompletableFuture<Permit> future = new CompletableFuture<>();
        volatile @Nullable Cancellable timeout;

        Wait(int cost, int priority, long arrival) {
            this.cost = cost;
            this.priority = priority;
            this.arrival = arrival;
        }

        @Override
        public int compareTo(Wait other) {
            int byPriority = Integer.compare(priority, other.priority);
            return byPriority != 0 ? byPriority : Long.compare(arrival, other.arrival);
        }
    }

    /** A use taken through this limiter; the first of close and cancel wins, and either may let the queue go on. */
    private final class RemotePermit implements Permit {
        private final Permit taken;
        private final AtomicBoolean ended = new AtomicBoolean();

        RemotePermit(Permit taken) {
            this.taken = taken;
        }

        @Override
        public void close() {
            if (ended.compareAndSet(false, true)) {
                taken.close();
                ended();
            }
        }

        @Override
        public void close(int actualCost) {
            Nanos.nonNegative("actualCost", actualCost);
            if (ended.compareAndSet(false, true)) {
                taken.close(actualCost);
                ended();
            }
        }

        @Override
        public void cancel() {
            if (ended.compareAndSet(false, true)) {
                taken.cancel();
                ended();
            }
        }
    }
}
