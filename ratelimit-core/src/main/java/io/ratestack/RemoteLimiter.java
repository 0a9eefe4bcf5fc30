package io.ratestack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} over a {@link RemoteLimit}, whose counts live elsewhere. Its waiters queue here, by priority
 * then arrival, and the queue's head tries the remote limit again when one of two things may have made room: the
 * retry-after of the last refusal has passed, or a use taken through this limiter ended. Room freed by other
 * instances is found at the next retry-after, which for a window that is running is exactly when it ends. Nothing
 * polls faster than that; nothing is held while the remote limit is asked.
 *
 * <p>Status listeners are told the changes this limiter sees (its own uses, its timers); while the status is locked
 * and listeners exist, it looks again when the window ends, or after a second when no window runs.
 */
final class RemoteLimiter implements RateLimiter {

    /** The least time between two tries of the queue's head, so a retry-after of zero cannot spin. */
    private static final long MIN_RETRY_NANOS = 1_000_000L;
    /** How soon a locked status is looked at again when no window runs (every slot in flight, freed elsewhere). */
    private static final long STATUS_RECHECK_NANOS = 1_000_000_000L;

    private final RemoteLimit source;
    private final Clock clock;
    private final String description;

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final TreeSet<Wait> queue = new TreeSet<>();
    private long arrivals;
    private @Nullable Cancellable timer;
    private long timerAt;
    private volatile long pausedUntil;
    private volatile boolean paused;
    private volatile boolean closed;
    /** Serializes passes over the queue: a pass asked for during one makes one more, never a nested one. */
    private final AtomicInteger serving = new AtomicInteger();
    /** Counts uses ended through this limiter, so a waiter refused just before one ended is not left asleep. */
    private final AtomicLong endings = new AtomicLong();
    private volatile @Nullable StatusPublisher publisher;

    RemoteLimiter(RemoteLimit source, Clock clock, String description) {
        this.source = Nanos.requireNonNull(source, "limit");
        this.clock = Nanos.requireNonNull(clock, "clock");
        this.description = description;
    }

    Clock clock() {
        return clock;
    }

    // ---- taking ----

    @Override
    public AcquireResult tryAcquire() {
        AcquireResult result = tryNow();
        publishStatus();
        return result;
    }

    private AcquireResult tryNow() {
        if (closed) {
            return new Refusal(Refusal.NEVER, 0);
        }
        long pause = pausedFor();
        if (pause > 0) {
            return new Refusal(pause, 0);
        }
        AcquireResult result = source.tryAcquire();
        return result instanceof Permit permit ? new RemotePermit(permit) : result;
    }

    private long pausedFor() {
        return paused ? Math.max(0L, pausedUntil - clock.nanoTime()) : 0L;
    }

