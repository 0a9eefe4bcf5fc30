package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review regression: RateLimiter#pause says "Pausing a composite pauses every times-per limiter in it, and so every
 * other limiter that shares one". RemoteLimiter#pause of an all/any with a remote part pauses only the composite's
 * own flag: its in-memory parts (and every other limiter stacked on them) go on admitting.
 */
class StagedCompositePauseTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter remotePart() {
        return RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1));
    }

    @Test
    void pausingAMixedAllLimiterPausesItsInMemoryParts() {
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(remotePart(), local);
        RateLimiter sharing = RateLimiters.all(local); // another limiter stacked on the same times-per limiter

        both.pause(Duration.ofSeconds(10));

        assertThat(both.tryAcquire().isGranted()).isFalse();
        assertThat(local.tryAcquire().isGranted()).as("the times-per part is paused").isFalse();
        assertThat(sharing.tryAcquire().isGranted()).as("so is every limiter sharing it").isFalse();
    }

    @Test
    void pausingAMixedAnyLimiterPausesItsInMemoryParts() {
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter either = RateLimiters.any(local, remotePart());

        either.pause(Duration.ofSeconds(10));

        assertThat(local.tryAcquire().isGranted()).as("the times-per part is paused").isFalse();
    }
}
