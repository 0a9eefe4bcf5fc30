package io.ratestack.client;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Parses {@code Retry-After}: delay-seconds ({@code 120}) or an HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}). */
final class RetryAfter {

    /** The longest hold-back honoured: a server's mistake must not stop a client for days. */
    public static final Duration MAXIMUM = Duration.ofHours(1);

    private RetryAfter() {
    }

    /** RFC 9110's HTTP-date forms: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept. */
    private static final DateTimeFormatter[] HTTP_DATES = {
        DateTimeFormatter.RFC_1123_DATE_TIME,
        new java.time.format.DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(java.time.temporal.ChronoField.YEAR, 2, 2, 1970)
                .appendPattern(" HH:mm:ss 'GMT'").toFormatter(java.util.Locale.ENGLISH).withZone(java.time.ZoneOffset.UTC),
        DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC),
    };

    private static @Nullable ZonedDateTime httpDate(String text) {
        for (DateTimeFormatter format : HTTP_DATES) {
            try {
                return ZonedDateTime.parse(text, format);
            } catch (DateTimeParseException notThisForm) {
                // try the next form
            }
        }
        return null;
    }

    /**
     * How long {@code value} says to wait, from {@code wallClock}'s now.
     *
     * @param value the header's value, or {@code null}
     * @param wallClock the clock an HTTP-date is measured against
     * @return the delay, at most {@link #MAXIMUM}; empty when the value is missing, malformed or in the past
     */
    public static Optional<Duration> parse(@Nullable String value, Clock wallClock) {
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
            ZonedDateTime at = httpDate(text);
            if (at == null) {
                return Optional.empty();
            }
            delay = Duration.between(wallClock.instant(), at.toInstant());
        }
        if (delay.isNegative() || delay.isZero()) {
            return Optional.empty();
        }
        return Optional.of(delay.compareTo(MAXIMUM) > 0 ? MAXIMUM : delay);
    }
}
