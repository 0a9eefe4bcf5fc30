package io.ratestack;

/**
 * Runs a limiter's timed work: the wake-ups when a window ends or a pause is over, waiters' timeouts, and the work
 * those start. A limiter takes its scheduler from its {@linkplain Clock#scheduler() clock}, and deadlines are
 * readings of that clock.
 *
 * <p>{@link Clock#system()} uses one shared daemon thread for deadlines and a small bounded pool for slow work; a
 * {@link FakeClock} is its own scheduler and runs due tasks when it is advanced. Implement this to run a limiter's
 * timers elsewhere (an application's own scheduled executor, a simulation's event queue).
 *
 * <p>Limiters call {@link #schedule(long, Runnable)} while holding their own locks, so it must never run its task
 * before it returns; they call {@link #execute(Runnable)} with no lock held.
 */
public interface Scheduler {

    /**
     * Runs {@code task} once the clock reads {@code deadlineNanos} or later, never on the calling thread before this
     * returns (the caller may hold a limiter's lock). A deadline already past runs as soon as the scheduler can.
     *
     * @param deadlineNanos a reading of the clock; readings may wrap around, so compare them by difference
     * @param task what to run
     * @return a handle that withdraws {@code task} if it has not started
     */
    Cancellable schedule(long deadlineNanos, Runnable task);

    /**
     * Runs {@code work}, which may be slow (a call to a remote store) and may have been started by a scheduled task,
     * where it holds up no more of this scheduler's other tasks than this scheduler accepts. Limiters call this, with
     * no lock held, for each pass over a queue whose waiters ask remote stores and for each re-read of a remote
     * store's state that time made due. The system scheduler hands it to a small bounded pool when called on its
     * timer thread and runs it on the calling thread otherwise; a {@link FakeClock} runs it on the calling thread.
     *
     * @param work what to run
     */
    void execute(Runnable work);
}
