package io.ratestack;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link Scheduler} of every clock that brings none of its own: one shared daemon thread, started on the
 * first timer and ended after a second without any, so an idle process has no limiter thread; slow work started on
 * it goes to a small bounded pool.
 */
final class Timers implements Scheduler {

    /** The scheduler of {@link Clock#system()}. */
    static final Timers SYSTEM = new Timers(SystemClock.INSTANCE);

    private final Clock clock;

    private Timers(Clock clock) {
        this.clock = clock;
    }

    /** The shared thread's scheduler on {@code clock}'s readings. */
    static Scheduler on(Clock clock) {
        return clock == SystemClock.INSTANCE ? SYSTEM : new Timers(clock);
    }

    /** Runs {@code action} on the shared thread once {@code clock} reads {@code deadline} or later. */
    @Override
    public Cancellable schedule(long deadline, Runnable action) {
        long delay = Math.max(0L, deadline - clock.nanoTime());
        ScheduledFuture<?> future = Shared.SCHEDULER.schedule(action, delay, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    /**
     * Runs slow work started by a timer (asking a remote store): never on the shared timer thread, where it would
     * delay every other limiter's wake-ups, nor on the common pool, where waiters' futures complete, but on the
     * slow-work pool; on any other thread, runs it there.
     */
    @Override
    public void execute(Runnable work) {
        if (Thread.currentThread() instanceof TimerThread) {
            SlowWork.EXECUTOR.execute(work);
        } else {
            work.run();
        }
    }

    @Override
    public String toString() {
        return "Timers[" + clock + "]";
    }

    /**
     * Where to complete an asynchronous waiter's future: code chained on it must never run on the shared timer
     * thread, where it would delay every other limiter's wake-ups.
     */
    static Executor completionExecutor() {
        return Thread.currentThread() instanceof TimerThread ? ForkJoinPool.commonPool() : Runnable::run;
    }

    /**
     * A few daemon threads for slow timer work, made on demand and ended after a few idle seconds. Bounded: while a
     * store is slow, passes queue here rather than each taking a thread of its own.
     */
    private static final class SlowWork {
        static final ThreadPoolExecutor EXECUTOR = create();

        private static ThreadPoolExecutor create() {
            AtomicInteger count = new AtomicInteger();
            int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
            ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 5, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), work -> {
                        Thread thread = new Thread(work, "ratestack-remote-" + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            executor.allowCoreThreadTimeOut(true);
            return executor;
        }
    }

    private static final class Shared {
        static final ScheduledThreadPoolExecutor SCHEDULER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, TimerThread::new);
            executor.setRemoveOnCancelPolicy(true);
            executor.setKeepAliveTime(1, TimeUnit.SECONDS);
            executor.allowCoreThreadTimeOut(true);
            return executor;
        }
    }

    private static final class TimerThread extends Thread {
        TimerThread(Runnable work) {
            super(work, "ratestack-timer");
            setDaemon(true);
        }
    }
}
