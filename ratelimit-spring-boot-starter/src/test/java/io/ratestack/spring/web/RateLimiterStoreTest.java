package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caches' eviction rule: idle limiters are kept at least as long as their longest window. */
class RateLimiterStoreTest {

    private final FakeClock clock = new FakeClock();
    private final RateLimiterStore.CacheBounds oneMinute =
            new RateLimiterStore.CacheBounds(1000, Duration.ofMinutes(1));

    private RateLimiterStore store(Duration globalWindow) {
        return new RateLimiterStore(clock, List.of(new Limit(1, globalWindow, Duration.ZERO, "global")),
                oneMinute, oneMinute);
    }

    private static Route route(Duration window) {
        return new Route("/r", new RoutePolicy("test", List.of(new Limit(1, window, Duration.ZERO, "route"))));
    }

    private static boolean use(RateLimiterStore store, String client, Route route) {
        if (store.tryAcquire(client, route).result() instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    @Test
    void anIdleClientKeepsItsGlobalLimiterUntilItsLongestWindowEnds() {
        RateLimiterStore store = store(Duration.ofHours(1));
        Route route = route(Duration.ofSeconds(1));
        assertThat(use(store, "a", route)).isTrue();

        clock.advance(Duration.ofMinutes(59)); // idle far longer than expire-after-access (1 minute)

        assertThat(use(store, "a", route)).as("the hour's window still runs").isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(use(store, "a", route)).isTrue();
    }

    @Test
    void anIdleClientKeepsItsRouteLimiterUntilItsLongestWindowEnds() {
        RateLimiterStore store = store(Duration.ofSeconds(1));
        Route daily = route(Duration.ofDays(1));
        assertThat(use(store, "a", daily)).isTrue();

        clock.advance(Duration.ofHours(23));

        assertThat(use(store, "a", daily)).isFalse();
        clock.advance(Duration.ofHours(1));
        assertThat(use(store, "a", daily)).isTrue();
    }

    @Test
    void idleEntriesExpireOnceTheirWindowsAreOver() {
        RateLimiterStore store = store(Duration.ofSeconds(1));
        use(store, "a", route(Duration.ofSeconds(1)));
        assertThat(store.clientCount()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        store.tryAcquire("b", route(Duration.ofSeconds(1))).result().permit().close();

        assertThat(store.tryAcquire("a", route(Duration.ofSeconds(1))).result().isGranted()).isTrue();
    }

    @Test
    void clientsAndRoutesHaveLimitersOfTheirOwn() {
        RateLimiterStore store = store(Duration.ofSeconds(10));
        Route first = route(Duration.ofSeconds(1));
        Route second = new Route("/other", first.policy());

        assertThat(use(store, "a", first)).isTrue();
        assertThat(use(store, "b", first)).isTrue();
        assertThat(use(store, "a", second)).as("a's global limit of 1 binds").isFalse();
        assertThat(store.routeCount()).as("no route entry for a client over its global budget").isEqualTo(2);
    }
}
