package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Review regression: RemoteLimiter.serve() counts passes in {@code serving} and decrements it only when servePass()
 * returns; one exception out of a pass (a RemoteLimit that throws once, against its contract: a bug in a third-party
 * SPI implementation, a client library's unchecked exception) leaves {@code serving} above zero for good, and every
 * later serve() returns at once: no waiter of that limiter is ever admitted again, not even when a use ends through
 * it. On the shared timer thread the exception is swallowed by the executor, so nothing is even logged.
 */
class RemoteServeWedgedTest {

    private final FakeClock clock = new FakeClock();

    /** Slots whose next try throws when {@link #fail} is set, once. */
    private static final class Flaky extends RemoteFixtures.Slots {
        final AtomicBoolean fail = new AtomicBoolean();

        Flaky() {
            super(0, false);
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("unexpected reply from the store");
            }
            return super.tryAcquire(cost);
        }
    }

    @Test
    void oneFailedTryDoesNotStopTheQueueForGood() {
        Flaky store = new Flaky();
        RateLimiter limiter = RateLimiters.remote(store, clock);
        CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: tried again in a second
        store.fail.set(true);
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);

        store.free.set(2); // room at last; a use taken and ended through the limiter wakes the queue
        limiter.tryAcquire().permit().cancel();
        clock.advance(Duration.ofMinutes(1));

        assertThat(waiter).isCompleted();
    }
}
