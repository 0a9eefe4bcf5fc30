package io.ratestack;

import java.time.Duration;

/** Durations as nanoseconds on the clock's scale, for the factories and the waiting methods; see {@link Checks}. */
final class Nanos {

    /** A timeout at or past this is "wait forever": no deadline would fit a nanosecond clock's range anyway. */
    static final long FOREVER = Long.MAX_VALUE / 2;

    private Nanos() {
    }

    /** {@code duration} in nanoseconds, saturated to the range of a {@code long}. */
    /** {@code duration}, or {@link #FOREVER} nanoseconds if longer. */
    static Duration atMostForever(Duration duration) {
        Duration forever = Duration.ofNanos(FOREVER);
        return duration.compareTo(forever) > 0 ? forever : duration;
    }

    static long saturated(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** A timeout in nanoseconds, {@link #FOREVER} for anything that long or longer. */
    static long timeout(Duration timeout) {
        return nonNegative("timeout", timeout);
    }

    /**
     * A duration that must not be negative, in nanoseconds, {@link #FOREVER} for anything that long or longer.
     *
     * @throws InvalidTermException naming {@code name} if it is negative
     */
    static long nonNegative(String name, Duration duration) {
        return Math.min(saturated(Checks.nonNegative(name, duration)), FOREVER);
    }

    /**
     * GCRA's emission interval, {@code periodNanos / rate} rounded up to a whole nanosecond, checked so that it is
     * at least one nanosecond and {@code burst} of them fit {@link #FOREVER}.
     *
     * @throws InvalidTermException naming the value that makes the interval zero or the burst too long
     */
    static long emissionInterval(int rate, long periodNanos, int burst) {
        if (rate > periodNanos) {
            throw new InvalidTermException("rate", rate, "must be <= the period in nanoseconds (" + periodNanos + ")");
        }
        long interval = periodNanos / rate + (periodNanos % rate == 0 ? 0 : 1);
        if (interval > FOREVER / burst) {
            throw new InvalidTermException("burst", burst, "must be <= " + FOREVER / interval
                    + " (burst * period / rate at most " + Duration.ofNanos(FOREVER) + ")",
                    "burst * period / rate must be <= " + Duration.ofNanos(FOREVER) + " but was " + burst + " * "
                            + Duration.ofNanos(interval));
        }
        return interval;
    }

    /**
     * {@code floor(a * b / c)} without overflow, for {@code 0 <= a}, {@code 0 <= b}, {@code 0 < c <= FOREVER} with
     * {@code a < c} or {@code b < c} (so the result is below {@code max(a, b)}); the sliding window's weights.
     */
    static long mulDiv(long a, long b, long c) {
        long product = a * b;
        if (Math.multiplyHigh(a, b) == 0 && product >= 0) { // the product fits: one division
            return product / c;
        }
        if (a >= c) { // then b < c: swap so that the first factor is below c
            long t = a;
            a = b;
            b = t;
        }
        // a < c: long division of a * b by c, one bit of b at a time; every remainder stays below c <= 2^62.
        long quotient = 0;
        long remainder = 0;
        for (int bit = 63 - Long.numberOfLeadingZeros(b); bit >= 0; bit--) {
            quotient <<= 1;
            remainder <<= 1;
            if (remainder >= c) {
                remainder -= c;
                quotient++;
            }
            if ((b >>> bit & 1L) != 0) {
                remainder += a;
                if (remainder >= c) {
                    remainder -= c;
                    quotient++;
                }
            }
        }
        return quotient;
    }
}
