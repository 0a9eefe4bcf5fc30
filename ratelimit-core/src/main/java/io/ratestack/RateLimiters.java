package io.ratestack;

import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Makes limiters.
 *
 * <pre>{@code
 * RateLimiter perSecond = RateLimiters.timesPer(10, Duration.ofSeconds(1));
 * RateLimiter perDay = RateLimiters.timesPer(1000, Duration.ofDays(1));
 * RateLimiter both = RateLimiters.all(perSecond, perDay);
 * }</pre>
 */
public final class RateLimiters {

    private RateLimiters() {
    }

    /**
     * A limiter of {@code limit} uses per {@code per}, on the system clock. For a clock, a name or a reset offset,
     * use {@link #timesPerBuilder(int, Duration)}.
     *
     * @param limit uses per window, at least 1
     * @param per the length of a window, positive
     * @return the limiter
     * @throws IllegalArgumentException if {@code limit} or {@code per} is not positive
     */
    public static RateLimiter timesPer(int limit, Duration per) {
        return timesPerBuilder(limit, per).build();
    }

    /**
     * A limiter of the terms of {@code limit}, on {@code clock}.
     *
     * @param limit the limit, reset offset and name
     * @param clock the clock
     * @return the limiter
     */
    public static RateLimiter timesPer(Limit limit, Clock clock) {
        return timesPerBuilder(limit).clock(clock).build();
    }

    /**
     * A builder of limiters of the terms of {@code limit} (its reset offset and name included), for a clock to be
     * set: the limiters one builder makes share their terms, as a store that keeps a limiter per client wants.
     *
     * @param limit the limit
     * @return the builder
     */
    public static TimesPerBuilder timesPerBuilder(Limit limit) {
        Checks.requireNonNull(limit, "limit");
        TimesPerBuilder builder = timesPerBuilder(limit.limit(), limit.per()).resetOffset(limit.resetOffset());
        String name = limit.name();
        return name == null ? builder : builder.name(name);
    }

    /**
     * The in-memory limiter of {@code spec}, on {@code clock}, made by the spec's builder.
     *
     * @param spec the terms of any algorithm, with its name if it has one
     * @param clock the clock
     * @return the limiter
     */
    public static RateLimiter of(LimitSpec spec, Clock clock) {
        return builds(spec, clock).get();
    }

    /**
     * Makes in-memory limiters of {@code spec} on {@code clock}, a new one per call, all sharing one copy of the
     * terms, so that each costs only its counts: what a store that keeps a limiter per client wants. Safe to call
     * from any thread.
     *
     * @param spec the terms of any algorithm, with its name if it has one
     * @param clock the clock
     * @return the maker of limiters
     */
    public static Supplier<RateLimiter> factory(LimitSpec spec, Clock clock) {
        return builds(spec, clock);
    }

    /** The maker of the builder of {@code spec}'s algorithm, set to its terms. */
    private static Supplier<RateLimiter> builds(LimitSpec spec, Clock clock) {
        Checks.requireNonNull(spec, "spec");
        Checks.requireNonNull(clock, "clock");
        String name = spec.name();
        if (spec instanceof Limit limit) {
            return timesPerBuilder(limit).clock(clock).maker();
        } else if (spec instanceof LimitSpec.TokenBucket bucket) {
            TokenBucketBuilder builder = tokenBucketBuilder(bucket.capacity(), bucket.refillTokens(),
                    bucket.refillPeriod()).initialTokens(bucket.initialTokens()).clock(clock);
            if (!bucket.greedy()) {
                builder.intervalRefill();
            }
            return (name == null ? builder : builder.name(name)).maker();
        } else if (spec instanceof LimitSpec.Gcra gcra) {
            GcraBuilder builder = gcraBuilder(gcra.rate(), gcra.period(), gcra.burst()).clock(clock);
            return (name == null ? builder : builder.name(name)).maker();
        } else if (spec instanceof LimitSpec.SlidingWindow window) {
            SlidingWindowBuilder builder = slidingWindowBuilder(window.limit(), window.window()).clock(clock);
            return (name == null ? builder : builder.name(name)).maker();
        } else {
            LimitSpec.Concurrency concurrency = (LimitSpec.Concurrency) spec;
            ConcurrencyBuilder builder = concurrencyBuilder(concurrency.permits())
                    .retryAfter(concurrency.retryAfter()).clock(clock);
            return (name == null ? builder : builder.name(name)).maker();
        }
    }

