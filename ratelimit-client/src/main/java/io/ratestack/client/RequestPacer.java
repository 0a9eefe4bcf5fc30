package io.ratestack.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.ForwardingPermit;
import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Paces a program's outgoing requests to one server, as slowstack's tutorial client does: each request waits for a
 * use of the global limiter and of its key's limiter (by default one per path) together, and reports how it ended.
 * A refund status (500 by default) or an I/O error refunds the use; a 429 with {@code Retry-After} holds back every
 * request until then, when enabled (the default), since the server says this client's budget is spent.
 *
 * <pre>{@code
 * RequestPacer pacer = RequestPacer.builder()
 *         .global(Limit.of(10, Duration.ofSeconds(10)))
 *         .perKey(Limit.of(1, Duration.ofSeconds(1)))
 *         .build();
 * Permit permit = pacer.acquire("/test", 0, Duration.ofMinutes(1)); // waits for a slot
 * int status = send("/test");
 * pacer.completed(permit, "/test", status, null);                  // a 500 is refunded
 * }</pre>
 *
 * <p>Every window starts when a response arrives, never earlier (unlike a plain times-per limiter, which starts the
 * next window at once when requests are still waiting): a server counts a request when it serves it, before the
 * client has the answer, so the client's windows end after the server's and a paced client is never early.
 *
 * <p>Per-key limiters live in a bounded cache. A key is never dropped while a request uses it (waits for it or is in
 * flight); an idle key is kept at least as long as its longest window after its last use, so that pacing never
 * restarts early. Thread-safe.
 */
public final class RequestPacer {

    private final Clock clock;
    private final java.time.Clock wallClock;
    /** Holds every request back while a server's Retry-After runs; part of every key's limiter. */
    private final RateLimiter gate;
    private final RateLimiter[] global;
    /** The expiry of a key in use: never (Caffeine caps it at about 150 years). */
    private static final Duration IN_USE = Duration.ofNanos(Long.MAX_VALUE);
    private static final Duration MINIMUM_IDLE = Duration.ofMinutes(1);

    private final List<RateLimiter> shared;
    private final List<Limit> perKey;
    private final IntPredicate refundStatuses;
    private final boolean honourRetryAfter;
    private final Cache<String, Key> byKey;

    /** A key's limiter, and how many requests use it (waiting or in flight): it is kept while any does. */
    private static final class Key {
        final RateLimiter limiter;
        final AtomicInteger users = new AtomicInteger();

        Key(RateLimiter limiter) {
            this.limiter = limiter;
        }
    }

    private RequestPacer(Builder builder) {
        this.clock = builder.clock;
        this.wallClock = builder.wallClock;
        this.gate = RateLimiters.timesPerBuilder(Integer.MAX_VALUE, Duration.ofSeconds(1)).clock(clock)
                .name("retry-after").build();
        this.global = builder.global.stream().map(this::newLeaf).toArray(RateLimiter[]::new);
        this.perKey = List.copyOf(builder.perKey);
        this.shared = List.copyOf(builder.shared);
        this.refundStatuses = builder.refundStatuses;
        this.honourRetryAfter = builder.honourRetryAfter;
        Duration longest = longest(perKey);
        Duration idle = longest.compareTo(MINIMUM_IDLE) >= 0 ? longest : MINIMUM_IDLE;
        this.byKey = Caffeine.newBuilder()
                .maximumWeight(builder.maximumKeys)
                .weigher((String key, Key entry) -> entry.users.get() > 0 ? 0 : 1) // in use: never evicted by size
                .ticker(clock::nanoTime)
                // In use: never expired; else once idle for its longest window, at least a minute.
                .expireAfter(Expiry.<String, Key>accessing((key, entry) -> entry.users.get() > 0 ? IN_USE : idle))
                .build();
    }

    /** A builder: no limits, refunds on 500, honours {@code Retry-After}, on the system clock. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The limiter that paces requests with {@code key}: all of the global limits and the key's limits.
     *
     * @param key the request's key, such as its path
     * @return the limiter
     */
    public RateLimiter limiterFor(String key) {
        return key(key).limiter;
    }

    private Key key(String key) {
        Objects.requireNonNull(key, "key");
        return byKey.get(key, k -> new Key(newLimiter()));
    }

