package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Review regression: a waiter admitted by a pass over the queue, but whose future the caller completes (cancel,
 * orTimeout, an interrupted blocking acquire) while the remote limit is being asked, gave its use back with the raw
 * remote permit's cancel, not through the limiter: no "use ended" wake-up, so the waiter behind it, refused because
 * of that very slot, slept until its (long) retry-after. The store here gives the caller up at exactly that moment.
 */
class RemoteWithdrawnAdmissionTest {

    private final FakeClock clock = new FakeClock();

    /** One slot, as a store shared with other instances; runs {@link #whileAsked} when it admits. */
    private static final class OneSlot extends RemoteFixtures.Slots {
        final AtomicReference<Runnable> whileAsked = new AtomicReference<>(() -> { });

        OneSlot() {
            super(1, false);
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            AcquireResult result = super.tryAcquire(cost);
            if (result instanceof Permit) {
                whileAsked.getAndSet(() -> { }).run();
            }
            return result;
        }
    }

    @Test
    void aWaiterWithdrawnWhileItsAdmissionIsMadeWakesTheNextWaiter() {
        OneSlot slot = new OneSlot();
        RateLimiter limiter = RateLimiters.remote(slot, clock);
        slot.free.set(0); // another instance holds the only slot
        slot.retryAfter.set(Duration.ofMillis(300).toNanos());
        CompletableFuture<Permit> first = limiter.acquireAsync(); // refused: tried again in 300 ms
        slot.retryAfter.set(Duration.ofHours(1).toNanos());
        CompletableFuture<Permit> second = limiter.acquireAsync(); // queued behind, not tried
        slot.free.set(1); // the other instance ended its use: found at the retry-after
        slot.whileAsked.set(() -> first.cancel(false)); // the caller gives up while its admission is made

        clock.advance(Duration.ofMillis(300));

        assertThat(first).isCancelled();
        assertThat(second).as("the given-back slot goes to the next waiter at once").isCompleted();
        second.join().close();
        assertThat(slot.free.get()).isEqualTo(1);
        assertThat(limiter.waiting()).isZero();
    }
}
