package io.ratestack.spring.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratestack.AcquireResult;
import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The limiters of every client: per client the global limiters, per client and route the per-route limiters, each in
 * a bounded Caffeine cache.
 *
 * <p>Eviction rule: an entry expires only after it has been idle for at least the longest window of its limits (or
 * the configured expire-after-access, if longer). Windows start at a completion no later than the entry's last use
 * and last one window, so an expired entry has no window left running: an idle client never comes back to a fresh
 * limit early. Size-bounded eviction (a flood of more distinct clients than the maximum size) uses Caffeine's
 * frequency-aware policy, which keeps entries in use and evicts the rarely seen; a client's own requests always hit
 * its own entry, so it cannot evict it itself, and IPv6 prefixes and route patterns stop one host from minting keys.
 * A use in flight on an evicted limiter completes on it harmlessly.
 */
public final class RateLimiterStore {

    /** Bounds of one cache. */
    public record CacheBounds(long maximumSize, Duration minimumExpireAfterAccess) {
        /**
         * @throws IllegalArgumentException if the size is not positive or the duration is negative
         */
        public CacheBounds {
            if (maximumSize <= 0) {
                throw new IllegalArgumentException("maximum-size must be > 0 but was " + maximumSize);
            }
            if (minimumExpireAfterAccess == null || minimumExpireAfterAccess.isNegative()) {
                throw new IllegalArgumentException(
                        "expire-after-access must be >= 0 but was " + minimumExpireAfterAccess);
            }
        }
    }

    /** The outcome of one request's attempt: the result, and the limiters that took part, for the headers. */
    public record Attempt(AcquireResult result, RateLimiter[] global, List<Limit> globalSpecs,
            RateLimiter[] route, List<Limit> routeSpecs) {
    }

    private record RouteKey(String client, String route, RoutePolicy policy) {
        @Override
        public boolean equals(Object other) {
            return other instanceof RouteKey that && client.equals(that.client) && route.equals(that.route)
                    && policy == that.policy;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * client.hashCode() + route.hashCode()) + System.identityHashCode(policy);
        }
    }

    /** A client's limiters of one route, and the all-limiter of them with the client's global ones. */
    private static final class RouteLimiters {
        final RateLimiter[] leaves;
        final long expireNanos;
        volatile Combined combined;

        RouteLimiters(RateLimiter[] leaves, long expireNanos) {
            this.leaves = leaves;
            this.expireNanos = expireNanos;
        }
    }

    private record Combined(RateLimiter[] global, RateLimiter all) {
    }

    private final Clock clock;
    private final List<Limit> globalSpecs;
    private final Cache<String, RateLimiter[]> globalCache;
    private final Cache<RouteKey, RouteLimiters> routeCache;
    private final long routeMinimumExpireNanos;

    /**
     * @param clock the clock of every limiter, and of the caches' expiry
     * @param globalSpecs the global limits of each client, at least one
     * @param globalBounds bounds of the cache of global limiters
     * @param routeBounds bounds of the cache of per-route limiters
     */
    public RateLimiterStore(Clock clock, List<Limit> globalSpecs, CacheBounds globalBounds,
            CacheBounds routeBounds) {
        if (globalSpecs.isEmpty()) {
            throw new IllegalArgumentException("at least one global limit is needed");
        }
        this.clock = clock;
        this.globalSpecs = PolicyNames.checkAll(globalSpecs);
        long globalExpire = Math.max(RoutePolicy.longest(this.globalSpecs).toNanos(),
                globalBounds.minimumExpireAfterAccess().toNanos());
        this.routeMinimumExpireNanos = routeBounds.minimumExpireAfterAccess().toNanos();
        this.globalCache = Caffeine.newBuilder()
                .maximumSize(globalBounds.maximumSize())
                .ticker(clock::nanoTime)
                .expireAfterAccess(Duration.ofNanos(Math.max(1, globalExpire)))
                .build();
        this.routeCache = Caffeine.newBuilder()
                .maximumSize(routeBounds.maximumSize())
                .ticker(clock::nanoTime)
                .expireAfter(new IdleExpiry())
                .build();
    }

    /**
     * Takes one use of the client's global limits and the route's limits together, without waiting.
     *
     * @param client the client key
     * @param route a route that is not exempt
     * @return the attempt; a granted result holds a permit that must be closed or cancelled
     */
    public Attempt tryAcquire(String client, Route route) {
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        RateLimiter[] global = globalCache.get(client, key -> newLimiters(globalSpecs));
        RouteLimiters routeLimiters = routeCache.get(new RouteKey(client, route.key(), policy),
                key -> new RouteLimiters(newLimiters(policy.limits()),
                        Math.max(policy.longestWindow().toNanos(), routeMinimumExpireNanos)));
        Combined combined = routeLimiters.combined;
        if (combined == null || combined.global() != global) {
            // First use, or the client's global entry was evicted and made anew: stack with the current one.
            RateLimiter[] both = new RateLimiter[global.length + routeLimiters.leaves.length];
            System.arraycopy(global, 0, both, 0, global.length);
            System.arraycopy(routeLimiters.leaves, 0, both, global.length, routeLimiters.leaves.length);
            combined = new Combined(global, RateLimiters.all(both));
            routeLimiters.combined = combined;
        }
        return new Attempt(combined.all().tryAcquire(), global, globalSpecs, routeLimiters.leaves, policy.limits());
    }

    /** How many clients have global limiters. */
    public long clientCount() {
        return globalCache.estimatedSize();
    }

    /** How many client-route pairs have per-route limiters. */
    public long routeCount() {
        return routeCache.estimatedSize();
    }

    /** The global limits of every client. */
    public List<Limit> globalSpecs() {
        return globalSpecs;
    }

    private RateLimiter[] newLimiters(List<Limit> specs) {
        RateLimiter[] limiters = new RateLimiter[specs.size()];
        for (int i = 0; i < limiters.length; i++) {
            limiters[i] = RateLimiters.timesPer(specs.get(i), clock);
        }
        return limiters;
    }

    /** Each route entry lives for its own longest window after its last use. */
    private static final class IdleExpiry implements Expiry<RouteKey, RouteLimiters> {
        @Override
        public long expireAfterCreate(RouteKey key, RouteLimiters value, long currentTime) {
            return value.expireNanos;
        }

        @Override
        public long expireAfterUpdate(RouteKey key, RouteLimiters value, long currentTime, long currentDuration) {
            return value.expireNanos;
        }

        @Override
        public long expireAfterRead(RouteKey key, RouteLimiters value, long currentTime, long currentDuration) {
            return value.expireNanos;
        }
    }
}
