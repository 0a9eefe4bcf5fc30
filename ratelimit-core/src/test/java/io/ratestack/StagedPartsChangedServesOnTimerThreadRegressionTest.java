package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Review finding: the last fixes moved RemoteLimiter's timer work off the shared timer thread ({@code Alarm.fire}
 * hands it to {@code Timers.slowWorkExecutor}), but a composite with remote parts is also woken by its in-memory
 * parts: {@code TimesPerLimiter.onTimer} (a window end, on the shared timer thread) runs {@code afterChange}, which
 * runs the observers inline, and {@code RemoteLimiter.partsChanged} calls {@code serve()} right there. The pass asks
 * the remote parts (Redis, up to its command timeout, twice with the NOSCRIPT fallback) on the shared timer thread,
 * stalling every limiter's window ends, retries and timeouts in the JVM. The timer thread is held briefly by another
 * limiter's status listener so that the leaf's window end runs before the composite's own alarm, whichever way the
 * scheduler would have ordered them.
 */
class StagedPartsChangedServesOnTimerThreadRegressionTest {

    @Test
    void aWindowEndOfAnInMemoryPartDoesNotAskTheRemotePartOnTheTimerThread() throws Exception {
        List<String> askedOn = new CopyOnWriteArrayList<>();
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(10, false) {
            @Override
            public AcquireResult tryAcquire(int cost) {
                askedOn.add(Thread.currentThread().getName());
                return super.tryAcquire(cost);
            }
        };

        CountDownLatch timerHeld = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean heldOnce = new AtomicBoolean();
        RateLimiter holder = RateLimiters.timesPerBuilder(1, Duration.ofMillis(100)).build();
        Subscription holding = holder.onStatusChange(status -> {
            if (status == RateLimitStatus.UNLOCKED && Thread.currentThread().getName().equals("ratestack-timer")
                    && heldOnce.compareAndSet(false, true)) {
                timerHeld.countDown();
                try {
                    letGo.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        holder.tryAcquire().permit().close(); // its window ends in 100 ms, on the timer thread

        RateLimiter leaf = RateLimiters.timesPerBuilder(1, Duration.ofMillis(400)).build();
        leaf.tryAcquire().permit().close(); // its window ends in 400 ms
        RateLimiter remote = RateLimiters.remote(store, Clock.system());
        RateLimiter composite = RateLimiters.all(leaf, remote);
        CompletableFuture<Permit> waiter;
        try {
            waiter = composite.acquireAsync(Duration.ofSeconds(10)); // refused by the leaf; observes it
            assertThat(askedOn).as("the leaf refused first: the store was not asked").isEmpty();
            assertThat(timerHeld.await(10, TimeUnit.SECONDS)).isTrue();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait(); // the leaf's window end and the composite's alarm both fall due meanwhile
            }
        } finally {
            letGo.countDown();
        }
        Uses.await("the composite's waiter is admitted", waiter::isDone);
        assertThat(waiter).isCompleted();
        waiter.join().close();
        holding.close();
        assertThat(askedOn).as("where the remote part was asked").doesNotContain("ratestack-timer");
        composite.close();
    }
}
