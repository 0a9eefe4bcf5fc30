package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regression: a limiter whose use is still in flight is evicted as idle, and the client starts over on a fresh one. */
class LimiterEvictedWhileInFlightRegressionTest {

    private final FakeClock clock = new FakeClock();
    private final RoutePolicy onePerSecond = new RoutePolicy("test",
            List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route")));
    private final MemoryRateLimitStore store = new MemoryRateLimitStore(clock,
            List.of(new Limit(1, Duration.ofSeconds(10), Duration.ZERO, "global")),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
    private final Route route = new Route("/stream", onePerSecond);

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
    void aUseCompletedAfterEvictionStillCountsAgainstTheClient() {
        Permit first = (Permit) store.tryAcquire("192.0.2.1", route).result();
        clock.advance(Duration.ofMinutes(2));
        first.close(); // its window (10 s global, 1 s route) starts now

        clock.advance(Duration.ofMillis(500));
        assertThat(store.tryAcquire("192.0.2.1", route).result().isGranted())
                .as("0.5 s into the window started by the completed use").isFalse();
    }
}
