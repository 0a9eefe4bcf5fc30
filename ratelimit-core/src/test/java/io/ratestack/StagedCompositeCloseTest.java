package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Review regression: RateLimiter#close says "closing a times-per limiter fails the waiters of composites that can no
 * longer admit without it". An all-limiter with a remote part is a RemoteLimiter over a StagedLimit: nothing tells it
 * that a part was closed, so its waiters sleep until their next retry-after (here an hour) and only then fail.
 */
class StagedCompositeCloseTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter remotePart(int limit) {
        return RemoteFixtures.remote(clock, limit, Duration.ofHours(1));
    }

    @Test
    void closingAnInMemoryPartFailsTheWaitersOfAMixedAllLimiter() {
        RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofHours(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(remotePart(5), local);
        both.tryAcquire().permit().close();
        CompletableFuture<Permit> waiter = both.acquireAsync();
        assertThat(waiter).isNotDone();

        local.close();

        assertThat(waiter).isCompletedExceptionally(); // the in-memory all(timesPer, local) fails it here
        assertThat(both.waiting()).isZero();
    }

    @Test
    void closingTheRemotePartFailsTheWaitersOfAMixedAllLimiter() {
        RateLimiter remote = remotePart(1);
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofHours(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(remote, local);
        both.tryAcquire().permit().close();
        CompletableFuture<Permit> waiter = both.acquireAsync();
        assertThat(waiter).isNotDone();

        remote.close();

        assertThat(waiter).isCompletedExceptionally();
        assertThat(both.waiting()).isZero();
    }
}
