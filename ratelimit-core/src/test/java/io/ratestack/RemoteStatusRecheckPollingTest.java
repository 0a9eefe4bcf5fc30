package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Review regression: RemoteLimiter promises that waiters ask the remote limit only when the last refusal's
 * retry-after has passed or a use through it ended ("Nothing polls faster than that"). The status recheck of
 * publishStatus() shares the waiters' timer (wakeAt), and onTimer() always serves the queue: with a status
 * listener, a locked status and no window running (every slot in flight: the retry-after is one period), the queue's
 * head tries the remote limit (for Redis: an acquire script) every second instead of once per retry-after.
 */
class RemoteStatusRecheckPollingTest {

    private final FakeClock clock = new FakeClock();

    /** One slot, soon held by a use in flight; refusals say one minute (a period), as acquire.lua does then. */
    private static final class InFlight extends RemoteFixtures.Slots {
        InFlight() {
            super(1, false);
            retryAfter.set(Duration.ofMinutes(1).toNanos());
        }
    }

    @Test
    void aStatusListenerDoesNotMakeWaitersPollTheRemoteLimit() {
        InFlight store = new InFlight();
        RateLimiter limiter = RateLimiters.remote(store, clock);
        limiter.onStatusChange(status -> { });
        Permit held = limiter.tryAcquire().permit();
        CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: retry after a minute
        int tries = store.tries.get();

        clock.advance(Duration.ofSeconds(59));

        assertThat(store.tries.get()).as("tries of the remote limit before the retry-after").isEqualTo(tries);
        assertThat(waiter).isNotDone();
        held.cancel();
        assertThat(waiter).isCompleted();
    }
}
