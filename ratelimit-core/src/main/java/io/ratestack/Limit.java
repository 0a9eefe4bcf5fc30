package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The terms of a times-per limiter, as a value: {@code limit} uses per {@code per}, the window shifted by
 * {@code resetOffset}, and an optional name. Configuration (YAML, annotations) becomes these, and
 * {@link RateLimiters#timesPer(Limit, Clock)} makes a limiter of one. The times-per member of {@link LimitSpec}.
 *
 * @param limit uses per window, at least 1
 * @param per the length of a window, positive
 * @param resetOffset shifts each window's end; {@code per + resetOffset} must not be negative
 * @param name a name for messages and headers, or {@code null}
 */
public record Limit(int limit, Duration per, Duration resetOffset, @Nullable String name) implements LimitSpec {

    /**
     * @throws InvalidTermException if a value is out of range, naming it and its value
     */
    public Limit {
        Checks.positive("limit", limit);
        Checks.positive("per", per);
        Checks.resetOffset(per, resetOffset);
    }

    /**
     * {@code limit} uses per {@code per}, without offset or name.
     *
     * @param limit uses per window, at least 1
     * @param per the length of a window, positive
     * @return the limit
     */
    public static Limit of(int limit, Duration per) {
        return new Limit(limit, per, Duration.ZERO, null);
    }

    /**
     * This limit with a name.
     *
     * @param newName the name
     * @return a copy named {@code newName}
     */
    @Override
    public Limit named(String newName) {
        return new Limit(limit, per, resetOffset, Checks.requireNonNull(newName, "name"));
    }

    /**
     * This limit with a reset offset.
     *
     * @param offset shifts each window's end
     * @return a copy with {@code offset}
     */
    public Limit withResetOffset(Duration offset) {
        return new Limit(limit, per, offset, name);
    }

    /** The limit: a window never admits more. */
    @Override
    public int maxCost() {
        return limit;
    }

    /** How long a window lasts: {@code per + resetOffset}. */
    public Duration window() {
        return per.plus(resetOffset);
    }

    /** One {@linkplain #window() window}: the longest a used slot counts. */
    @Override
    public Duration recovery() {
        return Nanos.atMostForever(window());
    }

    @Override
    public String toString() {
        String text = limit + " per " + per + (resetOffset.isZero() ? "" : " offset " + resetOffset);
        return name == null ? text : name + ": " + text;
    }
}
