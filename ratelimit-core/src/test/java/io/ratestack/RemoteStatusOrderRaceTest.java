package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Review regression: RateLimiter#onStatusChange (and StatusPublisher) promise that the last status delivered is the
 * final one; in-memory limiters record it under their locks. RemoteLimiter.publishStatus() reads the remote state,
 * then records it, with nothing ordering the two steps across threads: a thread that read the state before another
 * thread's change records its stale reading after it, and listeners are left with a status that is not the
 * limiter's (here LOCKED while status() is UNLOCKED; it is corrected only by a recheck a second or a window later).
 * Real threads; the interleaving is forced with latches inside the fake store's state().
 */
class RemoteStatusOrderRaceTest {

    private final FakeClock clock = new FakeClock();

    /** Two slots; a read of the state made on {@link #stallAfterRead} waits for {@link #resume}. */
    private static final class Slots extends RemoteFixtures.Slots {
        volatile Thread stallAfterRead;
        final CountDownLatch read = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);

        Slots() {
            super(2, false);
        }

        @Override
        public State state() {
            State state = super.state();
            if (Thread.currentThread() == stallAfterRead) {
                read.countDown();
                try {
                    resume.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return state;
        }
    }

    @Test
    void theLastStatusDeliveredIsTheLimitersStatus() throws Exception {
        Slots store = new Slots();
        RateLimiter limiter = RateLimiters.remote(store, clock);
        List<RateLimitStatus> seen = new CopyOnWriteArrayList<>();
        limiter.onStatusChange(seen::add);
        Permit first = limiter.tryAcquire().permit(); // one slot left: still unlocked

        AtomicReference<Permit> second = new AtomicReference<>();
        Thread taker = new Thread(() -> second.set(limiter.tryAcquire().permit())); // takes the last slot
        store.stallAfterRead = taker;
        taker.start();
        assertThat(store.read.await(10, TimeUnit.SECONDS)).isTrue(); // it has read "locked", not yet told anyone

        first.cancel(); // meanwhile a slot comes back: unlocked again, and this thread publishes that
        store.resume.countDown();
        taker.join(10_000);

        assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(seen).as("statuses delivered").isNotEmpty();
        assertThat(seen.get(seen.size() - 1)).as("the last status delivered").isEqualTo(limiter.status());
        second.get().cancel();
    }
}
