package io.ratestack.spring.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.ratestack.AcquireResult;
import io.ratestack.Clock;
import io.ratestack.ForwardingPermit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimitStatus;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The limiters of every client: one bounded Caffeine cache entry per client, holding its global limiters and its
 * limiters of each route it has used.
 *
 * <p>Expiry rule: a client's entry never expires while a use taken from it is in flight, and otherwise only after it
 * has been idle (no use taken or finished) for at least the longest {@linkplain LimitSpec#recovery() recovery} of
 * its limits (a times-per window, a token bucket's refill from empty...), global and of every route it holds, or the
 * configured expire-after-access if longer. One of its routes' limiters is dropped by the same rule on its own: never
 * while a use of it is in flight, else once no use of it has finished for the route's longest recovery (or the
 * per-route expire-after-access, if longer), when the client next gets a new route or when the client-route pairs
 * reach their bound. An idle limiter recovers fully within its recovery, so an expired entry's limiters admit at
 * least as much as new ones (a new token bucket may hold fewer tokens than a full one): dropping them never lets a
 * client through sooner.
 *
 * <p>Bound: entries leave only by expiry, never to make room, so a client never comes back to a fresh limit early,
 * however many other keys arrive. The cache holds at most the global maximum size of clients, and all of them
 * together at most the per-route maximum size of client-route pairs (each exceeded only by entries that threads are
 * making at that moment, at most one per thread). A new key that finds no room, once expired entries are cleaned out
 * (at most once a second), gets no limiters of its own: new clients share one overflow budget with the global
 * limits, and new client-route pairs one per route policy with that policy's limits, until entries expire. A flood
 * of new keys is so limited as one client and evicts no one. The first overflow, and one a minute while overflows
 * go on, is logged at WARN. A client's uses of an overflow budget are not carried over to the limiters it gets once
 * there is room.
 *
 * <p>The filter's store unless Redis is configured. Public for the starter's auto-configuration (the bean, its
 * metrics and actuator endpoint) and its Redis store's local fallback; not an extension point: a store of your own
 * implements {@link RateLimitStore}.
 */
public final class MemoryRateLimitStore implements RateLimitStore {

    private static final Log LOG = LogFactory.getLog(MemoryRateLimitStore.class);

    /** The expiry of an entry with a use in flight: never (Caffeine caps it at about 150 years). */
    private static final Duration IN_USE = Duration.ofNanos(Long.MAX_VALUE);

    /** How often at most a full bound is cleaned out to find room: Caffeine's timer wheel turns in ~1 s steps. */
    private static final long CLEAN_UP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How often at most overflows that go on are logged. */
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final RouteLimiters[] NO_ROUTES = {};

    /** How many routes of one client are looked up by a scan; past that, by a map. */
    private static final int MAX_SCANNED_ROUTES = 8;

    /**
     * Bounds of one cache.
     *
     * @param maximumSize how many entries the cache holds at most; past it, new keys share the overflow budget
     * @param minimumExpireAfterAccess how long an idle entry is kept at least (always at least its limits' longest recovery)
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
     * One bound as it stands: for metrics and the actuator endpoint.
     *
     * @param size the clients, or client-route pairs, kept: expired ones not yet cleaned out included (a client's
     *     expired routes until it next gets a new route or the bound is reached)
     * @param maximumSize the bound
     * @param full whether a new key would get no entry of its own now, unless expired entries free room
     * @param overflowRequests how many requests found no room and used the overflow budget, since start
     */
    public record CacheState(long size, long maximumSize, boolean full, long overflowRequests) {
    }

    /**
     * A client's entry: its global limiters and its routes' limiters, how long it must be kept idle, and how many of
     * its uses are in flight; or the overflow budget that new clients share, kept by the store itself.
     */
    private static final class ClientEntry {
        private static final AtomicIntegerFieldUpdater<ClientEntry> IN_FLIGHT =
                AtomicIntegerFieldUpdater.newUpdater(ClientEntry.class, "inFlight");

        final RateLimiter[] leaves;
        /** The overflow budget: in no cache, so neither pinned nor touched, and with no routes of its own. */
        final boolean shared;
        volatile int inFlight;
        /** The longest idle time of the global limits and of every route held: the entry's expiry when idle. */
        volatile Duration idle;
        /**
         * The routes' limiters while they are few (looked up by a scan), replaced whole under the entry's lock when
         * one is added or dropped; empty once they are many...
         */
        volatile RouteLimiters[] routes = NO_ROUTES;
        /** ...and then looked up by route key and policy, as routes keyed by path may be. */
        volatile @Nullable ConcurrentHashMap<RouteId, RouteLimiters> manyRoutes;
        /**
         * Set (under the entry's lock, by the cache's eviction, before another entry of its client can be made) once
         * the cache has dropped it: its routes no longer count to the bound, and its expiry is no longer set.
         */
        volatile boolean dropped;
        /** Before this time (under the entry's lock), none of its routes can have expired. */
        long nextSweep;

        ClientEntry(RateLimiter[] leaves, Duration idle, boolean shared) {
            this.leaves = leaves;
            this.idle = idle;
            this.shared = shared;
        }

        /** The first of the global limiters that would refuse now, or {@code null}. */
        @Nullable RateLimiter refusing() {
            for (RateLimiter leaf : leaves) {
                if (leaf.status() == RateLimitStatus.LOCKED) {
                    return leaf;
                }
            }
            return null;
        }

        @Nullable RouteLimiters route(String key, RoutePolicy policy) {
            Map<RouteId, RouteLimiters> many = manyRoutes;
            if (many != null) {
                return many.get(new RouteId(key, policy));
            }
            for (RouteLimiters route : routes) {
                if (route.policy == policy && route.key.equals(key)) {
                    return route;
                }
            }
            return null;
        }

        /** Adds a route's limiters, made now, under the entry's lock. */
        void add(RouteLimiters route, long now) {
            Map<RouteId, RouteLimiters> many = manyRoutes;
            long due = route.dueAt(now);
            if ((many != null ? many.isEmpty() : routes.length == 0) || due - nextSweep < 0) {
                nextSweep = due;
            }
            idle = longer(idle, route.idle);
            if (many != null) {
                many.put(new RouteId(route.key, route.policy), route);
            } else if (routes.length < MAX_SCANNED_ROUTES) {
                RouteLimiters[] more = Arrays.copyOf(routes, routes.length + 1);
                more[routes.length] = route;
                routes = more;
            } else {
                ConcurrentHashMap<RouteId, RouteLimiters> map = new ConcurrentHashMap<>();
                for (RouteLimiters known : routes) {
                    map.put(new RouteId(known.key, known.policy), known);
                }
                map.put(new RouteId(route.key, route.policy), route);
                manyRoutes = map;
                routes = NO_ROUTES;
            }
        }

        /**
         * Drops the routes that have expired, under the entry's lock, unless none can have yet: how many. The
         * entry's idle time is then that of its global limits and the routes it keeps.
         */
        int dropExpired(long now, Duration globalIdle) {
            if (now - nextSweep < 0) {
                return 0;
            }
            int dropped;
            Map<RouteId, RouteLimiters> many = manyRoutes;
            if (many != null) {
                int before = many.size();
                many.values().removeIf(route -> route.dropIfExpired(now));
                dropped = before - many.size();
            } else {
                RouteLimiters[] kept = new RouteLimiters[routes.length];
                int size = 0;
                for (RouteLimiters route : routes) {
                    if (!route.dropIfExpired(now)) {
                        kept[size++] = route;
                    }
                }
                dropped = routes.length - size;
                if (dropped > 0) {
                    routes = size == 0 ? NO_ROUTES : Arrays.copyOf(kept, size);
                }
            }
            long due = now;
            Duration longest = globalIdle;
            boolean first = true;
            for (RouteLimiters route : routes()) {
                long routeDue = route.dueAt(now);
                if (first || routeDue - due < 0) {
                    due = routeDue;
                    first = false;
                }
                longest = longer(longest, route.idle);
            }
            nextSweep = due;
            idle = longest;
            return dropped;
        }

        /** The routes' limiters held now. */
        Collection<RouteLimiters> routes() {
            Map<RouteId, RouteLimiters> many = manyRoutes;
            return many != null ? many.values() : Arrays.asList(routes);
        }
    }

    /** A route of one client: its key and its policy, by identity. */
    private record RouteId(String key, RoutePolicy policy) {
        @Override
        public boolean equals(Object other) {
            return other instanceof RouteId that && key.equals(that.key) && policy == that.policy;
        }

        @Override
        public int hashCode() {
            return 31 * key.hashCode() + System.identityHashCode(policy);
        }
    }

    /**
     * One client's limiters of one route, with their all-limiter stacked on the client's global ones; or the
     * overflow budget of a route policy that new client-route pairs share, which stacks on each client anew.
     *
     * <p>A client's route is pinned while an attempt on it runs and while its use is in flight ({@link #pin});
     * its entry drops it only when it is not pinned and its idle time has passed since its last use ended, by
     * marking it {@link #DEAD} first, so that no attempt can pin it after.
     */
    private static final class RouteLimiters {
        private static final AtomicIntegerFieldUpdater<RouteLimiters> IN_FLIGHT =
                AtomicIntegerFieldUpdater.newUpdater(RouteLimiters.class, "inFlight");
        private static final AtomicLongFieldUpdater<RouteLimiters> LAST_END =
                AtomicLongFieldUpdater.newUpdater(RouteLimiters.class, "lastEnd");

        /** The pin count of a route its entry has dropped. */
        private static final int DEAD = -1;

        final String key;
        final RoutePolicy policy;
        final RateLimiter[] leaves;
        /** With the client's global limiters; {@code null} for an overflow budget, which is never pinned. */
        final @Nullable RateLimiter combined;
        /** How long it is kept once idle: the route's limits' longest recovery, or the per-route expire-after-access. */
        final Duration idle;
        /** Attempts running on it and uses of it in flight; {@link #DEAD} once dropped. */
        volatile int inFlight;
        /** When its last use ended, on the store's clock, written before the use lets go of its pin. */
        volatile long lastEnd;

        RouteLimiters(String key, RoutePolicy policy, RateLimiter[] leaves, @Nullable ClientEntry client,
                Duration idle, long now) {
            this.key = key;
            this.policy = policy;
            this.leaves = leaves;
            this.combined = client == null ? null : stacked(client, leaves);
            this.idle = idle;
            this.lastEnd = now;
        }

        /** Pins it for an attempt; {@code false} if its entry has dropped it. */
        boolean pin() {
            for (;;) {
                int pins = inFlight;
                if (pins == DEAD) {
                    return false;
                }
                if (IN_FLIGHT.compareAndSet(this, pins, pins + 1)) {
                    return true;
                }
            }
        }

        /** Lets go of the pin of an attempt that took no use: its idle time runs on from the last use's end. */
        void unpin() {
            IN_FLIGHT.decrementAndGet(this);
        }

        /** Lets go of the pin of a use that ended now: its idle time starts again (never earlier than it was). */
        void ended(long now) {
            long seen;
            do {
                seen = lastEnd;
            } while (now - seen > 0 && !LAST_END.compareAndSet(this, seen, now));
            IN_FLIGHT.decrementAndGet(this);
        }

        /**
         * Marks it dropped if no one pins it and it has been idle for its idle time; under its entry's lock. The end
         * of its last use is read once it is marked, so that a use that ended meanwhile keeps it.
         */
        boolean dropIfExpired(long now) {
            if (inFlight != 0 || !IN_FLIGHT.compareAndSet(this, 0, DEAD)) {
                return false;
            }
            if (now - lastEnd >= idle.toNanos()) {
                return true;
            }
            inFlight = 0; // not idle long enough: no one could pin it meanwhile, and it is kept
            return false;
        }

        /**
         * The earliest time it may be dropped, as far as is known now: once idle for its idle time since its last
         * end, and no earlier than now (a pin may be an attempt that takes no use, after which that time holds).
         */
        long dueAt(long now) {
            long idleEnd = lastEnd + idle.toNanos();
            return idleEnd - now > 0 ? idleEnd : now;
        }
    }

    private final Clock clock;
    private final List<LimitSpec> globalSpecs;
    private final CacheBounds globalBounds;
    private final CacheBounds routeBounds;
    private final Supplier<RateLimiter>[] globalFactories;
    private final Duration globalIdle;
    private final Duration routeMinimumIdle;
    private final Cache<String, ClientEntry> clients;
    /** The clients' cache's expiry, set on each change of an entry to or from idle. */
    private final Policy.VarExpiration<String, ClientEntry> expiry;
    private final Bound clientBound;
    private final Bound routeBound;
    /** How many client-route pairs the clients' entries hold. */
    private final AtomicLong routePairs = new AtomicLong();
    private final Function<String, ClientEntry> newClient;
    /** The global limiters that new clients share while the clients' bound is reached. */
    private final ClientEntry globalOverflow;
    /** Per route policy (by identity), the limiters new client-route pairs share while their bound is reached. */
    private final Cache<RoutePolicy, RouteLimiters> routeOverflow = Caffeine.newBuilder().weakKeys().build();

    /**
     * @param clock the clock of every limiter, and of the entries' expiry
     * @param globalSpecs the global limits of each client, at least one
     * @param globalBounds bounds of the clients kept (global limiters)
     * @param routeBounds bounds of the client-route pairs kept (per-route limiters)
     */
    public MemoryRateLimitStore(Clock clock, List<? extends LimitSpec> globalSpecs, CacheBounds globalBounds,
            CacheBounds routeBounds) {
        if (globalSpecs.isEmpty()) {
            throw new IllegalArgumentException("at least one global limit is needed");
        }
        this.clock = clock;
        this.globalSpecs = PolicyNames.checkAll(globalSpecs);
        this.globalBounds = globalBounds;
        this.routeBounds = routeBounds;
        this.globalFactories = RoutePolicy.factories(this.globalSpecs, clock);
        this.globalIdle = longer(RoutePolicy.longest(this.globalSpecs), globalBounds.minimumExpireAfterAccess());
        this.routeMinimumIdle = routeBounds.minimumExpireAfterAccess();
        this.clients = Caffeine.newBuilder()
                .ticker(clock::nanoTime)
                .expireAfter(Expiry.<String, ClientEntry>accessing(
                        (key, entry) -> entry.inFlight > 0 ? IN_USE : entry.idle))
                .evictionListener((@Nullable String key, @Nullable ClientEntry entry, RemovalCause cause) -> {
                    if (entry != null) {
                        dropped(entry);
                    }
                })
                .build();
        this.expiry = clients.policy().expireVariably().orElseThrow();
        this.clientBound = new Bound("global", "clients", globalBounds.maximumSize(), clients::estimatedSize);
        this.routeBound = new Bound("per-route", "client-route pairs", routeBounds.maximumSize(), routePairs::get);
        this.newClient = key -> new ClientEntry(newLimiters(globalFactories), globalIdle, false);
        this.globalOverflow = new ClientEntry(newLimiters(globalFactories), Duration.ZERO, true);
    }

    /**
     * A store on the same clock with the same bounds, and caches of its own, for other global limits.
     *
     * @param global the global limits of each of its clients, at least one
     * @return the store
     */
    @Override
    public MemoryRateLimitStore withGlobalLimits(List<? extends LimitSpec> global) {
        return new MemoryRateLimitStore(clock, global, globalBounds, routeBounds);
    }

    @Override
    public Attempt tryAcquire(String client, Route route, int cost) {
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        ClientEntry entry = clients.getIfPresent(client);
        if (entry == null) {
            entry = makeClient(client);
        }
        RouteLimiters routeLimiters = entry.route(route.key(), policy);
        if (routeLimiters == null || (routeLimiters.combined != null && !routeLimiters.pin())) {
            // A new route for this client (or one its entry has just dropped): none is made for a client already
            // over its global budget, so that refused requests cost no memory.
            RateLimiter refusing = entry.refusing();
            if (refusing != null) {
                AcquireResult result = refusing.tryAcquire(cost);
                if (result instanceof Refusal) {
                    return attempt(result, entry, null, policy);
                }
                ((Permit) result).cancel(); // room appeared meanwhile: take it with the route's limits below
            }
            routeLimiters = makeRoute(entry, route.key(), policy);
        }
        RateLimiter combined = routeLimiters.combined;
        AcquireResult result;
        if (combined == null) {
            result = stacked(entry, routeLimiters.leaves).tryAcquire(cost);
        } else {
            result = combined.tryAcquire(cost); // pinned
            if (!(result instanceof Permit)) {
                routeLimiters.unpin();
            }
        }
        if (result instanceof Permit permit) {
            result = new TrackedPermit(permit, client, entry, routeLimiters);
        }
        return attempt(result, entry, routeLimiters, policy);
    }

    /**
     * Takes one use, waiting up to {@code maxWait} for room in the queues of the client's limiters (the core's waiting:
     * a waiter is tried whenever one of its limiters may have room, by priority, then arrival), without a thread of
     * its own. It does not wait when no wait could help: a refusal whose retry comes after {@code maxWait} by limits
     * that are not concurrency limits (which free room whenever a use ends), or a client or client-route pair on an
     * overflow budget. The client's entry and route are kept while it waits. When the wait is over, one last attempt
     * answers: granted if room came at that moment, else the refusal as it stands.
     */
    @Override
    public CompletableFuture<Attempt> acquire(String client, Route route, int cost, int priority, Duration maxWait) {
        Attempt first = tryAcquire(client, route, cost);
        if (!first.mayBeAdmittedWithin(maxWait.toNanos(), cost)) {
            return CompletableFuture.completedFuture(first);
        }
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        ClientEntry entry = clients.getIfPresent(client);
        RouteLimiters routeLimiters = entry == null ? null : entry.route(route.key(), policy);
        RateLimiter combined = routeLimiters == null ? null : routeLimiters.combined;
        if (entry == null || entry.shared || routeLimiters == null || combined == null || !routeLimiters.pin()) {
            return CompletableFuture.completedFuture(first);
        }
        if (ClientEntry.IN_FLIGHT.getAndIncrement(entry) == 0) {
            touch(client, entry); // kept while it waits, as while a use is in flight
        }
        CompletableFuture<Permit> waiting;
        try {
            waiting = combined.acquireAsync(cost, priority, maxWait);
        } catch (RuntimeException unexpected) {
            routeLimiters.unpin();
            release(client, entry);
            throw unexpected;
        }
        ClientEntry held = entry;
        RouteLimiters heldRoute = routeLimiters;
        return waiting.handle((permit, failure) -> {
            if (permit != null) {
                // The route's pin, taken for the wait, is now the use's; the entry's is the use's too.
                Attempt granted = attempt(new TrackedPermit(permit, client, held, heldRoute), held, heldRoute, policy);
                release(client, held);
                return granted;
            }
            heldRoute.unpin();
            release(client, held);
            return tryAcquire(client, route, cost);
        });
    }

    /**
     * Sets the entry's expiry from its state now, after a change to or from idle: under the cache's lock of the
     * entry, always applied (a read's recomputation is skipped when close to the old one and dropped when another
     * lands first, so a use that starts as another ends could otherwise leave the entry idle while in use, or in
     * use for ever). Set again while the state read after setting differs from the state set: the last setter
     * read the state after every earlier set. A lookup racing it computed its expiry before the change and loses
     * its compare-and-set to this write. Nothing is set once the cache has dropped this entry (the client's entry
     * may be another by then).
     */
    private void touch(String client, ClientEntry entry) {
        boolean inUse;
        do {
            if (entry.dropped) {
                return;
            }
            inUse = entry.inFlight > 0;
            expiry.setExpiresAfter(client, inUse ? IN_USE : entry.idle);
        } while (inUse != entry.inFlight > 0);
    }

    /** Lets go of an entry's keep of a wait that took no use of its own. */
    private void release(String client, ClientEntry entry) {
        if (ClientEntry.IN_FLIGHT.decrementAndGet(entry) == 0) {
            touch(client, entry);
        }
    }

    @Override
    public Attempt tryAcquireGlobal(String client, int cost) {
        ClientEntry entry = clients.getIfPresent(client);
        if (entry == null) {
            entry = makeClient(client);
        }
        RateLimiter global = entry.leaves.length == 1 ? entry.leaves[0] : RateLimiters.all(entry.leaves);
        AcquireResult result = global.tryAcquire(cost);
        if (result instanceof Permit permit) {
            result = new TrackedPermit(permit, client, entry, null);
        }
        return new Attempt(result, new Readings(globalSpecs, entry.leaves, List.of(), null), false);
    }

    /** The client's new entry, or the shared overflow budget if the clients' bound is reached. */
    private ClientEntry makeClient(String client) {
        if (clients.estimatedSize() >= clientBound.maximumSize && !cleanedUpRoom(clientBound)) {
            ClientEntry raced = clients.getIfPresent(client); // made by another thread meanwhile
            if (raced != null) {
                return raced;
            }
            clientBound.overflowed();
            return globalOverflow;
        }
        return clients.get(client, newClient);
    }

    /**
     * The client's limiters of a route, made if need be and pinned; or the route policy's shared overflow budget if
     * the client is the shared one or the client-route pairs' bound is reached. Drops the client's expired routes
     * first.
     */
    private RouteLimiters makeRoute(ClientEntry entry, String key, RoutePolicy policy) {
        if (entry.shared) {
            return routeOverflow(policy); // the clients of the overflow budget are one client: one budget per route
        }
        // Cleaning out takes each entry's lock in turn: never while holding this one.
        boolean room = routePairs.get() < routeBound.maximumSize || cleanedUpRoom(routeBound);
        long now = clock.nanoTime();
        Duration idle = longer(policy.longestRecovery(), routeMinimumIdle);
        synchronized (entry) {
            // Under the lock every route the entry holds can be pinned: only its holder drops one.
            RouteLimiters raced = entry.route(key, policy);
            if (raced != null && raced.pin()) {
                return raced;
            }
            if (entry.dropped) { // expired meanwhile: this request's limiters are as fresh, and kept by no one
                return newRoute(entry, key, policy, idle, now);
            }
            routePairs.addAndGet(-entry.dropExpired(now, globalIdle));
            if (room || routePairs.get() < routeBound.maximumSize) {
                RouteLimiters made = newRoute(entry, key, policy, idle, now);
                entry.add(made, now);
                routePairs.incrementAndGet();
                return made;
            }
        }
        routeBound.overflowed();
        return routeOverflow(policy);
    }

    /** A client's new limiters of a route, pinned for the attempt that makes them. */
    private RouteLimiters newRoute(ClientEntry entry, String key, RoutePolicy policy, Duration idle, long now) {
        RouteLimiters route = new RouteLimiters(key, policy, newLimiters(policy.factories(clock)), entry, idle, now);
        route.pin();
        return route;
    }

    /** The limiters that a route policy's new client-route pairs share while their bound is reached. */
    private RouteLimiters routeOverflow(RoutePolicy policy) {
        return routeOverflow.get(policy, key -> new RouteLimiters("*", key, newLimiters(key.factories(clock)), null,
                Duration.ZERO, 0));
    }

    /** The cache dropped the entry: its routes leave the bound's count, and no route is added to it any more. */
    private void dropped(ClientEntry entry) {
        synchronized (entry) {
            if (!entry.dropped) {
                entry.dropped = true;
                routePairs.addAndGet(-entry.routes().size());
            }
        }
    }

    /**
     * Cleans out expired entries, at most once a {@link #CLEAN_UP_INTERVAL_NANOS} per bound (room only ever comes
     * from expiry, which needs time to pass): the cache's expired clients and, for the client-route pairs' bound,
     * every client's expired routes. Whether the bound has room now.
     */
    private boolean cleanedUpRoom(Bound bound) {
        long now = clock.nanoTime();
        long due = bound.nextCleanUp.get();
        if (now - due >= 0 && bound.nextCleanUp.compareAndSet(due, now + CLEAN_UP_INTERVAL_NANOS)) {
            clients.cleanUp();
            if (bound == routeBound) {
                for (ClientEntry entry : clients.asMap().values()) {
                    synchronized (entry) {
                        if (!entry.dropped) {
                            routePairs.addAndGet(-entry.dropExpired(now, globalIdle));
                        }
                    }
                }
            }
        }
        return bound.size() < bound.maximumSize;
    }

    /** An attempt whose readings read its limiters when asked; a route not looked up reads as not known. */
    private Attempt attempt(AcquireResult result, ClientEntry client, @Nullable RouteLimiters route,
            RoutePolicy policy) {
        return new Attempt(result, new Readings(globalSpecs, client.leaves, policy.limits(),
                route == null ? null : route.leaves), false);
    }

    /**
     * The readings of one attempt: each limiter is read when its reading is first asked for, so that a request whose
     * readings no one reads (admitted, without headers) reads no limiter and makes no reading.
     */
    private static final class Readings extends AbstractList<LimitReading> implements RandomAccess {
        private final List<LimitSpec> globalSpecs;
        private final RateLimiter[] global;
        private final List<LimitSpec> routeSpecs;
        private final RateLimiter @Nullable [] route;
        private @Nullable LimitReading @Nullable [] read;

        Readings(List<LimitSpec> globalSpecs, RateLimiter[] global, List<LimitSpec> routeSpecs,
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
                LimitSpec spec = inGlobal ? globalSpecs.get(index) : routeSpecs.get(index - global.length);
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

    /** The all-limiter of a client's global limiters and a route's. */
    private static RateLimiter stacked(ClientEntry client, RateLimiter[] route) {
        RateLimiter[] both = new RateLimiter[client.leaves.length + route.length];
        System.arraycopy(client.leaves, 0, both, 0, client.leaves.length);
        System.arraycopy(route, 0, both, client.leaves.length, route.length);
        return RateLimiters.all(both);
    }

    /**
     * One limiter of a client, as it stands: for the actuator endpoint.
     *
     * @param name the limit's name
     * @param algorithm its algorithm, as configuration writes it ({@code token-bucket})
     * @param limit its {@code limit} key
     * @param per its {@code per} key, as {@code 10s} (a times-per limit's whole window, its reset offset included);
     *     {@code null} for concurrency
     * @param quota the most it admits at once, as {@code remaining} counts: the limit, a bucket's capacity, GCRA's
     *     burst
     * @param remaining the uses it has left now
     * @param resetInMillis milliseconds until it is fully recovered
     */
    public record LimiterState(String name, String algorithm, int limit, @Nullable String per, int quota,
            int remaining, long resetInMillis) {
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
        ClientEntry entry = clients.policy().getIfPresentQuietly(client);
        if (entry == null) {
            return null;
        }
        List<RouteState> routes = new ArrayList<>();
        for (RouteLimiters route : entry.routes()) {
            routes.add(new RouteState(route.key, route.policy.source(), states(route.leaves, route.policy.limits())));
        }
        return new ClientState(client, states(entry.leaves, globalSpecs), routes);
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
        if (state == null && !key.startsWith("key:") && !key.startsWith("key#")) {
            int slash = key.indexOf('/');
            state = describe(addresses.keyOf(slash < 0 ? key : key.substring(0, slash)));
            if (state == null) {
                state = describe(RateLimitFilter.resolvedKey(key));
            }
        }
        return state;
    }

    /**
     * The overflow budgets as they stand, shown as one client {@code overflow}: the global limiters that new clients
     * share while the clients' bound is reached, and per route policy that has had to use one (route {@code *}) the
     * limiters that new client-route pairs, and the clients of the global overflow budget, share.
     */
    public ClientState overflow() {
        List<RouteState> routes = new ArrayList<>();
        routeOverflow.asMap().forEach((policy, route) -> routes.add(new RouteState("*", policy.source(),
                states(route.leaves, policy.limits()))));
        return new ClientState("overflow", states(globalOverflow.leaves, globalSpecs), routes);
    }

    private static List<LimiterState> states(RateLimiter[] leaves, List<LimitSpec> specs) {
        List<LimiterState> states = new ArrayList<>();
        for (int i = 0; i < leaves.length; i++) {
            LimitSpec spec = specs.get(i);
            LimitTerms terms = LimitTerms.of(spec);
            Duration per = spec instanceof io.ratestack.Limit timesPer ? timesPer.window() : terms.per();
            states.add(new LimiterState(terms.name(), LimitTerms.text(terms.algorithm()), terms.limit(),
                    per == null ? null : Durations.format(per), spec.maxCost(), leaves[i].remaining(),
                    Duration.ofNanos(leaves[i].resetInNanos()).toMillis()));
        }
        return states;
    }

    /** How many clients have limiters. */
    public long clientCount() {
        return clientBound.size();
    }

    /** How many client-route pairs have per-route limiters. */
    public long routeCount() {
        return routeBound.size();
    }

    /** The clients' bound as it stands. */
    public CacheState globalCacheState() {
        return clientBound.state();
    }

    /** The client-route pairs' bound as it stands. */
    public CacheState routeCacheState() {
        return routeBound.state();
    }

    @Override
    public List<LimitSpec> globalSpecs() {
        return globalSpecs;
    }

    /** The longer of two idle times, itself: no duration is made per entry. */
    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** New limiters from factories, which share their terms among all the clients' limiters. */
    private static RateLimiter[] newLimiters(Supplier<RateLimiter>[] factories) {
        RateLimiter[] limiters = new RateLimiter[factories.length];
        for (int i = 0; i < limiters.length; i++) {
            limiters[i] = factories[i].get();
        }
        return limiters;
    }

    /** One of the two bounds (clients, client-route pairs): its size, when it last was cleaned out, its overflows. */
    private final class Bound {

        final long maximumSize;
        final AtomicLong nextCleanUp;
        private final String name;
        private final String keys;
        private final AtomicLong nextWarning;
        private final LongAdder overflowRequests = new LongAdder();

        private final LongSupplier size;

        Bound(String name, String keys, long maximumSize, LongSupplier size) {
            this.name = name;
            this.keys = keys;
            this.maximumSize = maximumSize;
            this.size = size;
            long now = clock.nanoTime();
            this.nextCleanUp = new AtomicLong(now);
            this.nextWarning = new AtomicLong(now);
        }

        long size() {
            return size.getAsLong();
        }

        void overflowed() {
            overflowRequests.increment();
            long now = clock.nanoTime();
            long due = nextWarning.get();
            if (now - due >= 0 && nextWarning.compareAndSet(due, now + WARNING_INTERVAL_NANOS)) {
                LOG.warn("The rate limits' " + keys + " kept have reached their bound (ratelimit.cache." + name
                        + ".maximum-size=" + maximumSize + "), all in use or inside their windows: new " + keys
                        + " share one overflow budget until limiters expire (" + overflowRequests.sum()
                        + " request(s) so far)");
            }
        }

        CacheState state() {
            long size = size();
            return new CacheState(size, maximumSize, size >= maximumSize, overflowRequests.sum());
        }
    }

    /**
     * A granted use that keeps its client's entry and route from expiring while it is in flight, and restarts their
     * idle time when it finishes (its window starts then).
     */
    private final class TrackedPermit extends ForwardingPermit {

        private final String client;
        private final ClientEntry entry;
        /** The route whose limiters the use holds, pinned; {@code null} for a use of the global limiters alone. */
        private final @Nullable RouteLimiters route;

        TrackedPermit(Permit permit, String client, ClientEntry entry, @Nullable RouteLimiters route) {
            super(permit);
            this.client = client;
            this.entry = entry;
            this.route = route;
            // Pinned from the first use in flight to the last: a touch on each change to or from idle, not per use.
            if (!entry.shared && ClientEntry.IN_FLIGHT.getAndIncrement(entry) == 0) {
                touch(client, entry);
            }
            // the route's pin, taken for the attempt, is now the use's
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
            RouteLimiters held = route;
            if (held != null && held.combined != null) {
                held.ended(clock.nanoTime());
            }
            if (!entry.shared && ClientEntry.IN_FLIGHT.decrementAndGet(entry) == 0) {
                touch(client, entry);
            }
        }

    }
}
