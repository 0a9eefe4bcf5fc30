package io.ratestack;

/**
 * A monotonic time source in nanoseconds, like {@link System#nanoTime()}: only differences between readings mean
 * anything. Limiters read it to end their windows and to time out waiters.
 *
 * <p>Use {@link #system()} in production and {@link FakeClock} in tests. A limiter wakes its waiters with timers on
 * this clock: on a {@link FakeClock} they run when the clock is advanced; on any other clock they run on a shared
 * daemon thread after the real time until the deadline, so a custom clock should advance at the rate of real time.
 */
@FunctionalInterface
public interface Clock {

    /** The current reading, in nanoseconds. */
    long nanoTime();

    /** The clock of {@link System#nanoTime()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
