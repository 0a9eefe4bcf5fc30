package io.ratestack;

import java.util.ArrayDeque;

/**
 * Completes waiters' futures outside dispatch. A thread serving a leaf's queue owns that leaf's dispatch; if it ran
 * the code chained on a future there, that code could block on the same limiter (nobody else may serve the queue
 * meanwhile) or stall every other thread's admissions. So completions made while serving are queued on the thread
 * and run once it serves nothing, and completions made on the shared timer thread go to the common pool.
 */
final class Deliveries {

    private static final ThreadLocal<Deliveries> CURRENT = ThreadLocal.withInitial(Deliveries::new);

    private int serving;
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

    private Deliveries() {
    }

    /** Marks the start of serving on this thread; pair with {@link #endServing(Deliveries)}. */
    static Deliveries beginServing() {
        Deliveries current = CURRENT.get();
        current.serving++;
        return current;
    }

    /** Marks the end of serving; once this thread serves nothing, runs what was held back. */
    static void endServing(Deliveries current) {
        if (--current.serving == 0) {
            Runnable next;
            while (current.serving == 0 && (next = current.pending.poll()) != null) {
                next.run();
            }
        }
    }

    /**
     * Runs {@code completion} now, or once this thread serves nothing; see the class comment.
     *
     * @param direct whether it may run on the shared timer thread (it only wakes a blocked thread)
     */
    static void complete(Runnable completion, boolean direct) {
        Runnable task = direct ? completion : () -> Timers.completionExecutor().execute(completion);
        Deliveries current = CURRENT.get();
        if (current.serving > 0) {
            current.pending.add(task);
        } else {
            task.run();
        }
    }
}
