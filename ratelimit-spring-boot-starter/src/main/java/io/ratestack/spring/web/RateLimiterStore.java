package io.ratestack.spring.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratestack.AcquireResult;
import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitStatus;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The limiters of every client: per client the global limiters, per client and route the per-route limiters, each in
 * a bounded Caffeine cache.
 *
 * <p>Eviction rule: an entry never expires while a use taken from it is in flight, and otherwise only after it has
 * been idle (no use taken or finished) for at least the longest window of its limits, or the configured
 * expire-after-access if longer. A window starts when a use finishes and lasts one window, so an expired entry has
 * no window left running: a client, however slow its requests, never comes back to a fresh limit early.
 * Size-bounded eviction (a flood of more distinct clients than the maximum size) uses Caffeine's frequency-aware
 * policy, which keeps entries in use and evicts the rarely seen; a client's own requests always hit its own entry,
 * so it cannot evict it itself, and IPv6 prefixes and route patterns stop one host from minting keys.
 */
public final class RateLimiterStore implements RateLimitStore {

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

    private static final RateLimiter[] NONE = {};

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

    /** A cache entry: limiters, how long they must be kept idle, and how many of their uses are in flight. */
    private static final class Entry {
        private static final AtomicIntegerFieldUpdater<Entry> IN_FLIGHT =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "inFlight");

        final RateLimiter[] leaves;
        final long idleNanos;
        volatile int inFlight;
        /** Route entries: the all-limiter of these leaves with the client's global ones, made on first use... */
        volatile @Nullable RateLimiter combined;
        /** ...with the global entry it was made with. */
        volatile @Nullable Entry combinedWith;

        Entry(RateLimiter[] leaves, long idleNanos) {
            this.leaves = leaves;
            this.idleNanos = idleNanos;
        }

