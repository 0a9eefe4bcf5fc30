package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review regression: clock readings may wrap around (FakeClock's javadoc; System.nanoTime may), and the in-memory
 * limiters compare deadlines by subtraction. RemoteLimiter compares them directly: {@code until > pausedUntil} in
 * pause() and {@code timerAt <= at} in wakeAt(), so near the wrap a shorter pause cuts a longer one short and an
 * earlier wake-up is dropped in favour of a later one. Each test runs at a clock starting at 0 (passes) and 5 s
 * before the wrap (fails).
 */
class RemoteClockWrapTest {

    private static final long NEAR_WRAP = Long.MAX_VALUE - 5_000_000_000L; // 5 s before the wrap

    /** A store whose completed uses keep their slot (they count in a window), cancelled ones free it. */
    private static final class Store extends RemoteFixtures.Slots {
        Store() {
            super(0, true);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, NEAR_WRAP})
    void aShorterPauseDoesNotEndALongerOne(long start) {
        FakeClock clock = new FakeClock(start);
        Store store = new Store();
        store.free.set(5);
        RateLimiter limiter = RateLimiters.remote(store, clock);

        limiter.pause(Duration.ofSeconds(10));
        limiter.pause(Duration.ofSeconds(1)); // "or until a later pause ends": the 10 s pause still holds
        clock.advance(Duration.ofSeconds(2));

        assertThat(limiter.tryAcquire().isGranted()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, NEAR_WRAP})
    void anEarlierRetryAfterIsNotDroppedForALaterOne(long start) {
        FakeClock clock = new FakeClock(start);
        Store store = new Store();
        store.free.set(1);
        RateLimiter limiter = RateLimiters.remote(store, clock);
        Permit held = limiter.tryAcquire().permit();
        store.retryAfter.set(Duration.ofSeconds(10).toNanos());
        CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: try again in 10 s
        store.retryAfter.set(Duration.ofSeconds(1).toNanos());

        held.close(); // a use ended through the limiter: the head is tried, refused, told 1 s
        store.free.set(1); // room freed elsewhere, found at that retry-after
        clock.advance(Duration.ofSeconds(1));

        assertThat(waiter).isCompleted();
    }
}
