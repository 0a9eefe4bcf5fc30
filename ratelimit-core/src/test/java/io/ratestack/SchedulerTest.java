package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void aClocksOwnSchedulerReceivesALimitersWakeUpAndTimeout() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        limiter.tryAcquire().permit().close(); // the window runs until 1 s
        CompletableFuture<Permit> next = limiter.acquireAsync(0, Duration.ofSeconds(10));

        assertThat(clock.pendingDeadlines()).containsExactlyInAnyOrder(SECOND, 10 * SECOND);
        assertThat(next).isNotDone();

        clock.now = SECOND;
        clock.runDue();

        assertThat(next).isCompleted();
        assertThat(clock.pendingDeadlines()).as("the timeout is withdrawn once admitted").isEmpty();
    }

    @Test
    void aWaiterTimesOutWhenItsClocksSchedulerRunsTheTimeout() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofHours(1)).clock(clock).build();
        limiter.tryAcquire().permit().close();
        CompletableFuture<Permit> next = limiter.acquireAsync(0, Duration.ofSeconds(2));

        clock.now = 2 * SECOND;
        clock.runDue();

        assertThat(next).isCompletedExceptionally();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void aConcurrencyLimiterAsksItsSchedulerOnlyForTimeouts() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = RateLimiters.concurrencyBuilder(1).clock(clock).build();
        Permit held = limiter.tryAcquire().permit();
        CompletableFuture<Permit> next = limiter.acquireAsync(0, Duration.ofSeconds(10));

        assertThat(clock.pendingDeadlines()).as("no time frees a unit: no wake-up").containsExactly(10 * SECOND);

        held.close();

        assertThat(next).isCompleted();
        assertThat(clock.pendingDeadlines()).isEmpty();
    }

    @Test
    void aRemoteWaitersRetryRunsFromTheSchedulerNotOnTheAcquiringThread() {
        ManualClock clock = new ManualClock();
        AtomicBoolean slowRead = new AtomicBoolean();
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false) {
            @Override
            public State state() {
                if (slowRead.getAndSet(false)) {
                    clock.now += SECOND; // the read after the refusal is slow: its retry-after has passed meanwhile
                }
                return super.state();
            }
        };
        store.retryAfter.set(SECOND / 2);
        RateLimiter limiter = RateLimiters.remote(store, clock);
        limiter.onStatusChange(status -> { }); // a listener: the store's state is read after each try
        slowRead.set(true);

        CompletableFuture<Permit> waiter = limiter.acquireAsync(0, Duration.ofMinutes(1));

        assertThat(store.tries.get()).as("tries made by the acquiring thread").isEqualTo(1);
        assertThat(clock.pendingDeadlines()).contains(SECOND / 2);
        store.free.set(1);
        clock.runDue();
        assertThat(waiter).isCompleted();
        assertThat(store.tries.get()).isEqualTo(2);
    }

    /** Reads what the test sets; its scheduler only records tasks, and runs them when the test says. */
    private static final class ManualClock implements Clock, Scheduler {

        volatile long now;
        private final List<Task> tasks = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public Scheduler scheduler() {
            return this;
        }

        @Override
        public synchronized Cancellable schedule(long deadlineNanos, Runnable task) {
            Task scheduled = new Task(deadlineNanos, task);
            tasks.add(scheduled);
            return () -> {
                synchronized (this) {
                    tasks.remove(scheduled);
                }
            };
        }

        @Override
        public void execute(Runnable work) {
            work.run();
        }

        synchronized List<Long> pendingDeadlines() {
            return tasks.stream().map(Task::deadline).toList();
        }

        /** Runs the tasks due at {@link #now}, including those they schedule. */
        void runDue() {
            for (;;) {
                Task due;
                synchronized (this) {
                    due = tasks.stream().filter(task -> task.deadline() - now <= 0).findFirst().orElse(null);
                    if (due == null) {
                        return;
                    }
                    tasks.remove(due);
                }
                due.action().run();
            }
        }

        private record Task(long deadline, Runnable action) {
        }
    }
}
