package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import io.ratestack.RemoteFixtures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pacer without HTTP: one limiter per key under the global limits, kept while a request or a waiter holds it;
 * a Retry-After holds back every request; waiters of different keys share the global limits' queues, with a shared
 * (remote) limit too.
 */
class RequestPacerTest {

    private final FakeClock clock = new FakeClock();
    private final RequestPacer pacer = RequestPacer.builder()
            .global(Limit.of(10, Duration.ofSeconds(10)))
            .perKey(Limit.of(1, Duration.ofSeconds(1)))
            .clock(clock)
            .build();

    @Test
    void aKeysLimiterIsKeptWhileARequestHoldsItLongerThanTheCacheKeepsIdleKeys() {
        Permit slow = pacer.acquire("/report", 0, Duration.ZERO);
        clock.advance(Duration.ofSeconds(61)); // the report is still being served; idle keys are kept a minute

        assertThatThrownBy(() -> pacer.acquire("/report", 0, Duration.ZERO))
                .as("per-path 1: the first /report is still in flight")
                .isInstanceOf(RateLimitedException.class);
        slow.close();
    }

    @Test
    void aRetryAfterLongerThanTheCacheKeepsIdleKeysDoesNotSplitAKeyInTwo() throws Exception {
        Permit first = pacer.acquire("/a", 0, Duration.ZERO);
        pacer.completed(first, "/a", 429, "120");

        CompletableFuture<Permit> w1 = pacer.acquireAsync("/a", 0, RequestPacer.FOREVER);
        clock.advance(Duration.ofSeconds(61));
        CompletableFuture<Permit> w2 = pacer.acquireAsync("/a", 0, RequestPacer.FOREVER);

        clock.advance(Duration.ofSeconds(60)); // the pause is over
        Permit admitted = w1.get(5, TimeUnit.SECONDS);
        assertThat(w2).as("per-path 1 per 1 s: the second /a must wait for the first").isNotDone();
        admitted.close();
    }

    @Test
    void aRetryAfterHoldsBackEveryRequestWithPerPathLimitsOnly() {
        RequestPacer perPathOnly = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .clock(clock).build();
        Permit busy = perPathOnly.acquire("/busy", 0, Duration.ZERO);
        perPathOnly.completed(busy, "/busy", 429, "30");

        assertThatThrownBy(() -> perPathOnly.acquire("/other", 0, Duration.ZERO))
                .as("docs/client-pacing.md: its Retry-After holds every request back until then")
                .isInstanceOf(RateLimitedException.class);
    }

    @ParameterizedTest(name = "shared={0}")
    @ValueSource(booleans = {false, true})
    void aRefundedRequestWakesTheWaiterOfAnotherKeyAtOnce(boolean shared) {
        // With a shared limit every key's limiter holds a remote part; the global slot's refund still wakes them.
        RequestPacer.Builder builder = RequestPacer.builder().global(Limit.of(1, Duration.ofMinutes(1))).clock(clock);
        if (shared) {
            builder.shared(RemoteFixtures.remote(clock, 100, Duration.ofSeconds(1)));
        }
        RequestPacer pacer = builder.build();
        Permit x = pacer.acquire("/x", 0, Duration.ZERO); // the global slot, in flight
        CompletableFuture<Permit> y = pacer.acquireAsync("/y", 0, Duration.ofMinutes(5));
        assertThat(y).isNotDone();

        pacer.failed(x); // an I/O error: the use is refunded, the global slot is free now

        assertThat(y).isCompleted();
    }
}
