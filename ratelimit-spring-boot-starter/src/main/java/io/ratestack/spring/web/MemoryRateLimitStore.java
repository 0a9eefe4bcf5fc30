package io.ratestack.spring.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratestack.AcquireResult;
import io.ratestack.Clock;
import io.ratestack.ForwardingPermit;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitStatus;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The limiters of every client: per client the global limiters, per client and route the per-route limiters, each in
 * a bounded Caffeine cache.
 *
 * <p>Expiry rule: an entry never expires while a use taken from it is in flight, and otherwise only after it has
 * been idle (no use taken or finished) for at least the longest window of its limits, or the configured
 * expire-after-access if longer. A window starts when a use finishes and lasts one window, so an expired entry has
 * no window left running: its limiters are as a fresh one's, and dropping it loses nothing.
 *
 * <p>Bound: entries leave only by expiry, never to make room, so a client never comes back to a fresh limit early,
 * however many other keys arrive. A cache holds at most its maximum size (exceeded only by entries that threads are
 * making at that moment, at most one per thread). A new key that finds its cache full, once expired entries are
 * cleaned out (at most once a second), gets no entry of its own: new clients share one overflow budget with the
 * global limits, and new client-route pairs one per route policy with that policy's limits, until entries expire.
 * A flood of new keys is so limited as one client and evicts no one. The first overflow, and one a minute while
 * overflows go on, is logged at WARN. A client's uses of an overflow budget are not carried over to the entry it
 * gets once there is room.
 *
 * <p>The filter's store unless Redis is configured. Public for the starter's auto-configuration (the bean, its
 * metrics and actuator endpoint) and its Redis store's local fallback; not an extension point: a store of your own
 * implements {@link RateLimitStore}.
 */
public final class MemoryRateLimitStore implements RateLimitStore {

    private static final Log LOG = LogFactory.getLog(MemoryRateLimitStore.class);

    /** The expiry of an entry with a use in flight: never (Caffeine caps it at about 150 years). */
    private static final Duration IN_USE = Duration.ofNanos(Long.MAX_VALUE);

