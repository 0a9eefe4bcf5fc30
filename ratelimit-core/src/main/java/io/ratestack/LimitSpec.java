package io.ratestack;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * The terms of one limiter of any algorithm, as a value: what configuration names and what a shared store (such as
 * Redis) keys and enforces. {@link RateLimiters#of(LimitSpec, Clock)} makes the in-memory limiter of one; each member
 * has the same terms, validated the same way, as its builder in {@link RateLimiters}.
 *
 * <ul>
 *   <li>{@link Limit}: times-per, {@code limit} uses per {@code per} ({@link RateLimiters#timesPer(Limit, Clock)});
 *   <li>{@link TokenBucket}: {@link RateLimiters#tokenBucketBuilder(int, int, Duration)};
 *   <li>{@link Gcra}: {@link RateLimiters#gcraBuilder(int, Duration, int)};
 *   <li>{@link SlidingWindow}: {@link RateLimiters#slidingWindowBuilder(int, Duration)};
 *   <li>{@link Concurrency}: {@link RateLimiters#concurrencyBuilder(int)}.
 * </ul>
 */
public sealed interface LimitSpec permits Limit, LimitSpec.TokenBucket, LimitSpec.Gcra, LimitSpec.SlidingWindow,
        LimitSpec.Concurrency {

    /**
     * Returns the name of these terms: for messages, headers and store keys.
     *
     * @return the name, or {@code null}
     */
    @Nullable String name();

    /**
     * Returns the largest cost one use may have under these terms: what a full limiter admits at once (a times-per
     * limit, a token bucket's capacity, a GCRA burst, a sliding window's limit, the concurrency permits). A larger cost
     * is refused for good ({@link Refusal#NEVER}), in memory and by a shared store alike.
     *
     * @return the largest cost, at least 1
     */
    int maxCost();

    /**
     * These terms with a name.
     *
     * @param newName the name
     * @return a copy named {@code newName}
     */
    LimitSpec named(String newName);

    /**
     * Returns the longest time an unused limiter of these terms takes to admit again all it ever admits at once: a
     * times-per window; a token bucket's refill from empty to full; GCRA's burst of emission intervals; two sliding
     * windows (the running one and the one it still weighs); zero for concurrency, which holds nothing once its uses
     * end. A limiter unused for that long is as generous as it gets, so a store that keeps a limiter per client may
     * drop it then and make a new one later without letting the client through sooner. A settled cost above the one
     * taken (a debt) adds to it.
     *
     * @return the time, zero or positive, at most {@code Long.MAX_VALUE / 2} nanoseconds (some 146 years, the
     *     longest the in-memory limiters count)
     */
    Duration recovery();

    /**
     * A token bucket's terms.
     *
     * @param capacity the most tokens the bucket holds, at least 1
     * @param refillTokens tokens added per {@code refillPeriod}, at least 1
     * @param refillPeriod the time in which {@code refillTokens} are added, positive
     * @param greedy whether tokens come continuously ({@code true}) or {@code refillTokens} at once per whole period
     * @param initialTokens the tokens of a new bucket, from 0 to {@code capacity}
     * @param name a name, or {@code null}
     */
    record TokenBucket(int capacity, int refillTokens, Duration refillPeriod, boolean greedy, int initialTokens,
            @Nullable String name) implements LimitSpec {

        /**
         * @throws InvalidTermException if a value is out of range, naming it and its value
         */
        public TokenBucket {
            Checks.positive("capacity", capacity);
            Checks.positive("refillTokens", refillTokens);
            Checks.positive("refillPeriod", refillPeriod);
            Checks.between("initialTokens", initialTokens, 0, capacity);
        }

        /**
         * A full bucket of {@code capacity} tokens, refilled greedily by {@code refillTokens} per
         * {@code refillPeriod}, without a name.
         *
         * @param capacity the most tokens the bucket holds, at least 1
         * @param refillTokens tokens added per {@code refillPeriod}, at least 1
         * @param refillPeriod the time in which {@code refillTokens} are added, positive
         * @return the terms
         */
        public static TokenBucket of(int capacity, int refillTokens, Duration refillPeriod) {
            return new TokenBucket(capacity, refillTokens, refillPeriod, true, capacity, null);
        }

        /**
         * These terms refilled {@code refillTokens} at once at the end of each whole period.
         *
         * @return a copy with interval refill
         */
        public TokenBucket intervalRefill() {
            return new TokenBucket(capacity, refillTokens, refillPeriod, false, initialTokens, name);
        }

        /**
         * These terms with new buckets holding {@code tokens}.
         *
         * @param tokens the tokens of a new bucket, from 0 to {@code capacity}
         * @return a copy whose new buckets hold {@code tokens}
         */
        public TokenBucket withInitialTokens(int tokens) {
            return new TokenBucket(capacity, refillTokens, refillPeriod, greedy, tokens, name);
        }

        /**
         * From empty to full: {@code capacity / refillTokens} periods, rounded up to a nanosecond when greedy and to a
         * whole period when refilled per period.
         */
        @Override
        public Duration recovery() {
            Duration period = Nanos.atMostForever(refillPeriod);
            try {
                return Nanos.atMostForever(greedy
                        ? period.multipliedBy(capacity).plusNanos(refillTokens - 1L).dividedBy(refillTokens)
                        : period.multipliedBy((capacity + (long) refillTokens - 1) / refillTokens));
            } catch (ArithmeticException beyondADuration) {
                return Nanos.atMostForever(ChronoUnit.FOREVER.getDuration());
            }
        }

        /** The capacity: a bucket never holds more tokens. */
        @Override
        public int maxCost() {
            return capacity;
        }

        @Override
        public TokenBucket named(String newName) {
            return new TokenBucket(capacity, refillTokens, refillPeriod, greedy, initialTokens,
                    Checks.requireNonNull(newName, "name"));
        }

        @Override
        public String toString() {
            String text = "tokenBucket " + capacity + " tokens, " + refillTokens + (greedy ? " per " : " every ")
                    + refillPeriod + (initialTokens == capacity ? "" : ", initially " + initialTokens);
            return name == null ? text : name + ": " + text;
        }
    }

    /**
     * A GCRA limiter's terms: {@code rate} uses per {@code period}, {@code burst} at once.
     *
     * @param rate uses per {@code period}, at least 1 and at most the period's nanoseconds
     * @param period the time in which {@code rate} uses are admitted, positive
     * @param burst uses that may come at once, at least 1
     * @param name a name, or {@code null}
     */
    record Gcra(int rate, Duration period, int burst, @Nullable String name) implements LimitSpec {

        /**
         * @throws InvalidTermException if a value is out of range, or the emission interval would be below a
         *     nanosecond, or {@code burst} intervals exceed the range of the clock; it names the value
         */
        public Gcra {
            Checks.positive("rate", rate);
            Checks.positive("period", period);
            Checks.positive("burst", burst);
            emissionIntervalNanos(rate, period, burst);
        }

        /**
         * GCRA terms without a name.
         *
         * @param rate uses per {@code period}
         * @param period the time in which {@code rate} uses are admitted
         * @param burst uses that may come at once
         * @return the terms, without a name
         */
        public static Gcra of(int rate, Duration period, int burst) {
            return new Gcra(rate, period, burst, null);
        }

        /**
         * Returns the emission interval: the spacing of uses at the sustained rate.
         *
         * @return {@code period / rate}, rounded up to a whole nanosecond
         */
        public Duration emissionInterval() {
            return Duration.ofNanos(emissionIntervalNanos(rate, period, burst));
        }

        private static long emissionIntervalNanos(int rate, Duration period, int burst) {
            return Nanos.emissionInterval(rate, Math.min(Nanos.saturated(period), Nanos.FOREVER), burst);
        }

        /** {@code burst} emission intervals: the most that the theoretical arrival time runs ahead of the clock. */
        @Override
        public Duration recovery() {
            return emissionInterval().multipliedBy(burst); // at most FOREVER, as the constructor checks
        }

        /** The burst: uses beyond it at once would arrive before their emission time. */
        @Override
        public int maxCost() {
            return burst;
        }

        @Override
        public Gcra named(String newName) {
            return new Gcra(rate, period, burst, Checks.requireNonNull(newName, "name"));
        }

        @Override
        public String toString() {
            String text = "gcra " + rate + " per " + period + ", burst " + burst;
            return name == null ? text : name + ": " + text;
        }
    }

    /**
     * A sliding window limiter's terms: about {@code limit} uses per rolling {@code window}.
     *
     * @param limit uses per window, at least 1
     * @param window the rolling window, positive
     * @param name a name, or {@code null}
     */
    record SlidingWindow(int limit, Duration window, @Nullable String name) implements LimitSpec {

        /**
         * @throws InvalidTermException if a value is not positive, naming it and its value
         */
        public SlidingWindow {
            Checks.positive("limit", limit);
            Checks.positive("window", window);
        }

        /**
         * Sliding window terms without a name.
         *
         * @param limit uses per window
         * @param window the rolling window
         * @return the terms, without a name
         */
        public static SlidingWindow of(int limit, Duration window) {
            return new SlidingWindow(limit, window, null);
        }

        /** Two windows: the running one, and the one before it, which the estimate still weighs. */
        @Override
        public Duration recovery() {
            return Nanos.atMostForever(Nanos.atMostForever(window).multipliedBy(2));
        }

        /** The limit: a window never counts more. */
        @Override
        public int maxCost() {
            return limit;
        }

        @Override
        public SlidingWindow named(String newName) {
            return new SlidingWindow(limit, window, Checks.requireNonNull(newName, "name"));
        }

        @Override
        public String toString() {
            String text = "slidingWindow " + limit + " per " + window;
            return name == null ? text : name + ": " + text;
        }
    }

    /**
     * A concurrency limiter's terms: at most {@code permits} uses held at once.
     *
     * @param permits how many uses may be held at once, at least 1
     * @param retryAfter the retry-after hint of a refusal, positive
     * @param name a name, or {@code null}
     */
    record Concurrency(int permits, Duration retryAfter, @Nullable String name) implements LimitSpec {

        /**
         * @throws InvalidTermException if a value is not positive, naming it and its value
         */
        public Concurrency {
            Checks.positive("permits", permits);
            Checks.positive("retryAfter", retryAfter);
        }

        /**
         * Concurrency terms with a retry-after hint of one second and without a name.
         *
         * @param permits how many uses may be held at once
         * @return the terms
         */
        public static Concurrency of(int permits) {
            return new Concurrency(permits, Duration.ofSeconds(1), null);
        }

        /**
         * These terms with another retry-after hint.
         *
         * @param hint the retry-after of a refusal, positive
         * @return a copy with that hint
         */
        public Concurrency withRetryAfter(Duration hint) {
            return new Concurrency(permits, hint, name);
        }

        /** Zero: a concurrency limiter holds nothing once its uses end. */
        @Override
        public Duration recovery() {
            return Duration.ZERO;
        }

        /** The permits: no more are ever held at once. */
        @Override
        public int maxCost() {
            return permits;
        }

        @Override
        public Concurrency named(String newName) {
            return new Concurrency(permits, retryAfter, Checks.requireNonNull(newName, "name"));
        }

        @Override
        public String toString() {
            String text = "concurrency " + permits + " at once";
            return name == null ? text : name + ": " + text;
        }
    }
}
