package io.ratestack.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratestack.Clock;
import io.ratestack.Limit;
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
 * pacer.completed(permit, status, null);                           // a 500 is refunded
 * }</pre>
 *
 * <p>Every window starts when a response arrives, never earlier (unlike a plain times-per limiter, which starts the
 * next window at once when requests are still waiting): a server counts a request when it serves it, before the
 * client has the answer, so the client's windows end after the server's and a paced client is never early.
 *
 * <p>Per-key limiters live in a bounded cache; an idle key's limiters are kept at least as long as their longest
 * window, so that pacing never restarts early. Thread-safe.
 */
public final class RequestPacer {

    private final Clock clock;
    private final java.time.Clock wallClock;
    private final RateLimiter[] global;
    private final List<Limit> perKey;
    private final IntPredicate refundStatuses;
    private final boolean honourRetryAfter;
    private final Cache<String, RateLimiter> byKey;

    private RequestPacer(Builder builder) {
        this.clock = builder.clock;
        this.wallClock = builder.wallClock;
        this.global = builder.global.stream().map(this::newLeaf).toArray(RateLimiter[]::new);
        this.perKey = List.copyOf(builder.perKey);
        this.refundStatuses = builder.refundStatuses;
        this.honourRetryAfter = builder.honourRetryAfter;
        long keep = Math.max(longest(perKey).toNanos(), Duration.ofMinutes(1).toNanos());
        this.byKey = Caffeine.newBuilder()
                .maximumSize(builder.maximumKeys)
                .ticker(clock::nanoTime)
                .expireAfter(Expiry.accessing((String key, RateLimiter limiter) -> Duration.ofNanos(keep)))
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
        Objects.requireNonNull(key, "key");
        return byKey.get(key, this::newLimiter);
    }

    private RateLimiter newLimiter(String key) {
        List<RateLimiter> parts = new ArrayList<>(List.of(global));
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
        RateLimiters.TimesPerBuilder builder = RateLimiters.timesPerBuilder(limit.limit(), limit.per())
                .resetOffset(limit.resetOffset()).clock(clock).startWindowsAtCompletion(true);
        if (limit.name() != null) {
            builder.name(limit.name());
        }
        return builder.build();
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
        return limiterFor(key).acquire(priority, maxWait);
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
        return limiterFor(key).acquireAsync(priority, maxWait);
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
            RetryAfter.parse(retryAfter, wallClock).ifPresent(delay -> limiterFor(key).pause(delay));
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