    /**
     * A builder of a limiter of {@code limit} uses per {@code per}.
     *
     * @param limit uses per window, at least 1
     * @param per the length of a window, positive
     * @return the builder
     * @throws IllegalArgumentException if {@code limit} or {@code per} is not positive
     */
    public static TimesPerBuilder timesPerBuilder(int limit, Duration per) {
        return new TimesPerBuilder(limit, per);
    }

    /**
     * A limiter of at most {@code permits} uses at once, on the system clock: a use holds a unit until its permit is
     * closed or cancelled (both give the unit back at once). No time frees a unit. For a clock, a name or the
     * retry-after of a refusal, use {@link #concurrencyBuilder(int)}.
     *
     * @param permits how many uses may be held at once, at least 1
     * @return the limiter
     * @throws IllegalArgumentException if {@code permits} is not positive
     */
    public static RateLimiter concurrency(int permits) {
        return concurrencyBuilder(permits).build();
    }

    /**
     * A builder of a limiter of at most {@code permits} uses at once.
     *
     * @param permits how many uses may be held at once, at least 1
     * @return the builder
     * @throws IllegalArgumentException if {@code permits} is not positive
     */
    public static ConcurrencyBuilder concurrencyBuilder(int permits) {
        return new ConcurrencyBuilder(permits);
    }

    /**
     * A token bucket of {@code capacity} tokens, full at the start, that gains {@code refillTokens} per
     * {@code refillPeriod} continuously (greedily, as Bucket4j's {@code refillGreedy}), on the system clock. A use
     * takes a token; cancelling its permit puts the token back (never above capacity); completing it keeps the token
     * spent. Nothing counts uses in flight. For interval refill, initial tokens, a clock or a name, use
     * {@link #tokenBucketBuilder(int, int, Duration)}.
     *
     * @param capacity the most tokens the bucket holds, at least 1
     * @param refillTokens tokens added per {@code refillPeriod}, at least 1
     * @param refillPeriod the time in which {@code refillTokens} are added, positive
     * @return the limiter
     * @throws IllegalArgumentException if an argument is not positive
     */
    public static RateLimiter tokenBucket(int capacity, int refillTokens, Duration refillPeriod) {
        return tokenBucketBuilder(capacity, refillTokens, refillPeriod).build();
    }

    /**
     * A builder of a token bucket of {@code capacity} tokens that gains {@code refillTokens} per
     * {@code refillPeriod}.
     *
     * @param capacity the most tokens the bucket holds, at least 1
     * @param refillTokens tokens added per {@code refillPeriod}, at least 1
     * @param refillPeriod the time in which {@code refillTokens} are added, positive
     * @return the builder
     * @throws IllegalArgumentException if an argument is not positive
     */
    public static TokenBucketBuilder tokenBucketBuilder(int capacity, int refillTokens, Duration refillPeriod) {
        return new TokenBucketBuilder(capacity, refillTokens, refillPeriod);
    }

    /**
     * A GCRA limiter (the generic cell rate algorithm, as redis-cell): {@code rate} uses per {@code period}, evenly
     * spaced one emission interval ({@code period / rate}, rounded up to a nanosecond) apart, of which {@code burst}
     * may come at once; on the system clock. Its state is one timestamp and its retry-after is exact. Completing a
     * permit keeps the use paid; cancelling it takes one emission interval off the limiter's debt, never below
     * zero (nothing once time has paid the limiter off). Nothing counts uses in flight. For a clock or a name, use
     * {@link #gcraBuilder(int, Duration, int)}.
     *
     * @param rate uses per {@code period}, at least 1 and at most the period's nanoseconds
     * @param period the time in which {@code rate} uses are admitted, positive
     * @param burst uses that may come at once, at least 1
     * @return the limiter
     * @throws IllegalArgumentException if an argument is not positive, or the emission interval would be below a
     *     nanosecond, or {@code burst} intervals exceed the range of the clock
     */
    public static RateLimiter gcra(int rate, Duration period, int burst) {
        return gcraBuilder(rate, period, burst).build();
    }

