package io.ratestack.spring.web;

import io.ratestack.Clock;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import java.time.Duration;

/**
 * One limit of a scope: {@code limit} uses per {@code per}, named {@code name} in the {@code RateLimit} headers.
 *
 * @param name the policy name, printable ASCII without quotes or backslashes
 * @param limit uses per window, at least 1
 * @param per the window, positive
 * @param resetOffset shifts each window's end; {@code per + resetOffset} must not be negative
 */
public record LimitSpec(String name, int limit, Duration per, Duration resetOffset) {

    /**
     * @throws IllegalArgumentException if a value is out of range; the message names the value
     */
    public LimitSpec {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            throw new IllegalArgumentException(
                    "name must be printable ASCII without quotes or backslashes but was '" + name + "'");
        }
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0 but was " + limit);
        }
        if (per == null || per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("per must be > 0 but was " + per);
        }
        if (resetOffset == null || per.plus(resetOffset).isNegative()) {
            throw new IllegalArgumentException("per + reset-offset must be >= 0 but was " + per + " + " + resetOffset);
        }
    }

    /** How long a window of this limit lasts. */
    public Duration window() {
        return per.plus(resetOffset);
    }

    /** A new limiter of this limit. */
    RateLimiter newLimiter(Clock clock) {
        return RateLimiters.timesPerBuilder(limit, per).resetOffset(resetOffset).name(name).clock(clock).build();
    }
}
