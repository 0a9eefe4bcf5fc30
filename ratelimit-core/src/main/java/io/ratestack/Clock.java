package io.ratestack;

/**
 * A monotonic time source in nanoseconds, like {@link System#nanoTime()}: only differences between readings mean
 * anything. Limiters read it to end their windows and to time out waiters.
 *
 * <p>Use {@link #system()} in production and {@link FakeClock} in tests. A limiter wakes its waiters with timers on
 * this clock's {@link #scheduler()}: a {@link FakeClock} runs them when it is advanced; by default they run on a
 * shared daemon thread after the real time until the deadline, so a custom clock should either advance at the rate
 * of real time or bring a scheduler of its own.
 */
@FunctionalInterface
public interface Clock {

    /** The current reading, in nanoseconds. */
    long nanoTime();

    /**
     * What runs the timed work of limiters on this clock, with deadlines in this clock's readings. By default one
     * shared daemon thread that waits the real time until each deadline; override it to run the timers elsewhere.
     *
     * @return the scheduler; limiters ask for it each time they set a timer
     */
    default Scheduler scheduler() {
        return Timers.on(this);
    }

    /** The clock of {@link System#nanoTime()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
