package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** {@link #free} slots; completing or cancelling a use frees its slot; throws once when {@link #fail} is set. */
    private static final class Flaky implements RemoteLimit {
        final AtomicInteger free = new AtomicInteger();
        final AtomicBoolean fail = new AtomicBoolean();

        @Override
        public AcquireResult tryAcquire() {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("unexpected reply from the store");
            }
            if (free.get() <= 0) {
                return new Refusal(Duration.ofSeconds(1).toNanos(), 0);
            }
            free.decrementAndGet();
            AtomicBoolean ended = new AtomicBoolean();
            return new Permit() {
                @Override
                public void close() {
                    if (ended.compareAndSet(false, true)) {
                        free.incrementAndGet();
                    }
                }

                @Override
                public void cancel() {
                    close();
                }
            };
        }

        @Override
        public State state() {
            return new State(Math.max(0, free.get()), 0);
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
