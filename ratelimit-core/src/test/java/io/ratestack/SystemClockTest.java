package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real timer thread, on the system clock. Timing itself is tested on the fake clock; these only check that the
 * shared timer wakes waiters at all, and that user code chained on a future never runs on it.
 */
class SystemClockTest {

    @Test
    void timerThreadAdmitsAWaiterAndHandsTheFutureToAnotherThread() throws Exception {
        RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofMillis(20));
        limiter.tryAcquire().permit().close();

        CompletableFuture<String> thread = limiter.acquireAsync()
                .thenApply(permit -> {
                    permit.close();
                    return Thread.currentThread().getName();
                });

        assertThat(thread.get(10, TimeUnit.SECONDS)).isNotEqualTo("ratestack-timer");
    }

    @Test
    void blockingAcquireWithTimeoutOnTheSystemClock() {
        RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofMillis(20));
        limiter.tryAcquire().permit().close();

        try (Permit permit = limiter.acquire(Duration.ofSeconds(10))) {
            assertThat(permit.isGranted()).isTrue();
        }
    }
}