    /**
     * A builder of a GCRA limiter of {@code rate} uses per {@code period}, {@code burst} at once.
     *
     * @param rate uses per {@code period}, at least 1 and at most the period's nanoseconds
     * @param period the time in which {@code rate} uses are admitted, positive
     * @param burst uses that may come at once, at least 1
     * @return the builder
     * @throws IllegalArgumentException as {@link #gcra(int, Duration, int)}
     */
    public static GcraBuilder gcraBuilder(int rate, Duration period, int burst) {
        return new GcraBuilder(rate, period, burst);
    }

    /**
     * A sliding window limiter: at most about {@code limit} uses per rolling {@code window}, on the system clock,
     * estimated from two fixed windows (the previous one's count weighted by how much of it the rolling window still
     * covers, as Cloudflare and nginx do). No double burst at a window boundary; its error bound, exact retry-after
     * and refund rule are in {@code docs/core.md}: a use counts when admitted, completing a permit keeps it counted,
     * cancelling takes one use off the running window's count (else off the previous one's). Nothing counts uses in
     * flight. For a clock or a name, use {@link #slidingWindowBuilder(int, Duration)}.
     *
     * @param limit uses per window, at least 1
     * @param window the rolling window, positive (a window beyond the clock's range is that range)
     * @return the limiter
     * @throws IllegalArgumentException if an argument is not positive
     */
    public static RateLimiter slidingWindow(int limit, Duration window) {
        return slidingWindowBuilder(limit, window).build();
    }

    /**
     * A builder of a sliding window limiter of {@code limit} uses per rolling {@code window}.
     *
     * @param limit uses per window, at least 1
     * @param window the rolling window, positive
     * @return the builder
     * @throws IllegalArgumentException as {@link #slidingWindow(int, Duration)}
     */
    public static SlidingWindowBuilder slidingWindowBuilder(int limit, Duration window) {
        return new SlidingWindowBuilder(limit, window);
    }

    /**
     * A limiter that admits a use only if every one of {@code limiters} admits it, and then holds a slot of each.
     * With no limiters it admits everything.
     *
     * <p>The slots of the parts in memory are taken under the parts' locks, at once or not at all. When some part is
     * {@linkplain #remote remote}, its store is asked only after the in-memory parts admitted, with no lock held; if
     * it refuses, what was taken is given back (another thread may for that moment see a slot taken, which can only
     * refuse it). Waiters of a composite with remote parts try those stores again when the last refusal's
     * retry-after has passed or a use taken through them ended, and whenever an in-memory part frees room.
     *
     * @param limiters the limiters to stack, made by this class; they must share one clock
     * @return the limiter
     * @throws IllegalArgumentException if a limiter was not made by this class, or the limiters use different clocks
     */
    public static RateLimiter all(RateLimiter... limiters) {
        return new AllLimiter(internal(limiters), null);
    }

    /**
     * A limiter that takes, for each use, the first of {@code limiters} (in the given order) that admits it, and
     * holds a slot of that one only. With no limiters it admits everything.
     *
     * <p>A {@linkplain #remote remote} part that refuses is passed over for the next choice, as one in memory is; its
     * store is asked with no lock held, as for {@link #all}.
     *
     * @param limiters the limiters to choose from, made by this class; they must share one clock
     * @return the limiter
     * @throws IllegalArgumentException if a limiter was not made by this class, or the limiters use different clocks
     */
    public static RateLimiter any(RateLimiter... limiters) {
        return new AnyLimiter(internal(limiters), null);
    }

