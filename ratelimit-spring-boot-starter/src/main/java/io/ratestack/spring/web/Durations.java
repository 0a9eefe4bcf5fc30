package io.ratestack.spring.web;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as Spring Boot binds them: {@code 10s}, {@code 500ms}, {@code 1h}, {@code 2d}, or ISO-8601
 * {@code PT10S}; a bare number is milliseconds. Kept here so the filter does not depend on Spring Boot.
 */
final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("^([+-]?\\d+)([a-zA-Z]{0,2})$");

    private Durations() {
    }

    static Duration parse(String text, String what) {
        String value = text == null ? "" : text.strip();
        Matcher simple = SIMPLE.matcher(value);
        try {
            if (simple.matches()) {
                long amount = Long.parseLong(simple.group(1));
                return switch (simple.group(2).toLowerCase(Locale.ROOT)) {
                    case "", "ms" -> Duration.ofMillis(amount);
                    case "ns" -> Duration.ofNanos(amount);
                    case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "d" -> Duration.ofDays(amount);
                    default -> throw new IllegalArgumentException(what + " must be a duration such as 10s or PT10S"
                            + " but was '" + text + "'");
                };
            }
            return Duration.parse(value);
        } catch (DateTimeParseException | ArithmeticException bad) {
            throw new IllegalArgumentException(
                    what + " must be a duration such as 10s or PT10S but was '" + text + "'", bad);
        }
    }
}