    @Override
    public Permit acquire(int priority, Duration timeout) {
        return Blocking.await(acquireAsync(priority, timeout), this);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(int priority, Duration timeout) {
        long timeoutNanos = Nanos.timeout(timeout);
        if (closed) {
            return CompletableFuture.failedFuture(new RateLimitedException(this + " is closed"));
        }
        boolean queued;
        lock.lock();
        try {
            queued = !queue.isEmpty();
        } finally {
            lock.unlock();
        }
        long endingsBefore = endings.get();
        if (!queued || timeoutNanos == 0) {
            AcquireResult result = tryNow();
            if (result instanceof Permit permit) {
                publishStatus();
                return CompletableFuture.completedFuture(permit);
            }
            Refusal refusal = (Refusal) result;
            if (refusal.retryAfterNanos() == Refusal.NEVER) {
                return CompletableFuture.failedFuture(new RateLimitedException(this + " is closed"));
            }
            if (timeoutNanos == 0) {
                return CompletableFuture.failedFuture(
                        new RateLimitedException(this + " did not admit at once and the timeout is zero"));
            }
            return enqueue(priority, timeoutNanos, refusal.retryAfterNanos(), endingsBefore);
        }
        return enqueue(priority, timeoutNanos, -1, endingsBefore);
    }

    /**
     * Queues a waiter; {@code retryAfterNanos} when a refusal says when to try, else -1 (a pass is due anyway). If a
     * use ended since {@code endingsBefore}, its wake-up may have found the queue empty: serve now instead.
     */
    private CompletableFuture<Permit> enqueue(int priority, long timeoutNanos, long retryAfterNanos,
            long endingsBefore) {
        Wait wait;
        boolean closedMeanwhile;
        lock.lock();
        try {
            closedMeanwhile = closed;
            wait = new Wait(priority, arrivals++);
            if (!closedMeanwhile) {
                queue.add(wait);
                long now = clock.nanoTime();
                if (retryAfterNanos >= 0) {
                    wakeAt(now + Math.max(retryAfterNanos, MIN_RETRY_NANOS));
                } else if (timer == null) {
                    wakeAt(now + MIN_RETRY_NANOS);
                }
                if (timeoutNanos < Nanos.FOREVER) {
                    wait.timeout = Timers.schedule(clock, now + timeoutNanos, () -> expire(wait, timeoutNanos));
                }
            }
        } finally {
            lock.unlock();
        }
        if (closedMeanwhile) {
            wait.future.completeExceptionally(new RateLimitedException(this + " is closed"));
        }
        wait.future.whenComplete((permit, failure) -> withdraw(wait));
        if (endings.get() != endingsBefore) {
            serve();
        }
        publishStatus();
        return wait.future;
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
        lock.lock();
        try {
            return queue.remove(wait);
        } finally {
            lock.unlock();
        }
    }

    /** Must hold {@link #lock}. Makes sure a pass over the queue runs at {@code at} or sooner. */
    private void wakeAt(long at) {
        Cancellable current = timer;
        if (current != null) {
            if (timerAt <= at) {
                return;
            }
            current.cancel();
        }
        timerAt = at;
        timer = Timers.schedule(clock, at, this::onTimer);
    }

    private void onTimer() {
        lock.lock();
        try {
            timer = null;
        } finally {
            lock.unlock();
        }
        serve();
        publishStatus();
    }

    /** Admits the queue's head while the remote limit admits it; on a refusal, waits for its retry-after. */
    private void serve() {
        if (serving.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            servePass();
            missed = serving.addAndGet(-missed);
        } while (missed != 0);
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
                    wakeAt(clock.nanoTime() + pause);
                    return;
                }
            } finally {
                lock.unlock();
            }
            AcquireResult result = source.tryAcquire();
            if (result instanceof Permit taken) {
                Permit permit = new RemotePermit(taken);
                if (!leave(head)) {
                    taken.cancel(); // timed out or withdrawn while the remote limit was asked
                    continue;
                }
                Timers.completionExecutor().execute(() -> {
                    if (!head.future.complete(permit)) {
                        taken.cancel();
                    }
                });
                continue;
            }
            Refusal refusal = (Refusal) result;
            if (refusal.retryAfterNanos() == Refusal.NEVER) {
                failAll(new RateLimitedException(this + " can never admit again"));
                return;
            }
            lock.lock();
            try {
                if (!queue.isEmpty()) {
                    wakeAt(clock.nanoTime() + Math.max(refusal.retryAfterNanos(), MIN_RETRY_NANOS));
                }
            } finally {
                lock.unlock();
            }
            return;
        }
    }

    /** A use taken through this limiter ended: the queue may go on, and the status may have changed. */
    private void ended() {
        endings.incrementAndGet();
        boolean waiters;
        lock.lock();
        try {
            waiters = !queue.isEmpty();
        } finally {
            lock.unlock();
        }
        if (waiters) {
            serve();
        }
        publishStatus();
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
        return closed ? 0 : source.state().remaining();
    }

    @Override
    public long resetInNanos() {
        return source.state().resetInNanos();
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
        Nanos.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0 but was " + duration);
        }
        if (duration.isZero()) {
            return;
        }
        if (source instanceof StagedLimit staged) {
            staged.pauseParts(duration);
        }
        lock.lock();
        try {
            long until = clock.nanoTime() + Math.min(Nanos.saturated(duration), Nanos.FOREVER);
            if (!paused || until > pausedUntil) {
                pausedUntil = until;
                paused = true;
            }
            if (!queue.isEmpty()) {
                wakeAt(pausedUntil);
            }
        } finally {
            lock.unlock();
        }
        publishStatus();
    }

    @Override
    public Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Nanos.requireNonNull(listener, "listener");
        StatusPublisher current;
        lock.lock();
        try {
            current = publisher;
            if (current == null) {
                current = new StatusPublisher(status());
                publisher = current;
            }
        } finally {
            lock.unlock();
        }
        current.add(listener);
        publishStatus();
        StatusPublisher subscribed = current;
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                subscribed.remove(listener);
            }
        };
    }

    /** Tells listeners the status if it changed; while it is locked, looks again when it may unlock. */
    private void publishStatus() {
        StatusPublisher current = publisher;
        if (current == null || !current.hasListeners()) {
            return;
        }
        RateLimitStatus status;
        long recheck;
        if (closed) {
            status = RateLimitStatus.LOCKED;
            recheck = 0;
        } else {
            long pause = pausedFor();
            RemoteLimit.State state = source.state();
            status = pause == 0 && state.remaining() > 0 ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED;
            recheck = Math.max(pause, state.resetInNanos() > 0 ? state.resetInNanos() : STATUS_RECHECK_NANOS);
        }
        current.set(status);
        current.drain();
        if (status == RateLimitStatus.LOCKED && recheck > 0) {
            lock.lock();
            try {
                if (!closed) {
                    wakeAt(clock.nanoTime() + recheck);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            closed = true;
            Cancellable current = timer;
            if (current != null) {
                current.cancel();
                timer = null;
            }
        } finally {
            lock.unlock();
        }
        failAll(new RateLimitedException(this + " is closed"));
        publishStatus();
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
        for (Wait wait : failed) {
            wait.future.completeExceptionally(failure);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /** A queued acquire: by priority, then arrival. */
    private static final class Wait implements Comparable<Wait> {
        final int priority;
        final long arrival;
        final CompletableFuture<Permit> future = new CompletableFuture<>();
        volatile @Nullable Cancellable timeout;

        Wait(int priority, long arrival) {
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
        public void cancel() {
            if (ended.compareAndSet(false, true)) {
                taken.cancel();
                ended();
            }
        }
    }
}
