package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review regression: Timers keeps one shared daemon thread for every limiter on a real clock, and says that nothing
 * slow may run on it. RemoteLimiter.onTimer() runs serve() (a remote tryAcquire per waiter admitted, plus one refused)
 * and publishStatus() (a remote state read) right on that thread: a slow store (Redis answering at its 250 ms command
 * timeout, twice with the NOSCRIPT fallback, during an outage under FAIL_CLOSED) stalls the window ends, retries and
 * timeouts of every limiter in the JVM, in-memory ones included. Here the store's answer is held on a latch: with
 * the bug the in-memory waiter, due 50 ms later, is not admitted until the store answers.
 */
class RemoteTimerThreadBlockingTest {

    @Test
    void aSlowRemoteLimitDoesNotHoldUpTheTimersOfOtherLimiters() throws Exception {
        RemoteFixtures.Slow store = new RemoteFixtures.Slow(new CountDownLatch(1));
        RateLimiter remote = RateLimiters.remote(store, Clock.system());
        CompletableFuture<Permit> remoteWaiter = remote.acquireAsync(); // refused: the timer tries again in 20 ms
        try {
            assertThat(store.asked.await(10, TimeUnit.SECONDS)).as("the timer asks the store again").isTrue();

            RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofMillis(50)).build();
            local.tryAcquire().permit().close();
            CompletableFuture<Permit> localWaiter = local.acquireAsync(); // its window ends in 50 ms

            Uses.await("the in-memory waiter is admitted when its window ends", localWaiter::isDone);
            assertThat(localWaiter).isCompleted();
        } finally {
            store.answer.countDown();
            remote.close();
        }
        assertThat(remoteWaiter).isCompletedExceptionally();
    }
}
