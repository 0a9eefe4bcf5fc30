package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The caches' rules: idle limiters are kept at least as long as their limits' longest recovery, and never evicted to make
 * room; past its bound, a cache gives new keys a shared overflow budget.
 */
class MemoryRateLimitStoreTest {

    private static final Limit TEN_PER_300S = new Limit(10, Duration.ofSeconds(300), Duration.ZERO, "tight");
    private static final Limit LOOSE = new Limit(1000, Duration.ofSeconds(1), Duration.ZERO, "loose");

    private final FakeClock clock = new FakeClock();
    private final MemoryRateLimitStore.CacheBounds oneMinute =
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1));

    private MemoryRateLimitStore store(Duration globalWindow) {
        return new MemoryRateLimitStore(clock, List.of(new Limit(1, globalWindow, Duration.ZERO, "global")),
                oneMinute, oneMinute);
    }

    private static Route route(Duration window) {
        return new Route("/r", new RoutePolicy("test", List.of(new Limit(1, window, Duration.ZERO, "route"))));
    }

    private static boolean use(MemoryRateLimitStore store, String client, Route route) {
        if (store.tryAcquire(client, route).result() instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    @Test
    void anIdleClientKeepsItsGlobalLimiterUntilItsLongestWindowEnds() {
        MemoryRateLimitStore store = store(Duration.ofHours(1));
        Route route = route(Duration.ofSeconds(1));
        assertThat(use(store, "a", route)).isTrue();

        clock.advance(Duration.ofMinutes(59)); // idle far longer than expire-after-access (1 minute)

        assertThat(use(store, "a", route)).as("the hour's window still runs").isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(use(store, "a", route)).isTrue();
    }

    @Test
    void anIdleClientKeepsItsRouteLimiterUntilItsLongestWindowEnds() {
        MemoryRateLimitStore store = store(Duration.ofSeconds(1));
        Route daily = route(Duration.ofDays(1));
        assertThat(use(store, "a", daily)).isTrue();

        clock.advance(Duration.ofHours(23));

        assertThat(use(store, "a", daily)).isFalse();
        clock.advance(Duration.ofHours(1));
        assertThat(use(store, "a", daily)).isTrue();
    }

    @Test
    void idleEntriesExpireOnceTheirWindowsAreOver() {
        MemoryRateLimitStore store = store(Duration.ofSeconds(1));
        use(store, "a", route(Duration.ofSeconds(1)));
        assertThat(store.clientCount()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        store.tryAcquire("b", route(Duration.ofSeconds(1))).result().permit().close();

        assertThat(store.tryAcquire("a", route(Duration.ofSeconds(1))).result().isGranted()).isTrue();
    }

    @Test
    void clientsAndRoutesHaveLimitersOfTheirOwn() {
        MemoryRateLimitStore store = store(Duration.ofSeconds(10));
        Route first = route(Duration.ofSeconds(1));
        Route second = new Route("/other", first.policy());

        assertThat(use(store, "a", first)).isTrue();
        assertThat(use(store, "b", first)).isTrue();
        assertThat(use(store, "a", second)).as("a's global limit of 1 binds").isFalse();
        assertThat(store.routeCount()).as("no route entry for a client over its global budget").isEqualTo(2);
    }

    @Test
    void anAttemptReadsEachLimitAfterItsUseGlobalFirstAndTheRouteUnknownWhenTheGlobalLimitsRefuse() {
        MemoryRateLimitStore store = new MemoryRateLimitStore(clock, List.of(new Limit(2, Duration.ofSeconds(10),
                Duration.ZERO, "global")), oneMinute, oneMinute);
        Route first = route(Duration.ofSeconds(1));

        RateLimitStore.Attempt admitted = store.tryAcquire("a", first);
        admitted.result().permit().close();
        assertThat(admitted.limits())
                .extracting(LimitReading::name, LimitReading::quota, LimitReading::global, LimitReading::remaining)
                .containsExactly(tuple("global", 2, true, 1), tuple("route", 1, false, 0));
        store.tryAcquire("a", new Route("/second", first.policy())).result().permit().close();

        RateLimitStore.Attempt refused = store.tryAcquire("a", new Route("/third", first.policy()));

        assertThat(refused.result().isGranted()).isFalse();
        assertThat(refused.tracked()).isTrue();
        assertThat(refused.limits().get(0).refuses(1)).isTrue();
        assertThat(refused.limits().get(0).resetInNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
        assertThat(refused.limits().get(1).known()).as("the route's limiter was not looked up").isFalse();
        assertThat(store.routeCount()).isEqualTo(2);
    }

    @Test
    void oneClientIsDescribedByItsKeyWithEachOfItsRoutes() {
        MemoryRateLimitStore store = new MemoryRateLimitStore(clock, List.of(LOOSE), oneMinute, oneMinute);
        RoutePolicy policy = new RoutePolicy("test", List.of(TEN_PER_300S));
        for (int client = 0; client < 50; client++) {
            for (String path : List.of("/a", "/b", "/c")) {
                use(store, "192.0.2." + client, new Route(path, policy));
            }
        }
        use(store, "192.0.2.7", new Route("/a", policy));

        MemoryRateLimitStore.ClientState state = store.describe("192.0.2.7");

        assertThat(state).isNotNull();
        assertThat(state.routes()).extracting(route -> route.route() + " " + route.limiters().get(0).remaining())
                .containsExactlyInAnyOrder("/a 8", "/b 9", "/c 9");
        assertThat(store.describe("198.51.100.1")).isNull();
    }

    /** One client's routes past the few it scans are looked up by key: each keeps its own limiters. */
    @Test
    void aClientWithManyRoutesKeyedByPathKeepsEachAndIsDescribedWithAll() {
        MemoryRateLimitStore store = new MemoryRateLimitStore(clock, List.of(LOOSE),
                new MemoryRateLimitStore.CacheBounds(100_000, Duration.ofMinutes(1)),
                new MemoryRateLimitStore.CacheBounds(100_000, Duration.ofMinutes(1)));
        RoutePolicy policy = new RoutePolicy("test", List.of(TEN_PER_300S));
        for (int path = 0; path <= 10_000; path++) {
            clock.advance(Duration.ofMillis(1)); // the global 1000 per second
            use(store, "192.0.2.1", new Route("/files/" + path, policy));
        }
        use(store, "192.0.2.2", new Route("/files/7", policy));

        assertThat(store.describe("192.0.2.2").routes()).singleElement()
                .satisfies(route -> assertThat(route.route()).isEqualTo("/files/7"));
        assertThat(store.describe("192.0.2.1").routes()).hasSize(10_001);
        assertThat(store.routeCount()).isEqualTo(10_002);
        for (int path = 0; path < 20; path++) {
            assertThat(use(store, "192.0.2.1", new Route("/files/" + path, policy)))
                    .as("/files/%d has its own limiter, still in its window", path).isTrue();
        }
    }

    /**
     * A client that stays active keeps its entry, but a route it no longer uses is dropped once that route's window
     * is over: when the client gets a new route, or when the client-route pairs reach their bound.
     */
    @Test
    void aRouteOfAnActiveClientIsDroppedOnItsOwnOnceItsWindowIsOver() {
        MemoryRateLimitStore store = new MemoryRateLimitStore(clock, List.of(TEN_PER_300S),
                new MemoryRateLimitStore.CacheBounds(100, Duration.ZERO),
                new MemoryRateLimitStore.CacheBounds(2, Duration.ZERO));
        RoutePolicy policy = new RoutePolicy("test", List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO,
                "route")));
        assertThat(use(store, "a", new Route("/one", policy))).isTrue();
        assertThat(use(store, "b", new Route("/one", policy))).isTrue();
        assertThat(use(store, "c", new Route("/one", policy))).isTrue();
        assertThat(store.routeCacheState()).isEqualTo(new MemoryRateLimitStore.CacheState(2, 2, true, 1));

        clock.advance(Duration.ofSeconds(1));
        assertThat(use(store, "a", new Route("/two", policy))).isTrue();

        assertThat(store.describe("a").routes()).as("/one's window is over: dropped, /two made")
                .extracting(MemoryRateLimitStore.RouteState::route).containsExactly("/two");
        assertThat(store.describe("b").routes()).as("b's /one dropped to make room").isEmpty();
        assertThat(store.describe("b").global()).as("b's global window runs: its entry is kept")
                .singleElement().satisfies(global -> assertThat(global.remaining()).isEqualTo(9));
        assertThat(store.routeCount()).isEqualTo(1);
    }

    /** A store whose idle entries are kept only for their windows. */
    private MemoryRateLimitStore floodable(Limit global, long globalMaximum, Limit route, long routeMaximum) {
        return new MemoryRateLimitStore(clock, List.of(global), new MemoryRateLimitStore.CacheBounds(globalMaximum,
                Duration.ZERO), new MemoryRateLimitStore.CacheBounds(routeMaximum, Duration.ZERO));
    }

    private record Flood(int admitted, long largest) {
    }

    /**
     * "quiet" spends its 10 uses of the tight limit, then 10,000 one-shot keys arrive: how many of them were
     * admitted, and the largest size of the cache that {@code size} reads.
     */
    private static Flood spendThenFlood(MemoryRateLimitStore store, Route route, ToLongFunction<MemoryRateLimitStore> size) {
        for (int i = 0; i < 10; i++) {
            assertThat(use(store, "quiet", route)).isTrue();
        }
        int admitted = 0;
        long largest = 0;
        for (int i = 0; i < 10_000; i++) {
            admitted += use(store, "flood-" + i, route) ? 1 : 0;
            largest = Math.max(largest, size.applyAsLong(store));
        }
        return new Flood(admitted, largest);
    }

    /**
     * A flood of one-shot keys, ten times the clients' bound, after "quiet" spent its global budget: quiet keeps
     * its limiters, the cache its bound, and the keys it has no room for share one overflow budget.
     */
    @Test
    void aFloodOfNewClientsNeverEvictsAClientWhoseWindowRuns() {
        MemoryRateLimitStore store = floodable(TEN_PER_300S, 1000, LOOSE, 100_000);
        Route route = new Route("/r", new RoutePolicy("test", List.of(LOOSE)));

        Flood flood = spendThenFlood(store, route, MemoryRateLimitStore::clientCount);

        assertThat(use(store, "quiet", route)).as("quiet's window runs until t=300s").isFalse();
        assertThat(flood.largest()).as("clients kept at most").isLessThanOrEqualTo(1000);
        assertThat(flood.admitted()).as("999 with limiters of their own, then 10 of the shared overflow budget")
                .isEqualTo(999 + 10);
        assertThat(store.globalCacheState()).isEqualTo(new MemoryRateLimitStore.CacheState(1000, 1000, true, 9001));
        assertThat(store.overflow().global()).singleElement()
                .satisfies(overflow -> assertThat(overflow.remaining()).isZero());
        clock.advance(Duration.ofSeconds(299));
        assertThat(use(store, "quiet", route)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(use(store, "quiet", route)).isTrue();
        assertThat(use(store, "newcomer", route)).as("the flood's entries expired with their windows").isTrue();
        assertThat(store.describe("newcomer")).as("an entry of its own").isNotNull();
        assertThat(store.globalCacheState().full()).isFalse();
    }

    /** The same for the client-route pairs' bound: a flood on the route the client has spent. */
    @Test
    void aFloodOfNewClientsNeverEvictsAClientRouteWhoseWindowRuns() {
        MemoryRateLimitStore store = floodable(LOOSE, 100_000, TEN_PER_300S, 1000);
        Route route = new Route("/r", new RoutePolicy("test", List.of(TEN_PER_300S)));

        Flood flood = spendThenFlood(store, route, MemoryRateLimitStore::routeCount);

        assertThat(use(store, "quiet", route)).as("quiet's route window runs until t=300s").isFalse();
        assertThat(flood.largest()).as("client-route pairs kept at most").isLessThanOrEqualTo(1000);
        assertThat(flood.admitted()).as("999 with limiters of their own, then 10 of the route's overflow budget")
                .isEqualTo(999 + 10);
        assertThat(store.routeCacheState()).isEqualTo(new MemoryRateLimitStore.CacheState(1000, 1000, true, 9001));
        assertThat(store.overflow().routes()).singleElement().satisfies(overflow -> {
            assertThat(overflow.policy()).isEqualTo("test");
            assertThat(overflow.limiters().get(0).remaining()).isZero();
        });
        clock.advance(Duration.ofSeconds(300));
        assertThat(use(store, "quiet", route)).isTrue();
        assertThat(use(store, "newcomer", route)).isTrue();
        assertThat(store.describe("newcomer").routes()).as("a route entry of its own").hasSize(1);
    }

    /**
     * Threads making entries at once overshoot a bound by at most one entry each, and never evict an entry whose use
     * is in flight: each holder, whose one use is held open throughout, stays refused.
     */
    @Test
    void concurrentNewClientsKeepTheBoundAndEvictNoEntryInUse() throws Exception {
        int threads = 4;
        MemoryRateLimitStore store = new MemoryRateLimitStore(Clock.system(),
                List.of(new Limit(1, Duration.ofHours(1), Duration.ZERO, "global")),
                new MemoryRateLimitStore.CacheBounds(200, Duration.ZERO),
                new MemoryRateLimitStore.CacheBounds(200, Duration.ZERO));
        Route route = new Route("/r", new RoutePolicy("test",
                List.of(new Limit(1, Duration.ofHours(1), Duration.ZERO, "route"))));
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            held.add(store.tryAcquire("holder-" + i, route).result().permit());
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<long[]>> largest = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                largest.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    long clients = 0;
                    long routes = 0;
                    for (int i = 0; i < 5_000; i++) {
                        use(store, "flood-" + thread + "-" + i, route);
                        clients = Math.max(clients, store.clientCount());
                        routes = Math.max(routes, store.routeCount());
                    }
                    return new long[] {clients, routes};
                }));
            }
            for (Future<long[]> result : largest) {
                long[] sizes = result.get(60, TimeUnit.SECONDS);
                assertThat(sizes[0]).as("clients kept at most").isLessThanOrEqualTo(200 + threads);
                assertThat(sizes[1]).as("client-route pairs kept at most").isLessThanOrEqualTo(200 + threads);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(store.tryAcquire("holder-" + i, route).result().isGranted())
                    .as("holder-%d's use is still in flight", i).isFalse();
        }
        held.forEach(Permit::close);
    }

    /** A limiter whose use is in flight is not idle: it is kept however long the use runs. */
    @Nested
    class InFlightUses {

        private final MemoryRateLimitStore store = new MemoryRateLimitStore(clock,
                List.of(new Limit(1, Duration.ofSeconds(10), Duration.ZERO, "global")), oneMinute, oneMinute);
        private final Route route = new Route("/stream", new RoutePolicy("test",
                List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route"))));

        @Test
        void aUseInFlightLongerThanTheExpiryDoesNotOpenAFreshLimit() {
            Permit first = (Permit) store.tryAcquire("192.0.2.1", route).result();
            assertThat(store.tryAcquire("192.0.2.1", route).result().isGranted())
                    .as("global limit 1 and per-route limit 1: the in-flight use holds both").isFalse();

            // A long request (SSE stream, long poll, slow download) runs for 2 minutes; the client sends nothing else.
            clock.advance(Duration.ofMinutes(2));

            assertThat(store.tryAcquire("192.0.2.1", route).result().isGranted())
                    .as("the first use is still in flight, so the client is still at its limit").isFalse();
            first.close();
        }

        @Test
        void aUseCompletedAfterTheExpiryStillCountsAgainstTheClient() {
            Permit first = (Permit) store.tryAcquire("192.0.2.1", route).result();
            clock.advance(Duration.ofMinutes(2));
            first.close(); // its window (10 s global, 1 s route) starts now

            clock.advance(Duration.ofMillis(500));
            assertThat(store.tryAcquire("192.0.2.1", route).result().isGranted())
                    .as("0.5 s into the window started by the completed use").isFalse();
        }

        /** The client gets a new route while a use of an old one is in flight past that route's idle time. */
        @Test
        void aRouteWithAUseInFlightIsKeptWhenTheClientGetsANewRoute() {
            MemoryRateLimitStore loose = new MemoryRateLimitStore(clock, List.of(LOOSE), oneMinute,
                    new MemoryRateLimitStore.CacheBounds(1000, Duration.ZERO));
            Permit stream = (Permit) loose.tryAcquire("192.0.2.1", route).result();
            clock.advance(Duration.ofMinutes(2));

            assertThat(use(loose, "192.0.2.1", new Route("/other", route.policy()))).isTrue();

            assertThat(loose.tryAcquire("192.0.2.1", route).result().isGranted())
                    .as("the stream still holds /stream's one use").isFalse();
            stream.close();
            assertThat(loose.tryAcquire("192.0.2.1", route).result().isGranted())
                    .as("its window starts as it ends").isFalse();
            clock.advance(Duration.ofSeconds(1));
            assertThat(use(loose, "192.0.2.1", route)).isTrue();
        }
    }

    /**
     * Threads that take and end uses of one client's routes while its routes expire and are dropped under them
     * (windows of a millisecond on the system clock, so that most attempts find their route dropped or about to
     * be): a route's limit of one use at a time is never exceeded, and the count of client-route pairs comes back
     * to what the entry holds.
     */
    @Test
    void routesDroppedWhileOthersAreInUseNeverAdmitTwoUsesOfALimitOfOne() throws Exception {
        int threads = 4;
        MemoryRateLimitStore store = new MemoryRateLimitStore(Clock.system(),
                List.of(new Limit(1_000_000_000, Duration.ofSeconds(1), Duration.ZERO, "global")),
                new MemoryRateLimitStore.CacheBounds(10, Duration.ZERO),
                new MemoryRateLimitStore.CacheBounds(1000, Duration.ZERO));
        RoutePolicy policy = new RoutePolicy("test", List.of(new Limit(1, Duration.ofMillis(1), Duration.ZERO,
                "route")));
        int paths = 40;
        java.util.concurrent.atomic.AtomicIntegerArray holders = new java.util.concurrent.atomic.AtomicIntegerArray(
                paths);
        java.util.concurrent.atomic.AtomicInteger mostHolders = new java.util.concurrent.atomic.AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    java.util.Random random = new java.util.Random(seed);
                    for (int i = 0; i < 20_000; i++) {
                        if (i % 2 == 0) { // a new route: its entry drops the routes whose idle time has passed
                            use(store, "client", new Route("/new-" + seed + "-" + i, policy));
                            continue;
                        }
                        int path = random.nextInt(paths);
                        if (store.tryAcquire("client", new Route("/p" + path, policy)).result()
                                instanceof Permit permit) {
                            mostHolders.accumulateAndGet(holders.incrementAndGet(path), Math::max);
                            for (int spin = 0; spin < 100; spin++) {
                                Thread.onSpinWait();
                            }
                            holders.decrementAndGet(path);
                            permit.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> thread : done) {
                thread.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(mostHolders.get()).as("uses of one route in flight at once, its limit being one").isEqualTo(1);
        assertThat(store.routeCount()).as("client-route pairs counted, against the routes the entry holds")
                .isEqualTo(store.describe("client").routes().size());
    }

    /** Every route a client held leaves the count once the client's entry expires. */
    @Test
    void clientRoutePairsLeaveTheCountWithTheirClient() {
        MemoryRateLimitStore store = floodable(LOOSE, 100, new Limit(1, Duration.ofSeconds(1), Duration.ZERO,
                "route"), 100);
        RoutePolicy policy = new RoutePolicy("test", List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO,
                "route")));
        for (int client = 0; client < 20; client++) {
            for (int path = 0; path < 3; path++) {
                use(store, "c" + client, new Route("/p" + path, policy));
            }
        }
        assertThat(store.routeCount()).isEqualTo(60);

        clock.advance(Duration.ofSeconds(2));
        use(store, "c0", new Route("/p0", policy)); // c0's entry, expired, is made anew: its old routes leave too
        store.describe("c1"); // reads without touching
        for (int i = 0; i < 100; i++) {
            use(store, "newcomer-" + i, new Route("/p0", policy)); // the bound is reached: expired entries go
        }

        assertThat(store.routeCount()).isEqualTo(store.clientCount());
        assertThat(store.describe("c1")).as("expired with its routes").isNull();
    }
}