    /** How often at most a full cache is cleaned out to find room: Caffeine's timer wheel turns in ~1 s steps. */
    private static final long CLEAN_UP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How many distinct routes {@link #describe} looks up by key; past that (routes keyed by path), it scans. */
    private static final int MAX_KNOWN_ROUTES = 10_000;

    /** How often at most overflows that go on are logged. */
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * Bounds of one cache.
     *
     * @param maximumSize how many entries the cache holds at most; past it, new keys share the overflow budget
     * @param minimumExpireAfterAccess how long an idle entry is kept at least (always at least its longest window)
     */
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

    /**
     * One cache as it stands: for metrics and the actuator endpoint.
     *
     * @param size the entries kept (expired ones not yet cleaned out included)
     * @param maximumSize the bound
     * @param full whether a new key would get no entry of its own now, unless expired entries free room
     * @param overflowRequests how many requests found the cache full and used the overflow budget, since start
     */
    public record CacheState(long size, long maximumSize, boolean full, long overflowRequests) {
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

    /**
     * A cache entry: limiters, how long they must be kept idle, and how many of their uses are in flight; or an
     * overflow budget, shared by the keys a full cache could not take, kept by the store itself.
     */
    private static final class Entry {
        private static final AtomicIntegerFieldUpdater<Entry> IN_FLIGHT =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "inFlight");

        final RateLimiter[] leaves;
        final Duration idle;
        /** An overflow budget: in no cache, so neither pinned nor touched. */
        final boolean shared;
        volatile int inFlight;
        /** Route entries: the all-limiter of these leaves with the client's global ones, made on first use... */
        volatile @Nullable RateLimiter combined;
        /** ...with the global entry it was made with. */
        volatile @Nullable Entry combinedWith;

        Entry(RateLimiter[] leaves, Duration idle, boolean shared) {
            this.leaves = leaves;
            this.idle = idle;
            this.shared = shared;
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
    private final Duration globalIdle;
    private final Duration routeMinimumIdle;
    private final BoundedCache<String> globalCache;
    private final BoundedCache<RouteKey> routeCache;
    private final Function<String, Entry> newGlobal;
    /** The global limiters that new clients share while the global cache is full. */
    private final Entry globalOverflow;
    /** Per route policy (by identity), the limiters new client-route pairs share while the per-route cache is full. */
    private final Cache<RoutePolicy, Entry> routeOverflow = Caffeine.newBuilder().weakKeys().build();
    /**
     * The routes that have had an entry, each as a key with an empty client, so that {@link #describe} finds one
     * client's route entries by key instead of scanning every client's: as many as the application's routes, or,
     * with routes keyed by path, at most {@link #MAX_KNOWN_ROUTES} (past that, {@link #describe} scans).
     */
    private final Set<RouteKey> knownRoutes = ConcurrentHashMap.newKeySet();
    private volatile boolean tooManyRoutes;

    /**
     * @param clock the clock of every limiter, and of the caches' expiry
     * @param globalSpecs the global limits of each client, at least one
     * @param globalBounds bounds of the cache of global limiters
     * @param routeBounds bounds of the cache of per-route limiters
     */
    public MemoryRateLimitStore(Clock clock, List<Limit> globalSpecs, CacheBounds globalBounds,
            CacheBounds routeBounds) {
        if (globalSpecs.isEmpty()) {
            throw new IllegalArgumentException("at least one global limit is needed");
        }
        this.clock = clock;
        this.globalSpecs = PolicyNames.checkAll(globalSpecs);
        this.globalBuilders = RoutePolicy.builders(this.globalSpecs, clock);
        this.globalIdle = longer(RoutePolicy.longest(this.globalSpecs), globalBounds.minimumExpireAfterAccess());
        this.routeMinimumIdle = routeBounds.minimumExpireAfterAccess();
        this.globalCache = new BoundedCache<>("global", "clients", globalBounds.maximumSize());
        this.routeCache = new BoundedCache<>("per-route", "client-route pairs", routeBounds.maximumSize());
        this.newGlobal = key -> new Entry(newLimiters(globalBuilders), globalIdle, false);
        this.globalOverflow = new Entry(newLimiters(globalBuilders), Duration.ZERO, true);
    }

    @Override
    public Attempt tryAcquire(String client, Route route) {
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        Entry global = globalCache.find(client);
        if (global == null) {
            global = globalCache.make(client, newGlobal);
            if (global == null) {
                global = globalOverflow;
            }
        }
        RouteKey routeKey = new RouteKey(client, route.key(), policy);
        Entry routeEntry = routeCache.find(routeKey);
        if (routeEntry == null) {
            // A new route for this client: none is made for a client already over its global budget, so that
            // refused requests cost no memory.
            RateLimiter refusing = global.refusing();
            if (refusing != null) {
                AcquireResult result = refusing.tryAcquire();
                if (result instanceof Refusal) {
                    return attempt(result, global, null, policy);
                }
                ((Permit) result).cancel(); // room appeared meanwhile: take it with the route's limits below
            }
            routeEntry = routeCache.make(routeKey, key -> {
                remember(route.key(), policy);
                return new Entry(newLimiters(policy.builders(clock)),
                        longer(policy.longestWindow(), routeMinimumIdle), false);
            });
            if (routeEntry == null) {
                routeEntry = routeOverflow.get(policy,
                        key -> new Entry(newLimiters(key.builders(clock)), Duration.ZERO, true));
            }
        }
        RateLimiter combined = combined(global, routeEntry);
        AcquireResult result = combined.tryAcquire();
        if (result instanceof Permit permit) {
            result = new TrackedPermit(permit, client, global, routeKey, routeEntry);
        }
        return attempt(result, global, routeEntry, policy);
    }

    /** An attempt whose readings read its limiters when asked; a route entry not looked up reads as not known. */
    private Attempt attempt(AcquireResult result, Entry global, @Nullable Entry route, RoutePolicy policy) {
        return new Attempt(result, new Readings(globalSpecs, global.leaves, policy.limits(),
                route == null ? null : route.leaves), false);
    }

    /**
     * The readings of one attempt: each limiter is read when its reading is first asked for, so that a request whose
     * readings no one reads (admitted, without headers) reads no limiter and makes no reading.
     */
    private static final class Readings extends AbstractList<LimitReading> implements RandomAccess {
        private final List<Limit> globalSpecs;
        private final RateLimiter[] global;
        private final List<Limit> routeSpecs;
        private final RateLimiter @Nullable [] route;
        private @Nullable LimitReading @Nullable [] read;

        Readings(List<Limit> globalSpecs, RateLimiter[] global, List<Limit> routeSpecs,
                RateLimiter @Nullable [] route) {
            this.globalSpecs = globalSpecs;
            this.global = global;
            this.routeSpecs = routeSpecs;
            this.route = route;
        }

        @Override
        public LimitReading get(int index) {
            Objects.checkIndex(index, size());
            @Nullable LimitReading[] done = read;
            if (done == null) {
                done = new LimitReading[size()];
                read = done;
            }
            LimitReading reading = done[index];
            if (reading == null) {
                boolean inGlobal = index < global.length;
                Limit spec = inGlobal ? globalSpecs.get(index) : routeSpecs.get(index - global.length);
                RateLimiter limiter = inGlobal ? global[index] : route == null ? null : route[index - global.length];
                reading = limiter == null ? LimitReading.unknown(spec, inGlobal)
                        : LimitReading.of(spec, inGlobal, limiter.remaining(), limiter.resetInNanos());
                done[index] = reading;
            }
            return reading;
        }

        @Override
        public int size() {
            return global.length + routeSpecs.size();
        }
    }

    /**
     * The all-limiter of a route entry's limiters with the client's global ones: made once per route entry and kept
     * on it, unless the route entry is an overflow budget, which clients share.
     */
    private static RateLimiter combined(Entry global, Entry route) {
        // combinedWith is written after combined: read it first, and a match means combined is at least as new.
        Entry with = route.combinedWith;
        RateLimiter combined = route.combined;
        if (combined != null && with == global) {
            return combined;
        }
        // First use, or the client's global entry expired and was made anew: stack with the current one.
        RateLimiter[] both = new RateLimiter[global.leaves.length + route.leaves.length];
        System.arraycopy(global.leaves, 0, both, 0, global.leaves.length);
        System.arraycopy(route.leaves, 0, both, global.leaves.length, route.leaves.length);
        combined = RateLimiters.all(both);
        if (!route.shared) {
            synchronized (route) {
                route.combined = combined;
                route.combinedWith = global;
            }
        }
        return combined;
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
        Entry global = globalCache.cache.policy().getIfPresentQuietly(client);
        List<RouteState> routes = new ArrayList<>();
        if (tooManyRoutes) {
            routeCache.cache.asMap().forEach((key, entry) -> {
                if (key.client().equals(client)) {
                    routes.add(routeState(key, entry));
                }
            });
        } else {
            for (RouteKey known : knownRoutes) {
                RouteKey key = new RouteKey(client, known.route(), known.policy());
                Entry entry = routeCache.cache.policy().getIfPresentQuietly(key);
                if (entry != null) {
                    routes.add(routeState(key, entry));
                }
            }
        }
        if (global == null && routes.isEmpty()) {
            return null;
        }
        return new ClientState(client, global == null ? List.of() : states(global.leaves, globalSpecs), routes);
    }

    /**
     * The state of one client's limiters, found by its key as the filter keeps it, by any spelling of its address (an
     * IPv6 address or prefix is grouped as {@code addresses} groups it), or by the key a {@link ClientKeyResolver}
     * returned.
     *
     * @param key the client key, an address, an address prefix ({@code 2001:db8::/64}) or a resolver's key
     * @param addresses how the filter makes keys of addresses
     * @return its state, or {@code null} when no limiter of it is kept
     */
    public @Nullable ClientState find(String key, RemoteAddressClientKeyResolver addresses) {
        ClientState state = describe(key);
        if (state == null && !key.startsWith("key:")) {
            int slash = key.indexOf('/');
            state = describe(addresses.keyOf(slash < 0 ? key : key.substring(0, slash)));
            if (state == null) {
                state = describe(RateLimitFilter.resolvedKey(key));
            }
        }
        return state;
    }

    private static RouteState routeState(RouteKey key, Entry entry) {
        return new RouteState(key.route(), key.policy().source(), states(entry.leaves, key.policy().limits()));
    }

    /** Notes a route that has an entry, for {@link #describe}: once per new client-route entry, never per request. */
    private void remember(String route, RoutePolicy policy) {
        if (!tooManyRoutes) {
            knownRoutes.add(new RouteKey("", route, policy));
            if (knownRoutes.size() > MAX_KNOWN_ROUTES) {
                tooManyRoutes = true;
                knownRoutes.clear();
            }
        }
    }

    /**
     * The overflow budgets as they stand, shown as one client {@code overflow}: the global limiters that new clients
     * share while the global cache is full, and per route policy that has had to use one (route {@code *}) the
     * limiters that new client-route pairs share while the per-route cache is full.
     */
    public ClientState overflow() {
        List<RouteState> routes = new ArrayList<>();
        routeOverflow.asMap().forEach((policy, entry) -> routes.add(new RouteState("*", policy.source(),
                states(entry.leaves, policy.limits()))));
        return new ClientState("overflow", states(globalOverflow.leaves, globalSpecs), routes);
    }

    private static List<LimiterState> states(RateLimiter[] leaves, List<Limit> specs) {
        List<LimiterState> states = new ArrayList<>();
        for (int i = 0; i < leaves.length; i++) {
            Limit spec = specs.get(i);
            states.add(new LimiterState(String.valueOf(spec.name()), spec.limit(), Durations.format(spec.window()),
                    leaves[i].remaining(), Duration.ofNanos(leaves[i].resetInNanos()).toMillis()));
        }
        return states;
    }

    /** How many clients have global limiters. */
    public long clientCount() {
        return globalCache.cache.estimatedSize();
    }

    /** How many client-route pairs have per-route limiters. */
    public long routeCount() {
        return routeCache.cache.estimatedSize();
    }

    /** The cache of global limiters as it stands. */
    public CacheState globalCacheState() {
        return globalCache.state();
    }

    /** The cache of per-route limiters as it stands. */
    public CacheState routeCacheState() {
        return routeCache.state();
    }

    @Override
    public List<Limit> globalSpecs() {
        return globalSpecs;
    }

    /** The longer of two idle times, itself: no duration is made per entry. */
    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
     * One of the two caches, with its bound: entries leave it only by expiry (never while in use, else once idle for
     * their {@code idle} time), never to make room
     * for others; past the bound, a new key gets no entry.
     */
    private final class BoundedCache<K> {

        final Cache<K, Entry> cache;
        private final String name;
        private final String keys;
        private final long maximumSize;
        private final AtomicLong nextCleanUp;
        private final AtomicLong nextWarning;
        private final LongAdder overflowRequests = new LongAdder();

        BoundedCache(String name, String keys, long maximumSize) {
            this.cache = Caffeine.newBuilder()
                    .ticker(clock::nanoTime)
                    .expireAfter(Expiry.<K, Entry>accessing((key, entry) -> entry.inFlight > 0 ? IN_USE : entry.idle))
                    .build();
            this.name = name;
            this.keys = keys;
            this.maximumSize = maximumSize;
            long now = clock.nanoTime();
            this.nextCleanUp = new AtomicLong(now);
            this.nextWarning = new AtomicLong(now);
        }

        /** The key's entry, or {@code null}. */
        @Nullable Entry find(K key) {
            return cache.getIfPresent(key);
        }

        /**
         * The key's entry, made if the cache has room; {@code null} if it is full of entries that must be kept, once
         * expired ones are cleaned out.
         */
        @Nullable Entry make(K key, Function<? super K, Entry> maker) {
            if (cache.estimatedSize() >= maximumSize && !cleanedUpRoom()) {
                Entry raced = cache.getIfPresent(key); // made by another thread meanwhile
                if (raced == null) {
                    overflowed();
                }
                return raced;
            }
            return cache.get(key, maker);
        }

        /**
         * Cleans out expired entries, at most once a {@link #CLEAN_UP_INTERVAL_NANOS}: room only ever comes from
         * expiry, which needs time to pass. Whether there is room now.
         */
        private boolean cleanedUpRoom() {
            long now = clock.nanoTime();
            long due = nextCleanUp.get();
            if (now - due >= 0 && nextCleanUp.compareAndSet(due, now + CLEAN_UP_INTERVAL_NANOS)) {
                cache.cleanUp();
            }
            return cache.estimatedSize() < maximumSize;
        }

        private void overflowed() {
            overflowRequests.increment();
            long now = clock.nanoTime();
            long due = nextWarning.get();
            if (now - due >= 0 && nextWarning.compareAndSet(due, now + WARNING_INTERVAL_NANOS)) {
                LOG.warn("The " + name + " rate limit cache is full (ratelimit.cache." + name + ".maximum-size="
                        + maximumSize + ") of limiters in use or inside their windows: new " + keys
                        + " share one overflow budget until entries expire (" + overflowRequests.sum()
                        + " request(s) so far)");
            }
        }

        /**
         * Recomputes a key's expiry from its entry's state now: a read, which Caffeine answers by asking
         * its expiry again, and which costs far less than a write.
         */
        void touch(K key) {
            Entry unused = cache.getIfPresent(key);
        }

        CacheState state() {
            long size = cache.estimatedSize();
            return new CacheState(size, maximumSize, size >= maximumSize, overflowRequests.sum());
        }
    }

    /**
     * A granted use that keeps its cache entries from expiring while it is in flight, and restarts their idle time
     * when it finishes (its window starts then).
     */
    private final class TrackedPermit extends ForwardingPermit {

        private final String client;
        private final Entry global;
        private final RouteKey routeKey;
        private final Entry route;

        TrackedPermit(Permit permit, String client, Entry global, RouteKey routeKey, Entry route) {
            super(permit);
            this.client = client;
            this.global = global;
            this.routeKey = routeKey;
            this.route = route;
            // Pinned from the first use in flight to the last: a touch on each change to or from idle, not per use.
            if (!global.shared && Entry.IN_FLIGHT.getAndIncrement(global) == 0) {
                globalCache.touch(client);
            }
            if (!route.shared && Entry.IN_FLIGHT.getAndIncrement(route) == 0) {
                routeCache.touch(routeKey);
            }
        }

        @Override
        protected void completed() {
            release();
        }

        @Override
        protected void cancelled() {
            release();
        }

        private void release() {
            if (!global.shared && Entry.IN_FLIGHT.decrementAndGet(global) == 0) {
                globalCache.touch(client);
            }
            if (!route.shared && Entry.IN_FLIGHT.decrementAndGet(route) == 0) {
                routeCache.touch(routeKey);
            }
        }
    }
}
