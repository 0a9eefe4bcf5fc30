package io.ratestack.spring.web;

/**
 * The algorithm of one limit in configuration ({@code algorithm} in YAML, {@link RateLimit#algorithm()}), each the
 * core's limiter of that name. A limit's {@code limit} and {@code per} say its sustained rate in every algorithm
 * that has one; the other keys belong to one algorithm each.
 */
public enum Algorithm {

    /**
     * {@code limit} uses per {@code per}, in windows that start when a fresh window's first use completes; uses in
     * flight count. Takes {@code reset-offset}. The default, slowstack's limiter.
     */
    TIMES_PER,

    /**
     * A bucket of {@code capacity} tokens (default {@code limit}), refilled by {@code limit} tokens per {@code per},
     * continuously or, with {@code refill: interval}, at once per whole period; new buckets hold
     * {@code initial-tokens} (default {@code capacity}). Bucket4j's bucket.
     */
    TOKEN_BUCKET,

    /**
     * The generic cell rate algorithm: {@code limit} uses per {@code per}, evenly spaced, of which {@code burst}
     * (default {@code limit}) may come at once.
     */
    GCRA,

    /** About {@code limit} uses per rolling {@code per}, estimated from two fixed windows. */
    SLIDING_WINDOW,

    /**
     * At most {@code limit} requests in flight at once, whatever the time; a refusal says to retry after
     * {@code retry-after} (default one second). Takes no {@code per}.
     */
    CONCURRENCY;

    /** How a token bucket's tokens come back. */
    public enum Refill {
        /** Continuously, in proportion to the time passed: Bucket4j's {@code refillGreedy}. */
        GREEDY,
        /** All of a period's tokens at once, at the end of each whole period: Bucket4j's {@code refillIntervally}. */
        INTERVAL
    }
}
