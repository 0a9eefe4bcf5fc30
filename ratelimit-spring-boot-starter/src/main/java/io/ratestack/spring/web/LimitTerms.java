package io.ratestack.spring.web;

import io.ratestack.InvalidTermException;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The keys of one limit as configuration writes them, in YAML ({@code ratelimit.per-route.*}) and in
 * {@link RateLimit @RateLimit} alike, and the core's terms they make. A key is {@code null} when not written; each
 * algorithm takes only its own keys (see {@link Algorithm}), and any other written key is refused, so that a
 * {@code burst} given to a token bucket is never silently ignored.
 *
 * <p>Public for the starter's auto-configuration, which reads {@code ratelimit.*} limits by these rules; not an
 * extension point.
 *
 * @param algorithm the algorithm
 * @param limit uses (tokens, permits) per {@code per}
 * @param per the window or period, or {@code null}; required by every algorithm but concurrency, which refuses it
 * @param resetOffset a times-per window's shift; any other algorithm refuses one that is not zero
 * @param capacity a token bucket's capacity, or {@code null} for {@code limit}
 * @param refill how a token bucket refills, or {@code null} for {@link Algorithm.Refill#GREEDY}
 * @param initialTokens a new token bucket's tokens, or {@code null} for its capacity
 * @param burst the uses a GCRA limiter admits at once, or {@code null} for {@code limit}
 * @param retryAfter a concurrency limiter's retry-after hint, or {@code null} for one second
 * @param name the limit's name in the headers (see {@link PolicyNames})
 */
public record LimitTerms(Algorithm algorithm, int limit, @Nullable Duration per, Duration resetOffset,
        @Nullable Integer capacity, Algorithm.@Nullable Refill refill, @Nullable Integer initialTokens,
        @Nullable Integer burst, @Nullable Duration retryAfter, String name) {

    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    /**
     * The core's terms of this limit.
     *
     * @return the terms, named
     * @throws InvalidTermException naming the key (as {@link RateLimit}'s attributes are named: {@code initialTokens})
     *     whose value is out of range, unset while required, or written for an algorithm that does not take it
     */
    public LimitSpec toSpec() {
        onlyFor(Algorithm.TIMES_PER, "resetOffset", resetOffset.isZero() ? null : resetOffset);
        onlyFor(Algorithm.TOKEN_BUCKET, "capacity", capacity);
        onlyFor(Algorithm.TOKEN_BUCKET, "refill", refill);
        onlyFor(Algorithm.TOKEN_BUCKET, "initialTokens", initialTokens);
        onlyFor(Algorithm.GCRA, "burst", burst);
        onlyFor(Algorithm.CONCURRENCY, "retryAfter", retryAfter);
        if (algorithm == Algorithm.CONCURRENCY && per != null) {
            throw new InvalidTermException("per", per, "does not apply to algorithm concurrency, which counts the"
                    + " requests in flight whatever the time");
        }
        LimitSpec spec;
        try {
            // An unset per goes to the core as zero, which it refuses naming per, in the order of its checks.
            Duration window = per == null ? Duration.ZERO : per;
            spec = switch (algorithm) {
                case TIMES_PER -> new Limit(limit, window, resetOffset, name);
                case TOKEN_BUCKET -> {
                    int tokens = capacity == null ? Math.max(limit, 1) : capacity;
                    yield new LimitSpec.TokenBucket(tokens, limit, window, refill != Algorithm.Refill.INTERVAL,
                            initialTokens == null ? tokens : initialTokens, name);
                }
                case GCRA -> new LimitSpec.Gcra(limit, window, burst == null ? Math.max(limit, 1) : burst, name);
                case SLIDING_WINDOW -> new LimitSpec.SlidingWindow(limit, window, name);
                case CONCURRENCY -> new LimitSpec.Concurrency(limit,
                        retryAfter == null ? DEFAULT_RETRY_AFTER : retryAfter, name);
            };
        } catch (InvalidTermException bad) {
            String key = key(bad.term());
            if (key.equals("per") && per == null) {
                throw new InvalidTermException("per", null, "must be set");
            }
            throw new InvalidTermException(key, bad.value(), bad.rule(), key + " " + bad.rule() + " but was "
                    + bad.value());
        }
        PolicyNames.check(name);
        return spec;
    }

    /**
     * The keys that write {@code spec}: what {@link #toSpec()} makes it from, with the defaults written out.
     *
     * @param spec the terms of any algorithm, named
     * @return its keys
     * @throws NullPointerException if the spec has no name
     */
    public static LimitTerms of(LimitSpec spec) {
        String name = Objects.requireNonNull(spec.name(), "a limit the filter applies is named");
        if (spec instanceof Limit limit) {
            return new LimitTerms(Algorithm.TIMES_PER, limit.limit(), limit.per(), limit.resetOffset(), null, null,
                    null, null, null, name);
        } else if (spec instanceof LimitSpec.TokenBucket bucket) {
            return new LimitTerms(Algorithm.TOKEN_BUCKET, bucket.refillTokens(), bucket.refillPeriod(),
                    Duration.ZERO, bucket.capacity(), bucket.greedy() ? Algorithm.Refill.GREEDY
                            : Algorithm.Refill.INTERVAL, bucket.initialTokens(), null, null, name);
        } else if (spec instanceof LimitSpec.Gcra gcra) {
            return new LimitTerms(Algorithm.GCRA, gcra.rate(), gcra.period(), Duration.ZERO, null, null, null,
                    gcra.burst(), null, name);
        } else if (spec instanceof LimitSpec.SlidingWindow window) {
            return new LimitTerms(Algorithm.SLIDING_WINDOW, window.limit(), window.window(), Duration.ZERO, null,
                    null, null, null, null, name);
        }
        LimitSpec.Concurrency concurrency = (LimitSpec.Concurrency) spec;
        return new LimitTerms(Algorithm.CONCURRENCY, concurrency.permits(), null, Duration.ZERO, null, null, null,
                null, concurrency.retryAfter(), name);
    }

    /**
     * The name and the written keys, as {@link RateLimit}'s attributes are named, durations as {@code 10s}:
     * {@code name}, {@code algorithm}, {@code limit}, then those of the algorithm; for the actuator endpoint.
     *
     * @return the keys and their values, in that order
     */
    public Map<String, Object> keys() {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("name", name);
        keys.put("algorithm", text(algorithm));
        keys.put("limit", limit);
        if (per != null) {
            keys.put("per", Durations.format(per));
        }
        if (!resetOffset.isZero()) {
            keys.put("resetOffset", Durations.format(resetOffset));
        }
        putIfSet(keys, "capacity", capacity);
        putIfSet(keys, "refill", refill == null ? null : text(refill));
        putIfSet(keys, "initialTokens", initialTokens);
        putIfSet(keys, "burst", burst);
        putIfSet(keys, "retryAfter", retryAfter == null ? null : Durations.format(retryAfter));
        return keys;
    }

    private static void putIfSet(Map<String, Object> keys, String key, @Nullable Object value) {
        if (value != null) {
            keys.put(key, value);
        }
    }

    /**
     * One line for logs: {@code 10 per 1s}, {@code token bucket of 20, 10 per 1s}, {@code 5 in flight}.
     *
     * @return the text
     * @throws InvalidTermException if the keys make no limit (see {@link #toSpec()})
     */
    public String describe() {
        LimitTerms written = of(toSpec()); // the defaults written out
        return written.text();
    }

    private String text() {
        String rate = limit + " per " + (per == null ? "" : Durations.format(per));
        return switch (algorithm) {
            case TIMES_PER -> rate + (resetOffset.isZero() ? "" : " (reset offset " + Durations.format(resetOffset)
                    + ")");
            case TOKEN_BUCKET -> "token bucket of " + capacity + ", " + rate
                    + (refill == Algorithm.Refill.INTERVAL ? " at once" : "");
            case GCRA -> "gcra " + rate + ", burst " + burst;
            case SLIDING_WINDOW -> "sliding window " + rate;
            case CONCURRENCY -> limit + " in flight";
        };
    }

    /** The key a core term of this algorithm is written in. */
    private String key(String term) {
        return switch (term) {
            case "refillTokens", "rate", "permits" -> "limit";
            case "refillPeriod", "period", "window" -> "per";
            default -> term;
        };
    }

    private void onlyFor(Algorithm owner, String key, @Nullable Object value) {
        if (value != null && algorithm != owner) {
            throw new InvalidTermException(key, value, "applies only to algorithm " + text(owner)
                    + ", not to " + text(algorithm));
        }
    }

    /** An algorithm as configuration writes it: {@code token-bucket}. */
    static String text(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
