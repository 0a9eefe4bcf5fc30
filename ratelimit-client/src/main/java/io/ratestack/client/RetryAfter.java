package io.ratestack.client;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Parses {@code Retry-After}: delay-seconds ({@code 120}) or an HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}). */
public final class RetryAfter {

    /** The longest hold-back honoured: a server's mistake must not stop a client for days. */
    public static final Duration MAXIMUM = Duration.ofHours(1);

    private RetryAfter() {
    }

    /**
     * How long {@code value} says to wait, from {@code wallClock}'s now.
     *
     * @param value the header's value, or {@code null}
     * @param wallClock the clock an HTTP-date is measured against
     * @return the delay, at most {@link #MAXIMUM}; empty when the value is missing, malformed or in the past
     */
    public static Optional<Duration> parse(String value, Clock wallClock) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String text = value.strip();
        Duration delay;
        if (text.chars().allMatch(Character::isDigit)) {
            try {
                delay = Duration.ofSeconds(Long.parseLong(text));
            } catch (NumberFormatException tooLong) {
                delay = MAXIMUM;
            }
        } else {
            try {
                ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
                delay = Duration.between(wallClock.instant(), at.toInstant());
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
        if (delay.isNegative() || delay.isZero()) {
            return Optional.empty();
        }
        return Optional.of(delay.compareTo(MAXIMUM) > 0 ? MAXIMUM : delay);
    }
}