        /** The first of these limiters that would refuse now, or {@code null}. */
        @Nullable RateLimiter refusing() {
            for (RateLimiter leaf : leaves) {
                if (leaf.status() == RateLimitStatus.LOCKED) {
                    return leaf;
                }
            }
            return null;
        }
    }

    private final Clock clock;
    private final List<Limit> globalSpecs;
    private final RateLimiters.TimesPerBuilder[] globalBuilders;
    private final long globalIdleNanos;
    private final long routeMinimumIdleNanos;
    private final Cache<String, Entry> globalCache;
    private final Cache<RouteKey, Entry> routeCache;

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
        this.globalBuilders = RoutePolicy.builders(this.globalSpecs, clock);
        this.globalIdleNanos = Math.max(RoutePolicy.longest(this.globalSpecs).toNanos(),
                globalBounds.minimumExpireAfterAccess().toNanos());
        this.routeMinimumIdleNanos = routeBounds.minimumExpireAfterAccess().toNanos();
        this.globalCache = Caffeine.newBuilder()
                .maximumSize(globalBounds.maximumSize())
                .ticker(clock::nanoTime)
                .expireAfter(new IdleExpiry<String>())
                .build();
        this.routeCache = Caffeine.newBuilder()
                .maximumSize(routeBounds.maximumSize())
                .ticker(clock::nanoTime)
                .expireAfter(new IdleExpiry<RouteKey>())
                .build();
    }

    @Override
    public Attempt tryAcquire(String client, Route route) {
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        Entry global = globalCache.get(client, key -> new Entry(newLimiters(globalBuilders), globalIdleNanos));
        RouteKey routeKey = new RouteKey(client, route.key(), policy);
        Entry routeEntry = routeCache.getIfPresent(routeKey);
        if (routeEntry == null) {
            // A new route for this client: none is made for a client already over its global budget, so that
            // refused requests cost no memory.
            RateLimiter refusing = global.refusing();
            if (refusing != null) {
                AcquireResult result = refusing.tryAcquire();
                if (result instanceof Refusal) {
                    return new Attempt(result, global.leaves, globalSpecs, NONE, policy.limits());
                }
                ((Permit) result).cancel(); // room appeared meanwhile: take it with the route's limits below
            }
            routeEntry = routeCache.get(routeKey, key -> new Entry(newLimiters(policy.builders(clock)),
                    Math.max(policy.longestWindow().toNanos(), routeMinimumIdleNanos)));
        }
        // combinedWith is written after combined: read it first, and a match means combined is at least as new.
        Entry with = routeEntry.combinedWith;
        RateLimiter combined = routeEntry.combined;
        if (combined == null || with != global) {
            // First use, or the client's global entry was evicted and made anew: stack with the current one.
            RateLimiter[] both = new RateLimiter[global.leaves.length + routeEntry.leaves.length];
            System.arraycopy(global.leaves, 0, both, 0, global.leaves.length);
            System.arraycopy(routeEntry.leaves, 0, both, global.leaves.length, routeEntry.leaves.length);
            combined = RateLimiters.all(both);
            synchronized (routeEntry) {
                routeEntry.combined = combined;
                routeEntry.combinedWith = global;
            }
        }
        AcquireResult result = combined.tryAcquire();
        if (result instanceof Permit permit) {
            result = new TrackedPermit(permit, client, global, routeKey, routeEntry);
        }
        return new Attempt(result, global.leaves, globalSpecs, routeEntry.leaves, policy.limits());
    }

    /** One limiter of a client, as it stands: for the actuator endpoint. */
    public record LimiterState(String name, int limit, String per, int remaining, long resetInMillis) {
    }

    /** A client's limiters of one route. */
    public record RouteState(String route, String policy, List<LimiterState> limiters) {
    }

    /** A client's limiters, global and per route, as they stand; {@code null} if the client is not tracked. */
    public record ClientState(String client, List<LimiterState> global, List<RouteState> routes) {
    }

    /**
     * The state of one client's limiters, read without touching the caches (the client's idle time runs on).
     *
     * @param client the client key, as the filter makes it
     * @return its state, or {@code null} when no limiter of it is kept
     */
    public @Nullable ClientState describe(String client) {
        Entry global = globalCache.policy().getIfPresentQuietly(client);
        java.util.List<RouteState> routes = new java.util.ArrayList<>();
        routeCache.asMap().forEach((key, entry) -> {
            if (key.client().equals(client)) {
                routes.add(new RouteState(key.route(), key.policy().source(),
                        states(entry.leaves, key.policy().limits())));
            }
        });
        if (global == null && routes.isEmpty()) {
            return null;
        }
        return new ClientState(client, global == null ? List.of() : states(global.leaves, globalSpecs), routes);
    }

    private static List<LimiterState> states(RateLimiter[] leaves, List<Limit> specs) {
        java.util.List<LimiterState> states = new java.util.ArrayList<>();
        for (int i = 0; i < leaves.length; i++) {
            Limit spec = specs.get(i);
            states.add(new LimiterState(String.valueOf(spec.name()), spec.limit(), spec.window().toString(),
                    leaves[i].remaining(), java.time.Duration.ofNanos(leaves[i].resetInNanos()).toMillis()));
        }
        return states;
    }

    /** How many clients have global limiters. */
    public long clientCount() {
        return globalCache.estimatedSize();
    }

    /** How many client-route pairs have per-route limiters. */
    public long routeCount() {
        return routeCache.estimatedSize();
    }

    @Override
    public List<Limit> globalSpecs() {
        return globalSpecs;
    }

    /** New limiters from builders, which share their terms among all the clients' limiters. */
    private static RateLimiter[] newLimiters(RateLimiters.TimesPerBuilder[] builders) {
        RateLimiter[] limiters = new RateLimiter[builders.length];
        for (int i = 0; i < limiters.length; i++) {
            limiters[i] = builders[i].build();
        }
        return limiters;
    }

    /**
     * Recomputes a key's expiry from its entry's state now: a read, which Caffeine answers by asking
     * {@link IdleExpiry} again, and which costs far less than a write.
     */
    private static <K> void touch(Cache<K, Entry> cache, K key) {
        cache.getIfPresent(key);
    }

    /**
     * A granted use that keeps its cache entries from expiring while it is in flight, and restarts their idle time
     * when it finishes (its window starts then).
     */
    private final class TrackedPermit implements Permit {

        private final Permit permit;
        private final String client;
        private final Entry global;
        private final RouteKey routeKey;
        private final Entry route;
        private final AtomicBoolean finished = new AtomicBoolean();

        TrackedPermit(Permit permit, String client, Entry global, RouteKey routeKey, Entry route) {
            this.permit = permit;
            this.client = client;
            this.global = global;
            this.routeKey = routeKey;
            this.route = route;
            // Pinned from the first use in flight to the last: a touch on each change to or from idle, not per use.
            if (Entry.IN_FLIGHT.getAndIncrement(global) == 0) {
                touch(globalCache, client);
            }
            if (Entry.IN_FLIGHT.getAndIncrement(route) == 0) {
                touch(routeCache, routeKey);
            }
        }

        @Override
        public void close() {
            if (finished.compareAndSet(false, true)) {
                permit.close();
                release();
            }
        }

        @Override
        public void cancel() {
            if (finished.compareAndSet(false, true)) {
                permit.cancel();
                release();
            }
        }

        private void release() {
            if (Entry.IN_FLIGHT.decrementAndGet(global) == 0) {
                touch(globalCache, client);
            }
            if (Entry.IN_FLIGHT.decrementAndGet(route) == 0) {
                touch(routeCache, routeKey);
            }
        }
    }

    /** An entry with a use in flight never expires; otherwise it expires after being idle for its own time. */
    private static final class IdleExpiry<K> implements Expiry<K, Entry> {

        private static long of(Entry entry) {
            return entry.inFlight > 0 ? Long.MAX_VALUE : entry.idleNanos;
        }

        @Override
        public long expireAfterCreate(K key, Entry entry, long currentTime) {
            return of(entry);
        }

        @Override
        public long expireAfterUpdate(K key, Entry entry, long currentTime, long currentDuration) {
            return of(entry);
        }

        @Override
        public long expireAfterRead(K key, Entry entry, long currentTime, long currentDuration) {
            return of(entry);
        }
    }
}