    private RateLimiter newLimiter() {
        List<RateLimiter> parts = new ArrayList<>();
        parts.add(gate);
        parts.addAll(List.of(global));
        parts.addAll(shared);
        for (Limit limit : perKey) {
            parts.add(newLeaf(limit));
        }
        return RateLimiters.all(parts.toArray(RateLimiter[]::new));
    }

    /**
     * A limiter whose every window starts when a use completes, that is when its response has arrived: the server
     * started its own window when it served the request, earlier, so this one never runs ahead of it.
     */
    private RateLimiter newLeaf(Limit limit) {
        return RateLimiters.timesPerBuilder(limit).clock(clock).startWindowsAtCompletion(true).build();
    }

    /**
     * Waits for a use for a request with {@code key}.
     *
     * @param key the request's key
     * @param priority lower goes first
     * @param maxWait how long to wait at most; zero means do not wait
     * @return the permit; report how the request ended with {@link #completed} or {@link #failed}
     * @throws RateLimitedException if {@code maxWait} passes first (send nothing then)
     */
    public Permit acquire(String key, int priority, Duration maxWait) {
        Key entry = use(key);
        try {
            return new KeyPermit(entry.limiter.acquire(priority, maxWait), key, entry);
        } catch (RuntimeException | Error failed) {
            release(key, entry);
            throw failed;
        }
    }

    /**
     * Like {@link #acquire}, without blocking a thread. Cancelling the future withdraws the waiter.
     *
     * @param key the request's key
     * @param priority lower goes first
     * @param maxWait how long to wait at most
     * @return the future permit, failed with {@link RateLimitedException} when {@code maxWait} passes first
     */
    public CompletableFuture<Permit> acquireAsync(String key, int priority, Duration maxWait) {
        Key entry = use(key);
        CompletableFuture<Permit> acquiring;
        try {
            acquiring = entry.limiter.acquireAsync(priority, maxWait);
        } catch (RuntimeException | Error failed) {
            release(key, entry);
            throw failed;
        }
        CompletableFuture<Permit> result = new CompletableFuture<>();
        acquiring.whenComplete((permit, failure) -> {
            if (failure != null) {
                release(key, entry);
                result.completeExceptionally(failure);
            } else {
                KeyPermit tracked = new KeyPermit(permit, key, entry);
                if (!result.complete(tracked)) {
                    tracked.cancel(); // the caller gave up at the same moment
                }
            }
        }).exceptionally(failing(result));
        result.exceptionally(failure -> {
            acquiring.cancel(false); // withdraws the waiter if it still waits
            return null;
        });
        return result;
    }

    /**
     * The handler of a step chained on another future, for when the step throws: fails {@code result} with it, so
     * that the caller of {@code result} is not left waiting. A result the step completed (with the stage's own
     * failure, say) stays as it is.
     */
    static <T> Function<Throwable, @Nullable T> failing(CompletableFuture<?> result) {
        return failed -> {
            result.completeExceptionally(failed);
            return null;
        };
    }

    /** Marks {@code key}'s limiter as used, so it is kept; pair with {@link #release}. */
    private Key use(String key) {
        for (;;) {
            Key entry = key(key);
            entry.users.incrementAndGet();
            touch(key);
            if (byKey.getIfPresent(key) == entry) {
                return entry;
            }
            // Evicted in between: that limiter is gone, use the new one.
            entry.users.decrementAndGet();
        }
    }

    private void release(String key, Key entry) {
        entry.users.decrementAndGet();
        touch(key);
    }

    /** Recomputes {@code key}'s expiry from its state now. */
    private void touch(String key) {
        byKey.asMap().computeIfPresent(key, (k, entry) -> entry);
    }

    /** A use of a key's limiter that releases the key when it finishes, restarting its idle time. */
    private final class KeyPermit extends ForwardingPermit {
        private final String key;
        private final Key entry;

        KeyPermit(Permit permit, String key, Key entry) {
            super(permit);
            this.key = key;
            this.entry = entry;
        }

        @Override
        protected void completed() {
            release(key, entry);
        }

        @Override
        protected void cancelled() {
            release(key, entry);
        }
    }

