package io.ratestack;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link Clock} for tests that stands still until it is {@linkplain #advance(Duration) advanced}, and its own
 * {@link Scheduler}.
 *
 * <p>Limiters on this clock never use a real timer: a waiter's wake-up or timeout is a task on this clock, and
 * {@link #advance(Duration)} runs each task that falls due, in deadline order, on the calling thread, with the clock
 * reading exactly that task's deadline while it runs. A test therefore sees the same sequence of events every run,
 * without sleeping.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofSeconds(1)).clock(clock).build();
 * limiter.tryAcquire().permit().close();
 * CompletableFuture<Permit> next = limiter.acquireAsync();
 * clock.advance(Duration.ofSeconds(1)); // the window resets and the waiter is admitted
 * assert next.isDone();
 * }</pre>
 */
public final class FakeClock implements Clock, Scheduler {

    private final long start;
    private long now;
    private long sequence;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();

    /** A clock that reads 0 until advanced. */
    public FakeClock() {
        this(0L);
    }

    /**
     * A clock that reads {@code startNanos} until advanced. Any value works, including one close to
     * {@link Long#MAX_VALUE}: readings may wrap around, as {@link System#nanoTime()} may.
     *
     * @param startNanos the first reading
     */
    public FakeClock(long startNanos) {
        this.start = startNanos;
        this.now = startNanos;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** How far this clock has been advanced since it was made. */
    public synchronized Duration elapsed() {
        return Duration.ofNanos(now - start);
    }

    /**
     * Moves the clock forward by {@code amount}, running the tasks that fall due on the way.
     *
     * @param amount how far to move; zero runs the tasks due now
     * @throws IllegalArgumentException if {@code amount} is negative
     */
    public void advance(Duration amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("amount must be >= 0 but was " + amount);
        }
        advanceNanos(Nanos.saturated(amount));
    }

    /**
     * Moves the clock forward by {@code nanos} nanoseconds, running the tasks that fall due on the way.
     *
     * @param nanos how far to move
     * @throws IllegalArgumentException if {@code nanos} is negative
     */
    public void advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos must be >= 0 but was " + nanos);
        }
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        for (;;) {
            Task due;
            synchronized (this) {
                due = tasks.peek();
                if (due == null || due.deadline - target > 0) {
                    if (target - now > 0) {
                        now = target;
                    }
                    return;
                }
                tasks.poll();
                if (due.deadline - now > 0) {
                    now = due.deadline;
                }
            }
            due.action.run();
        }
    }

    /** This clock: its tasks run when it is advanced. */
    @Override
    public Scheduler scheduler() {
        return this;
    }

    /**
     * Schedules {@code action} to run when the clock reaches {@code deadline}: during the {@link #advance(Duration)}
     * that passes it (or, if it is already past, the next one, which may advance by zero).
     */
    @Override
    public synchronized Cancellable schedule(long deadline, Runnable action) {
        Task task = new Task(deadline, sequence++, action);
        tasks.add(task);
        return () -> {
            synchronized (FakeClock.this) {
                tasks.remove(task);
            }
        };
    }

    /** Runs {@code work} on the calling thread: the thread that advances this clock, when a task started it. */
    @Override
    public void execute(Runnable work) {
        work.run();
    }

    /** How many tasks wait for the clock to advance. */
    synchronized int scheduledTasks() {
        return tasks.size();
    }

    @Override
    public synchronized String toString() {
        return "FakeClock[elapsed=" + Duration.ofNanos(now - start) + "]";
    }

    private record Task(long deadline, long sequence, Runnable action) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            long byDeadline = deadline - other.deadline;
            if (byDeadline != 0) {
                return byDeadline < 0 ? -1 : 1;
            }
            return Long.compare(sequence, other.sequence);
        }
    }
}