    /**
     * A limiter whose counts are {@code algorithm}'s: it waits, stacks, pauses, publishes its status and closes like
     * the built-in ones (see {@link LimitAlgorithm}). The limiter owns the algorithm from now on: nothing else may
     * call it.
     *
     * <pre>{@code
     * RateLimiter fixed = RateLimiters.custom(new FixedWindow(100, Duration.ofMinutes(1)), Clock.system());
     * RateLimiter both = RateLimiters.all(fixed, RateLimiters.concurrency(10));
     * }</pre>
     *
     * @param algorithm the counts and decisions, called with the limiter's lock held
     * @param clock the clock it measures time by
     * @return the limiter
     */
    public static RateLimiter custom(LimitAlgorithm algorithm, Clock clock) {
        return new CustomPart(Checks.requireNonNull(algorithm, "algorithm"), Checks.requireNonNull(clock, "clock"));
    }

    /**
     * A limiter over a limit whose counts live elsewhere, such as in Redis (see {@code RedisLimits.limiter}):
     * {@link RateLimiter#tryAcquire()} asks the remote limit at once; waiting acquires queue here by priority and ask
     * again when the last refusal's retry-after (at least 1 ms) has passed or a use taken through this limiter ended,
     * never sooner; {@link RateLimiter#status()}, {@link RateLimiter#remaining()} and
     * {@link RateLimiter#resetInNanos()} read the remote limit's state; {@link RateLimiter#pause} and
     * {@link RateLimiter#close()} act on this instance only. It stacks with in-memory limiters in {@link #all} and
     * {@link #any}.
     *
     * @param limit the remote limit
     * @param clock the clock that times waiters and timeouts; the remote limit keeps its own time for its windows
     * @return the limiter
     */
    public static RateLimiter remote(RemoteLimit limit, Clock clock) {
        return new RemotePart(limit, clock);
    }

    /** The parts as the engine's limiters. */
    private static AbstractLimiter[] internal(RateLimiter[] limiters) {
        Checks.requireNonNull(limiters, "limiters");
        AbstractLimiter[] result = new AbstractLimiter[limiters.length];
        for (int i = 0; i < limiters.length; i++) {
            RateLimiter limiter = Checks.requireNonNull(limiters[i], "limiters[" + i + "]");
            if (!(limiter instanceof AbstractLimiter known)) {
                throw new IllegalArgumentException("limiters[" + i + "] must be made by RateLimiters, but is a "
                        + limiter.getClass().getName());
            }
            result[i] = known;
        }
        return result;
    }

    /** Options of a times-per limiter. Not thread-safe; each {@link #build()} makes a new, independent limiter. */
    public static final class TimesPerBuilder {

        private final int limit;
        private final Duration per;
        private Duration resetOffset = Duration.ZERO;
        private Clock clock = Clock.system();
        private @Nullable String name;
        private boolean startWindowsAtCompletion;
        /** The terms of the limiters built so far; made anew when an option changes. */
        private TimesPerLimiter.@Nullable Terms built;

        private TimesPerBuilder(int limit, Duration per) {
            this.limit = Checks.positive("limit", limit);
            this.per = Checks.positive("per", per);
        }

        /**
         * Shifts each window's end by {@code offset}: positive to allow for network delay (the window ends later),
         * negative to end it sooner. slowstack's {@code reset_offset_seconds}. Default zero. A window of zero length
         * ({@code per + offset == 0}) ends as soon as it starts: the limiter then caps only the uses in flight at
         * once, like a semaphore.
         *
         * @param offset the shift; {@code per + offset} must not be negative
         * @return this builder
         * @throws InvalidTermException if {@code per + offset} is negative
         */
        public TimesPerBuilder resetOffset(Duration offset) {
            this.resetOffset = Checks.resetOffset(per, offset);
            this.built = null;
            return this;
        }

        /**
         * The clock, {@link Clock#system()} by default; a {@link FakeClock} in tests.
         *
         * @param clock the clock
         * @return this builder
         */
        public TimesPerBuilder clock(Clock clock) {
            this.clock = Checks.requireNonNull(clock, "clock");
            this.built = null;
            return this;
        }

