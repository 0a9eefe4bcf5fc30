package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegressionPacerTest {

    private final FakeClock clock = new FakeClock();
    private final RequestPacer pacer = RequestPacer.builder()
            .global(Limit.of(10, Duration.ofSeconds(10)))
            .perKey(Limit.of(1, Duration.ofSeconds(1)))
            .clock(clock)
            .build();

    /** A request in flight longer than the cache's keep (1 min) loses its key's limiter: a second one goes at once. */
    @Test
    void aKeysLimiterIsNotDroppedWhileARequestHoldsIt() {
        Permit slow = pacer.acquire("/report", 0, Duration.ZERO);
        clock.advance(Duration.ofSeconds(61)); // the report is still being served

        assertThatThrownBy(() -> pacer.acquire("/report", 0, Duration.ZERO))
                .as("per-path 1: the first /report is still in flight")
                .isInstanceOf(RateLimitedException.class);
        slow.close();
    }

    /** A Retry-After longer than a minute: waiters of a key sit on a limiter the cache has dropped meanwhile. */
    @Test
    void aLongRetryAfterDoesNotSplitAKeyInTwo() throws Exception {
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

    /** RFC 9110 10.2.3 / 5.6.7: a recipient MUST accept the obsolete HTTP-date forms too. */
    @Test
    void obsoleteHttpDates() {
        Clock wall = Clock.fixed(Instant.parse("1994-11-06T08:48:37Z"), ZoneOffset.UTC);
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", wall)).contains(Duration.ofSeconds(60));
        assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", wall)).contains(Duration.ofSeconds(60));
    }

    /** Per-path limits only (allowed by the starter): a 429's Retry-After holds back that path alone. */
    @Test
    void retryAfterHoldsBackEveryRequestWithoutGlobalLimitsToo() {
        RequestPacer perPathOnly = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .clock(clock).build();
        Permit busy = perPathOnly.acquire("/busy", 0, Duration.ZERO);
        perPathOnly.completed(busy, "/busy", 429, "30");

        assertThatThrownBy(() -> perPathOnly.acquire("/other", 0, Duration.ZERO))
                .as("docs/client-pacing.md: its Retry-After holds every request back until then")
                .isInstanceOf(RateLimitedException.class);
    }
}
