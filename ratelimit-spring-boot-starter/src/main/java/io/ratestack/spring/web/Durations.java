package io.ratestack.spring.web;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of every duration in rate limit configuration, {@code ratelimit.*} properties and {@link RateLimit}
 * attributes alike: a unit is required ({@code 10s}, {@code 500ms}, {@code 1h}, {@code 2d}, or ISO-8601
 * {@code PT10S}), since Spring Boot would read a bare number as milliseconds; only {@code 0} may go without one.
 * Kept here so the filter does not depend on Spring Boot.
 *
 * <p>Public for the starter's auto-configuration, which checks and writes {@code ratelimit.*} durations by these
 * rules; not an extension point.
 */
public final class Durations {

    /** No duration may be longer than this either way: 36500 days, which every limiter's arithmetic holds. */
    public static final Duration LONGEST = Duration.ofDays(36_500);

    private static final Pattern SIMPLE = Pattern.compile("^([+-]?\\d+)([a-zA-Z]{0,2})$");
    private static final Pattern BARE_NUMBER = Pattern.compile("^[+-]?\\d+$");
    private static final String NOT_A_DURATION = "must be a duration such as 10s, 500ms or PT10S";

    private Durations() {
    }

    /**
     * Checks a duration as it was written, once Spring Boot has converted it.
     *
     * @param written the value as configured: a {@link String}, or a {@link Number} from YAML ({@code per: 10})
     * @param duration what it was converted to
     * @return {@code duration}
     * @throws IllegalArgumentException if it has no unit (a bare number other than 0) or is longer than
     *     {@link #LONGEST}; the message says why, without the value
     */
    public static Duration check(Object written, Duration duration) {
        boolean bare = written instanceof Number || BARE_NUMBER.matcher(String.valueOf(written).strip()).matches();
        if (bare && !duration.isZero()) {
            throw new IllegalArgumentException(
                    "needs a unit, such as 10s or 500ms (a bare number would be read as milliseconds)");
        }
        if (duration.abs().compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("must be between -36500d and 36500d (100 years)");
        }
        return duration;
    }

    /**
     * Parses a duration as Spring Boot binds one ({@link RateLimit} attributes), under {@link #check} rules.
     *
     * @param text the duration as written
     * @return the duration
     * @throws IllegalArgumentException if it does not parse or breaks a rule; the message says why, without the
     *     value
     */
    public static Duration parse(String text) {
        String value = text.strip();
        Matcher simple = SIMPLE.matcher(value);
        Duration duration;
        try {
            if (simple.matches()) {
                long amount = Long.parseLong(simple.group(1));
                duration = switch (simple.group(2).toLowerCase(Locale.ROOT)) {
                    case "", "ms" -> Duration.ofMillis(amount);
                    case "ns" -> Duration.ofNanos(amount);
                    case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "d" -> Duration.ofDays(amount);
                    default -> throw new IllegalArgumentException(NOT_A_DURATION);
                };
            } else {
                duration = Duration.parse(value);
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException bad) {
            throw new IllegalArgumentException(NOT_A_DURATION, bad);
        }
        return check(text, duration);
    }

    /**
     * A duration as the configuration says it, in its largest exact unit: {@code 10s}, {@code 1m}, {@code 1500ms},
     * {@code -5s}, {@code 0s}; for logs, errors and the endpoint, which should read like the YAML.
     *
     * @param duration a duration
     * @return it as configuration writes it, which {@link #parse} reads back
     */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        long[] units = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"d", "h", "m", "s", "ms", "us"};
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.toSeconds() + "s";
        }
        for (int i = 0; i < units.length; i++) {
            if (nanos % units[i] == 0) {
                return nanos / units[i] + names[i];
            }
        }
        return nanos + "ns";
    }
}