        /**
         * A name for messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         */
        public TimesPerBuilder name(String name) {
            this.name = Checks.requireNonNull(name, "name");
            this.built = null;
            return this;
        }

        /**
         * Whether every window starts when a use completes. By default (slowstack's rule) a reset that leaves waiters
         * starts the next window at once, so queued uses go at the full rate. A client pacing itself against a server
         * whose windows start when it serves a use should set this: its windows then start no earlier than the
         * server's, and never run ahead of them by a network round trip.
         *
         * @param atCompletion {@code true} to start every window at a completion
         * @return this builder
         */
        public TimesPerBuilder startWindowsAtCompletion(boolean atCompletion) {
            this.startWindowsAtCompletion = atCompletion;
            this.built = null;
            return this;
        }

        /**
         * A new limiter with these options. Limiters built by one builder share their terms, so each costs only its
         * counts: keep a builder to make a limiter per client.
         */
        public RateLimiter build() {
            return new TimesPerLimiter(terms());
        }

        /** A maker of limiters of these options, all sharing one copy of their terms: safe from any thread. */
        Supplier<RateLimiter> maker() {
            TimesPerLimiter.Terms terms = terms();
            return () -> new TimesPerLimiter(terms);
        }

        private TimesPerLimiter.Terms terms() {
            TimesPerLimiter.Terms terms = built;
            if (terms == null) {
                terms = new TimesPerLimiter.Terms(limit, Nanos.saturated(per.plus(resetOffset)), per, resetOffset,
                        clock, name, !startWindowsAtCompletion);
                built = terms;
            }
            return terms;
        }
    }

    /**
     * Options of a concurrency limiter. Not thread-safe; each {@link #build()} makes a new, independent limiter.
     */
    public static final class ConcurrencyBuilder {

        private final int permits;
        private Duration retryAfter = Duration.ofSeconds(1);
        private Clock clock = Clock.system();
        private @Nullable String name;
        /** The terms of the limiters built so far; made anew when an option changes. */
        private ConcurrencyLimiter.@Nullable Terms built;

        private ConcurrencyBuilder(int permits) {
            this.permits = Checks.positive("permits", permits);
        }

        /**
         * The retry-after of a refusal, one second by default. No time frees a unit (only the end of a held use
         * does), so this is a hint for a caller that cannot wait here, such as a {@code Retry-After} header; waiting
         * acquires ignore it and are admitted as soon as a unit comes back.
         *
         * @param hint the retry-after, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code hint} is not positive
         */
        public ConcurrencyBuilder retryAfter(Duration hint) {
            this.retryAfter = Checks.positive("retryAfter", hint);
            this.built = null;
            return this;
        }

        /**
         * The clock, {@link Clock#system()} by default; a {@link FakeClock} in tests. It times waiters' timeouts and
         * pauses, and brings the scheduler that runs them.
         *
         * @param clock the clock
         * @return this builder
         */
        public ConcurrencyBuilder clock(Clock clock) {
            this.clock = Checks.requireNonNull(clock, "clock");
            this.built = null;
            return this;
        }

        /**
         * A name for messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         */
        public ConcurrencyBuilder name(String name) {
            this.name = Checks.requireNonNull(name, "name");
            this.built = null;
            return this;
        }

        /**
         * A new limiter with these options. Limiters built by one builder share their terms, so each costs only its
         * count: keep a builder to make a limiter per client.
         *
         * @return the limiter
         */
        public RateLimiter build() {
            return new ConcurrencyLimiter(terms());
        }

        /** A maker of limiters of these options, all sharing one copy of their terms: safe from any thread. */
        Supplier<RateLimiter> maker() {
            ConcurrencyLimiter.Terms terms = terms();
            return () -> new ConcurrencyLimiter(terms);
        }

