package io.ratestack.spring.redis;

import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Refusal;
import io.ratestack.RemoteLimit;
import io.ratestack.redis.LocalFallback;
import io.ratestack.redis.RedisLimits;
import io.ratestack.spring.web.LimitReading;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The filter's store in Redis: each request takes its client's global limits and its route's limits in one
 * {@link RedisLimits#tryAcquire} call, all or nothing, shared by every instance that uses the same Redis and prefix.
 *
 * <p>Each limit's state in Redis is named after its scope, its terms and, for a route, the route and the policy it
 * comes from, so that a change of limits in YAML or in a {@code @RateLimit} starts from fresh state instead of
 * mixing with the old:
 *
 * <pre>{@code global:<name>:<limit>/<window>ms
 * route:<route key>#<policy tag>:<name>:<limit>/<window>ms}</pre>
 *
 * <p>(the {@linkplain RoutePolicy#tag() policy tag} is a short hash of the policy's {@link RoutePolicy#key() key},
 * where it is declared, such as {@code ratelimit.per-route} or
 * {@code @RateLimit on com.example.SearchController.search(java.lang.String)}; a route key longer than 200
 * characters is hashed, see {@link Route#key(int)}).
 *
 * <p>The state is not kept in this instance: each attempt carries what its script call saw of each limit (remaining
 * uses, time to reset), for the {@code RateLimit} header and the violated policies of a refusal; an attempt answered
 * by the failure policy while Redis is away knows no limit's state ({@link RateLimitStore.Attempt#tracked()} is
 * false).
 *
 * <p>A request waits for Redis once, for its acquire; the end of its use is sent without waiting
 * ({@link RedisLimits#awaitEnds()}). {@link #close()} waits for the ends still on their way, before the connection
 * closes.
 *
 * <p>Public for the starter's Redis auto-configuration, in another package; not an extension point.
 */
public final class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

    private static final int LONGEST_ROUTE_KEY = 200;
    private static final LimitSpec[] NO_LIMITS = {};

    private final RedisLimits limits;
    private final List<LimitSpec> globalSpecs;
    private final LimitSpec[] globalNamed;
    /** Per policy, what follows the route key in each of its limits' names: made once, not per request. */
    private final Map<RoutePolicy, String[]> routeSuffixes = new ConcurrentHashMap<>();
    /** The local fallback's store of this store's global limits, when they are not the fallback's own. */
    private volatile @Nullable MemoryRateLimitStore localFallback;

    /**
     * @param limits the Redis limits, as built by the starter or the application
     * @param globalSpecs the global limits of every client, at least one
     */
    public RedisRateLimitStore(RedisLimits limits, List<? extends LimitSpec> globalSpecs) {
        if (globalSpecs.isEmpty()) {
            throw new IllegalArgumentException("at least one global limit is needed");
        }
        this.limits = Objects.requireNonNull(limits, "limits");
        this.globalSpecs = List.copyOf(globalSpecs);
        this.globalNamed = new LimitSpec[globalSpecs.size()];
        for (int i = 0; i < globalNamed.length; i++) {
            LimitSpec spec = globalSpecs.get(i);
            globalNamed[i] = spec.named("global:" + terms(spec));
        }
    }

    /**
     * A store of the same Redis limits (connection, prefix, failure policy) with other global limits: a limit of
     * the same name and terms as one of this store's shares its clients' state in Redis.
     *
     * @param global the global limits of every client, at least one
     * @return the store
     */
    @Override
    public RedisRateLimitStore withGlobalLimits(List<? extends LimitSpec> global) {
        return new RedisRateLimitStore(limits, global);
    }

    @Override
    public Attempt tryAcquire(String client, Route route, int cost) {
        RoutePolicy policy = Objects.requireNonNull(route.policy(), "an exempt route takes no limiter");
        RedisLimits.Outcome attempt = limits.attempt(client,
                new RouteLimits(this, route, globalNamed, routeNamed(route, policy)), cost);
        return attempt(attempt, policy.limits());
    }

    /**
     * Takes one use, and while Redis refuses it tries again when the refusal's {@code Retry-After} has passed (at once
     * again, or at the end of the wait, when a concurrency limit refuses), until {@code maxWait} has: in no order among the waiting requests ({@code priority} is not kept, since their attempts
     * go to Redis one by one), without a thread while it waits. A refusal that comes while Redis cannot be reached
     * (fail-closed) ends the wait.
     */
    @Override
    public CompletableFuture<Attempt> acquire(String client, Route route, int cost, int priority, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        CompletableFuture<Attempt> done = new CompletableFuture<>();
        retry(client, route, cost, deadline, done);
        return done;
    }

    private void retry(String client, Route route, int cost, long deadline, CompletableFuture<Attempt> done) {
        Attempt attempt;
        try {
            attempt = tryAcquire(client, route, cost);
        } catch (RuntimeException failed) {
            done.completeExceptionally(failed);
            return;
        }
        long left = deadline - System.nanoTime();
        if (!(attempt.result() instanceof Refusal refusal) || !attempt.mayBeAdmittedWithin(left, cost)) {
            done.complete(attempt);
            return;
        }
        // At least a millisecond apart: a refusal's zero Retry-After must not spin.
        long delay = Math.max(refusal.retryAfterNanos(), TimeUnit.MILLISECONDS.toNanos(1));
        CompletableFuture.delayedExecutor(Math.min(delay, left), TimeUnit.NANOSECONDS)
                .execute(() -> retry(client, route, cost, deadline, done));
    }

    @Override
    public Attempt tryAcquireGlobal(String client, int cost) {
        return attempt(limits.attempt(client, new RouteLimits(this, null, globalNamed, NO_LIMITS), cost), List.of());
    }

    /** The attempt of Redis's outcome: a reading of each global limit, then of each of {@code routeSpecs}. */
    private Attempt attempt(RedisLimits.Outcome outcome, List<LimitSpec> routeSpecs) {
        AcquireResult result = outcome.result();
        List<RemoteLimit.State> states = outcome.states(); // empty when Redis was not reached
        LimitReading[] readings = new LimitReading[globalSpecs.size() + routeSpecs.size()];
        for (int i = 0; i < readings.length; i++) {
            boolean global = i < globalSpecs.size();
            LimitSpec spec = global ? globalSpecs.get(i) : routeSpecs.get(i - globalSpecs.size());
            readings[i] = states.isEmpty() ? LimitReading.unknown(spec, global)
                    : LimitReading.of(spec, global, states.get(i).remaining(), states.get(i).resetInNanos());
        }
        return new Attempt(result, List.of(readings), RedisLimits.isUnavailableRefusal(result));
    }

    @Override
    public List<LimitSpec> globalSpecs() {
        return globalSpecs;
    }

    /**
     * Waits until Redis has answered the ends of uses sent so far, or each was given up on at the command timeout
     * ({@link RedisLimits#awaitEnds()}), so that none is lost when the connection closes after this; the limits and
     * their connection stay open. Spring calls it when the application stops, after the web server has stopped taking
     * requests and before the Redis connection closes.
     */
    @Override
    public void close() {
        limits.awaitEnds();
    }

    /** The Redis limits this store uses: for metrics. */
    public RedisLimits limits() {
        return limits;
    }

    @Override
    public Map<String, Object> summary() {
        Map<String, Object> store = new LinkedHashMap<>();
        store.put("type", "redis");
        store.put("available", limits.isAvailable());
        store.put("onFailure", limits.onFailure().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        store.put("failures", limits.failures());
        store.put("recoveries", limits.recoveries());
        store.put("lease", limits.lease().toString());
        store.put("clients", "not tracked locally: the state of each client is kept in Redis");
        return store;
    }

    /**
     * The fallback of {@link io.ratestack.redis.StoreFailurePolicy#LOCAL}: while Redis is away, the in-memory store
     * takes the use with the same limits and cost (per instance). Answers only the lists this class passes to Redis;
     * any other list is refused for a second. A store of other global limits ({@link #withGlobalLimits}) falls back
     * on an in-memory store of its own limits, made by {@code local} when first needed and gone with that store.
     *
     * @param local the in-memory store, with the same global limits
     * @return the fallback
     */
    public static LocalFallback localFallback(MemoryRateLimitStore local) {
        Objects.requireNonNull(local, "local");
        Refusal unknown = new Refusal(RedisLimits.FAIL_CLOSED_RETRY_AFTER.toNanos(), 0);
        return (client, named, cost) -> {
            if (!(named instanceof RouteLimits limits)) {
                return unknown;
            }
            MemoryRateLimitStore store = limits.owner.globalSpecs.equals(local.globalSpecs()) ? local
                    : limits.owner.localStore(local);
            Route route = limits.route;
            return (route == null ? store.tryAcquireGlobal(client, cost) : store.tryAcquire(client, route, cost))
                    .result();
        };
    }

    /** This store's in-memory fallback, of its own global limits: made by {@code local} when first needed. */
    private MemoryRateLimitStore localStore(MemoryRateLimitStore local) {
        MemoryRateLimitStore made = localFallback;
        if (made == null) {
            synchronized (this) {
                made = localFallback;
                if (made == null) {
                    made = local.withGlobalLimits(globalSpecs);
                    localFallback = made;
                }
            }
        }
        return made;
    }

    private LimitSpec[] routeNamed(Route route, RoutePolicy policy) {
        String scope = "route:" + route.key(LONGEST_ROUTE_KEY);
        String[] suffixes = routeSuffixes.computeIfAbsent(policy, RedisRateLimitStore::suffixes);
        List<LimitSpec> specs = policy.limits();
        LimitSpec[] named = new LimitSpec[suffixes.length];
        for (int i = 0; i < named.length; i++) {
            named[i] = specs.get(i).named(scope + suffixes[i]);
        }
        return named;
    }

    /** {@code #<policy tag>:<name>:<limit>/<window>ms} for each limit of the policy. */
    private static String[] suffixes(RoutePolicy policy) {
        String tag = "#" + policy.tag() + ":";
        List<LimitSpec> specs = policy.limits();
        String[] suffixes = new String[specs.size()];
        for (int i = 0; i < suffixes.length; i++) {
            suffixes[i] = tag + terms(specs.get(i));
        }
        return suffixes;
    }

    /**
     * A limit's name and the terms Redis counts by, so that limits of other terms never share a key: a times-per
     * limit's limit and window (per + reset offset), {@code 10/1000ms}; a token bucket's {@code tb20+10/1000000000ns}
     * (capacity, refill per period; {@code i} for interval refill, then the initial tokens if not full); GCRA's
     * {@code gcra10/1000000000ns*20} (burst); a sliding window's {@code sw10/1000000000ns}; concurrency's
     * {@code c5}. Periods in nanoseconds, so that no two periods share one.
     */
    private static String terms(LimitSpec spec) {
        String terms;
        if (spec instanceof Limit limit) {
            terms = limit.limit() + "/" + limit.window().toMillis() + "ms";
        } else if (spec instanceof LimitSpec.TokenBucket bucket) {
            terms = "tb" + bucket.capacity() + "+" + bucket.refillTokens() + "/" + nanos(bucket.refillPeriod())
                    + (bucket.greedy() ? "" : "i")
                    + (bucket.initialTokens() == bucket.capacity() ? "" : "@" + bucket.initialTokens());
        } else if (spec instanceof LimitSpec.Gcra gcra) {
            terms = "gcra" + gcra.rate() + "/" + nanos(gcra.period()) + "*" + gcra.burst();
        } else if (spec instanceof LimitSpec.SlidingWindow window) {
            terms = "sw" + window.limit() + "/" + nanos(window.window());
        } else {
            terms = "c" + ((LimitSpec.Concurrency) spec).permits();
        }
        return spec.name() + ":" + terms;
    }

    /** {@code 1000000000ns}; a period beyond a long's nanoseconds (some 292 years) as its seconds. */
    private static String nanos(Duration period) {
        try {
            return period.toNanos() + "ns";
        } catch (ArithmeticException beyond) {
            return period.toSeconds() + "s";
        }
    }

    /** The limits of one request, global then route, that also know the request's route (for the local fallback). */
    private static final class RouteLimits extends AbstractList<LimitSpec> implements RandomAccess {
        /** The request's route; {@code null} for the global limits alone. */
        /** The store whose attempt this is, for its global limits' local fallback. */
        private final RedisRateLimitStore owner;
        private final @Nullable Route route;
        private final LimitSpec[] global;
        private final LimitSpec[] perRoute;

        RouteLimits(RedisRateLimitStore owner, @Nullable Route route, LimitSpec[] global, LimitSpec[] perRoute) {
            this.owner = owner;
            this.route = route;
            this.global = global;
            this.perRoute = perRoute;
        }

        @Override
        public LimitSpec get(int index) {
            return index < global.length ? global[index] : perRoute[index - global.length];
        }

        @Override
        public int size() {
            return global.length + perRoute.length;
        }
    }
}
