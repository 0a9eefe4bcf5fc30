package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** One slot held by a use in flight; refusals say one minute (a period), as acquire.lua does then. */
    private static final class InFlight implements RemoteLimit {
        final AtomicInteger free = new AtomicInteger(1);
        final AtomicInteger tries = new AtomicInteger();

        @Override
        public AcquireResult tryAcquire() {
            tries.incrementAndGet();
            if (free.get() <= 0) {
                return new Refusal(Duration.ofMinutes(1).toNanos(), 0);
            }
            free.decrementAndGet();
            AtomicBoolean ended = new AtomicBoolean();
            return new Permit() {
                @Override
                public void close() {
                    cancel();
                }

                @Override
                public void cancel() {
                    if (ended.compareAndSet(false, true)) {
                        free.incrementAndGet();
                    }
                }
            };
        }

        @Override
        public State state() {
            return new State(Math.max(0, free.get()), 0); // no window runs: the slot is in flight
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