        private ConcurrencyLimiter.Terms terms() {
            ConcurrencyLimiter.Terms terms = built;
            if (terms == null) {
                terms = new ConcurrencyLimiter.Terms(permits, Math.min(Nanos.saturated(retryAfter), Nanos.FOREVER),
                        clock, name);
                built = terms;
            }
            return terms;
        }
    }

    /**
     * Options of a token bucket. Not thread-safe; each {@link #build()} makes a new, independent limiter.
     */
    public static final class TokenBucketBuilder {

        private final int capacity;
        private final int refillTokens;
        private final long periodNanos;
        private boolean greedy = true;
        private int initialTokens;
        private Clock clock = Clock.system();
        private @Nullable String name;
        /** The terms of the limiters built so far; made anew when an option changes. */
        private TokenBucketLimiter.@Nullable Terms built;

        private TokenBucketBuilder(int capacity, int refillTokens, Duration refillPeriod) {
            this.capacity = Checks.positive("capacity", capacity);
            this.refillTokens = Checks.positive("refillTokens", refillTokens);
            this.periodNanos = Math.min(Nanos.saturated(Checks.positive("refillPeriod", refillPeriod)), Nanos.FOREVER);
            this.initialTokens = capacity;
        }

        /**
         * Tokens come continuously, in proportion to the time passed: {@code refillTokens} over a whole period, one
         * every {@code refillPeriod / refillTokens}. The default; Bucket4j's {@code refillGreedy}.
         *
         * @return this builder
         */
        public TokenBucketBuilder greedyRefill() {
            this.greedy = true;
            this.built = null;
            return this;
        }

        /**
         * Tokens come {@code refillTokens} at once at the end of each whole period since the bucket was made, and
         * none in between. Bucket4j's {@code refillIntervally}.
         *
         * @return this builder
         */
        public TokenBucketBuilder intervalRefill() {
            this.greedy = false;
            this.built = null;
            return this;
        }

        /**
         * The tokens a new bucket holds, {@code capacity} (full) by default.
         *
         * @param tokens the initial tokens, from 0 to {@code capacity}
         * @return this builder
         * @throws IllegalArgumentException if {@code tokens} is negative or above the capacity
         */
        public TokenBucketBuilder initialTokens(int tokens) {
            this.initialTokens = Checks.between("initialTokens", tokens, 0, capacity);
            this.built = null;
            return this;
        }

        /**
         * The clock, {@link Clock#system()} by default; a {@link FakeClock} in tests. It times the refill, waiters'
         * timeouts and pauses, and brings the scheduler that runs them.
         *
         * @param clock the clock
         * @return this builder
         */
        public TokenBucketBuilder clock(Clock clock) {
            this.clock = Checks.requireNonNull(clock, "clock");
            this.built = null;
            return this;
        }

        /**
         * A name for messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         */
        public TokenBucketBuilder name(String name) {
            this.name = Checks.requireNonNull(name, "name");
            this.built = null;
            return this;
        }

        /**
         * A new limiter with these options, its bucket made now. Limiters built by one builder share their terms, so
         * each costs only its state: keep a builder to make a limiter per client.
         *
         * @return the limiter
         */
        public RateLimiter build() {
            return new TokenBucketLimiter(terms());
        }

        /** A maker of limiters of these options, all sharing one copy of their terms: safe from any thread. */
        Supplier<RateLimiter> maker() {
            TokenBucketLimiter.Terms terms = terms();
            return () -> new TokenBucketLimiter(terms);
        }

        private TokenBucketLimiter.Terms terms() {
            TokenBucketLimiter.Terms terms = built;
            if (terms == null) {
                terms = new TokenBucketLimiter.Terms(capacity, refillTokens, periodNanos, greedy, initialTokens, clock,
                        name);
                built = terms;
            }
            return terms;
        }
    }

    /**
     * Options of a GCRA limiter. Not thread-safe; each {@link #build()} makes a new, independent limiter.
     */
    public static final class GcraBuilder {

        private final int rate;
        private final long periodNanos;
        private final int burst;
        private final long intervalNanos;
        private Clock clock = Clock.system();
        private @Nullable String name;
        /** The terms of the limiters built so far; made anew when an option changes. */
        private GcraLimiter.@Nullable Terms built;

