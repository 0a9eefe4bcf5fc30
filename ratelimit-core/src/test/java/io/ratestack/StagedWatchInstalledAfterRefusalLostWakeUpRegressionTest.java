package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Review finding (lost wake-up): a composite with remote parts observes its in-memory parts only once it has a
 * waiter ({@code RemoteLimiter.enqueue} -> {@code updateWatch}), which is after the try that refused. A use of an
 * in-memory part that ends between that refusal and the watch tells no one (the leaf has no observer yet, and
 * {@code endings} only counts uses ended through the composite itself), and nothing looks again after the watch is
 * installed: the waiter sleeps until the refusal's retry-after, a whole period when the part was full of in-flight
 * uses, although the part has room. With {@code any(leaf, remote)} the window spans the remote round trip. The
 * in-flight use is cancelled from inside the remote part's try, i.e. right in that window. (Fixed: after the watch
 * is installed, a composite whose last refusal was an in-memory part's tries once more.)
 */
class StagedWatchInstalledAfterRefusalLostWakeUpRegressionTest {

    @Test
    void aPartFreedBetweenTheRefusalAndTheWatchWakesTheWaiter() {
        FakeClock clock = new FakeClock();
        RateLimiter leaf = RateLimiters.timesPerBuilder(1, Duration.ofMinutes(1)).clock(clock).build();
        Permit inFlight = leaf.tryAcquire().permit(); // the leaf is full: refusals say a whole period
        AtomicReference<Permit> toEnd = new AtomicReference<>(inFlight);
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false) {
            @Override
            public AcquireResult tryAcquire(int cost) {
                Permit ending = toEnd.getAndSet(null);
                if (ending != null) {
                    ending.cancel(); // another thread's use of the leaf ends while the composite asks the store
                }
                return super.tryAcquire(cost);
            }
        };
        store.retryAfter.set(Duration.ofHours(1).toNanos());
        RateLimiter remote = RateLimiters.remote(store, clock);
        RateLimiter composite = RateLimiters.any(leaf, remote);

        CompletableFuture<Permit> waiter = composite.acquireAsync(Duration.ofMinutes(10));

        assertThat(waiter).as("the leaf's room, freed during the refusing try, goes to the waiter at once").isDone();
        assertThat(leaf.remaining()).isZero();
        composite.close();
    }
}