    /**
     * Reports a response: refunds the use on a refund status, otherwise completes it; on a 429 with
     * {@code Retry-After}, holds back every request until then (when enabled).
     *
     * @param permit the request's permit
     * @param key the request's key
     * @param status the response status
     * @param retryAfter the response's {@code Retry-After} header, or {@code null}
     */
    public void completed(Permit permit, String key, int status, @Nullable String retryAfter) {
        if (refundStatuses.test(status)) {
            permit.cancel();
        } else {
            permit.close();
        }
        if (status == 429 && honourRetryAfter) {
            RetryAfter.parse(retryAfter, wallClock).ifPresent(gate::pause);
        }
    }

    /**
     * Reports a request that failed without a response (an I/O error): its use is refunded.
     *
     * @param permit the request's permit
     */
    public void failed(Permit permit) {
        permit.cancel();
    }

    /** How many keys have limiters. */
    public long keyCount() {
        return byKey.estimatedSize();
    }

    private static Duration longest(List<Limit> limits) {
        Duration longest = Duration.ZERO;
        for (Limit limit : limits) {
            if (limit.window().compareTo(longest) > 0) {
                longest = limit.window();
            }
        }
        return longest;
    }

    /** Options of a {@link RequestPacer}. */
    public static final class Builder {

        private final List<Limit> global = new ArrayList<>();
        private final List<Limit> perKey = new ArrayList<>();
        private final List<RateLimiter> shared = new ArrayList<>();
        private IntPredicate refundStatuses = status -> status == 500;
        private boolean honourRetryAfter = true;
        private Clock clock = Clock.system();
        private java.time.Clock wallClock = java.time.Clock.systemUTC();
        private long maximumKeys = 10_000;

        private Builder() {
        }

        /**
         * Limits every request must fit, whatever its key. Stacks with earlier calls.
         *
         * @param limits the limits
         * @return this builder
         */
        public Builder global(Limit... limits) {
            global.addAll(List.of(limits));
            return this;
        }

        /**
         * A limiter every request must also fit, kept as it is: typically one whose counts live in Redis
         * ({@code RedisLimits.limiter(...)}), so that every instance of a program draws on one budget at the server
         * it calls. It is not paused by a {@code Retry-After} (the pause holds this instance's requests back anyway)
         * and its windows start as its own store starts them. Stacks with earlier calls.
         *
         * @param limiter a limiter made by {@code RateLimiters} or a module built on it, on this pacer's
         *     {@linkplain #clock clock}
         * @return this builder
         */
        public Builder shared(RateLimiter limiter) {
            shared.add(Objects.requireNonNull(limiter, "limiter"));
            return this;
        }

        /**
         * Limits of each key (path) on its own. Stacks with earlier calls.
         *
         * @param limits the limits
         * @return this builder
         */
        public Builder perKey(Limit... limits) {
            perKey.addAll(List.of(limits));
            return this;
        }

        /**
         * Which response statuses refund the use; 500 by default.
         *
         * @param statuses the test
         * @return this builder
         */
        public Builder refundStatuses(IntPredicate statuses) {
            this.refundStatuses = Objects.requireNonNull(statuses, "statuses");
            return this;
        }

        /**
         * Whether a 429's {@code Retry-After} holds back every request until then; {@code true} by default.
         *
         * @param honour whether to honour it
         * @return this builder
         */
        public Builder honourRetryAfter(boolean honour) {
            this.honourRetryAfter = honour;
            return this;
        }

        /**
         * The limiters' clock; a {@code FakeClock} in tests.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The wall clock an HTTP-date {@code Retry-After} is measured against.
         *
         * @param wallClock the clock
         * @return this builder
         */
        public Builder wallClock(java.time.Clock wallClock) {
            this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
            return this;
        }

        /**
         * How many keys' limiters are kept at most; 10,000 by default.
         *
         * @param maximum the bound, positive
         * @return this builder
         */
        public Builder maximumKeys(long maximum) {
            if (maximum <= 0) {
                throw new IllegalArgumentException("maximumKeys must be > 0 but was " + maximum);
            }
            this.maximumKeys = maximum;
            return this;
        }

        /** The pacer. */
        public RequestPacer build() {
            return new RequestPacer(this);
        }
    }

    /** Waiting as long as it takes: for {@code maxWait} arguments. */
    public static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();
}