        private GcraBuilder(int rate, Duration period, int burst) {
            this.rate = Checks.positive("rate", rate);
            this.periodNanos = Math.min(Nanos.saturated(Checks.positive("period", period)), Nanos.FOREVER);
            this.burst = Checks.positive("burst", burst);
            this.intervalNanos = Nanos.emissionInterval(rate, periodNanos, burst);
        }

        /**
         * The clock, {@link Clock#system()} by default; a {@link FakeClock} in tests. It times the uses, waiters'
         * timeouts and pauses, and brings the scheduler that runs them.
         *
         * @param clock the clock
         * @return this builder
         */
        public GcraBuilder clock(Clock clock) {
            this.clock = Checks.requireNonNull(clock, "clock");
            this.built = null;
            return this;
        }

        /**
         * A name for messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         */
        public GcraBuilder name(String name) {
            this.name = Checks.requireNonNull(name, "name");
            this.built = null;
            return this;
        }

        /**
         * A new limiter with these options, fully recovered now. Limiters built by one builder share their terms, so
         * each costs only its state: keep a builder to make a limiter per client.
         *
         * @return the limiter
         */
        public RateLimiter build() {
            return new GcraLimiter(terms());
        }

        /** A maker of limiters of these options, all sharing one copy of their terms: safe from any thread. */
        Supplier<RateLimiter> maker() {
            GcraLimiter.Terms terms = terms();
            return () -> new GcraLimiter(terms);
        }

        private GcraLimiter.Terms terms() {
            GcraLimiter.Terms terms = built;
            if (terms == null) {
                terms = new GcraLimiter.Terms(rate, periodNanos, burst, intervalNanos, burst * intervalNanos, clock,
                        name);
                built = terms;
            }
            return terms;
        }
    }

    /**
     * Options of a sliding window limiter. Not thread-safe; each {@link #build()} makes a new, independent limiter.
     */
    public static final class SlidingWindowBuilder {

        private final int limit;
        private final long windowNanos;
        private Clock clock = Clock.system();
        private @Nullable String name;
        /** The terms of the limiters built so far; made anew when an option changes. */
        private SlidingWindowLimiter.@Nullable Terms built;

        private SlidingWindowBuilder(int limit, Duration window) {
            this.limit = Checks.positive("limit", limit);
            this.windowNanos = Math.min(Nanos.saturated(Checks.positive("window", window)), Nanos.FOREVER);
        }

        /**
         * The clock, {@link Clock#system()} by default; a {@link FakeClock} in tests. It times the windows, waiters'
         * timeouts and pauses, and brings the scheduler that runs them.
         *
         * @param clock the clock
         * @return this builder
         */
        public SlidingWindowBuilder clock(Clock clock) {
            this.clock = Checks.requireNonNull(clock, "clock");
            this.built = null;
            return this;
        }

        /**
         * A name for messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         */
        public SlidingWindowBuilder name(String name) {
            this.name = Checks.requireNonNull(name, "name");
            this.built = null;
            return this;
        }

        /**
         * A new limiter with these options, with nothing counted; its windows are aligned on this moment. Limiters
         * built by one builder share their terms, so each costs only its state: keep a builder to make a limiter per
         * client.
         *
         * @return the limiter
         */
        public RateLimiter build() {
            return new SlidingWindowLimiter(terms());
        }

        /** A maker of limiters of these options, all sharing one copy of their terms: safe from any thread. */
        Supplier<RateLimiter> maker() {
            SlidingWindowLimiter.Terms terms = terms();
            return () -> new SlidingWindowLimiter(terms);
        }

        private SlidingWindowLimiter.Terms terms() {
            SlidingWindowLimiter.Terms terms = built;
            if (terms == null) {
                terms = new SlidingWindowLimiter.Terms(limit, windowNanos, clock, name);
                built = terms;
            }
            return terms;
        }
    }
}
