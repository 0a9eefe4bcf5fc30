package io.ratestack;

import java.time.Duration;

/**
 * The argument checks of the factories, the limits' terms and the permits; every message is made here. A value out
 * of range is an {@link InvalidTermException} naming the term; a missing one a {@link NullPointerException}.
 */
final class Checks {

    private Checks() {
    }

    static int positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidTermException(name, value, "must be > 0");
        }
        return value;
    }

    static Duration positive(String name, Duration value) {
        requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new InvalidTermException(name, value, "must be > 0");
        }
        return value;
    }

    static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new InvalidTermException(name, value, "must be >= 0");
        }
        return value;
    }

    static Duration nonNegative(String name, Duration value) {
        requireNonNull(value, name);
        if (value.isNegative()) {
            throw new InvalidTermException(name, value, "must be >= 0");
        }
        return value;
    }

    static int between(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidTermException(name, value, "must be >= " + min + " and <= " + max);
        }
        return value;
    }

    /**
     * A window's offset: {@code per + resetOffset} must not be negative.
     *
     * @throws InvalidTermException naming {@code resetOffset}
     */
    static Duration resetOffset(Duration per, Duration resetOffset) {
        requireNonNull(resetOffset, "resetOffset");
        if (per.plus(resetOffset).isNegative()) {
            throw new InvalidTermException("resetOffset", resetOffset, "must be >= -per, so that no window is negative",
                    "per + resetOffset must be >= 0 but was " + per + " + " + resetOffset + " = "
                            + per.plus(resetOffset));
        }
        return resetOffset;
    }

    static <T> T requireNonNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }
}
