package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review regression: while a limiter is paused no use can be taken, and the in-memory limiters say so: remaining()
 * is 0 and resetInNanos() runs at least to the pause's end (TimesPerLimiter.available / resetInNanosLocked), which
 * is what the IETF RateLimit header is built from. RemoteLimiter.remaining() and resetInNanos() ignore its pause
 * and report the remote counts: "5 left, no reset" while every acquire is refused.
 */
class RemotePausedReadsTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void aPausedRemoteLimiterReportsNothingRemainingUntilThePauseEnds() {
        RateLimiter limiter = RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1));
        RateLimiter inMemory = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();

        limiter.pause(Duration.ofSeconds(10));
        inMemory.pause(Duration.ofSeconds(10));

        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        assertThat(inMemory.remaining()).isZero();
        assertThat(inMemory.resetInNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
        assertThat(limiter.remaining()).as("remaining while paused").isEqualTo(inMemory.remaining());
        assertThat(limiter.resetInNanos()).as("reset while paused").isEqualTo(inMemory.resetInNanos());
    }
}
