package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** A concurrency limiter on a fake clock: units held by uses in flight, given back by their end, never by time. */
class ConcurrencyLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter atOnce(int permits) {
        return RateLimiters.concurrencyBuilder(permits).clock(clock).build();
    }

    @Test
    void remainingCountsTheUsesHeldNow() {
        RateLimiter limiter = atOnce(3);
        Permit first = limiter.tryAcquire().permit();
        Permit second = limiter.tryAcquire().permit();

        assertThat(limiter.remaining()).isEqualTo(1);
        first.close();
        assertThat(limiter.remaining()).isEqualTo(2);
        second.cancel();
        assertThat(limiter.remaining()).isEqualTo(3);
    }

    @Test
    void timeFreesNothing() {
        RateLimiter limiter = atOnce(1);
        limiter.tryAcquire().permit();

        clock.advance(ChronoUnit.DAYS.getDuration());

        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        assertThat(limiter.resetInNanos()).isZero();
    }

    @Test
    void refusalAnswersTheRetryAfterHint() {
        RateLimiter byDefault = atOnce(1);
        RateLimiter hinted = RateLimiters.concurrencyBuilder(1).retryAfter(Duration.ofMillis(250)).clock(clock).build();
        byDefault.tryAcquire().permit();
        hinted.tryAcquire().permit();

        assertThat(byDefault.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(1).toNanos(), 0));
        assertThat(hinted.tryAcquire()).isEqualTo(new Refusal(Duration.ofMillis(250).toNanos(), 0));
    }

    @Test
    void aHugeRetryAfterHintStillLetsRemoteCompositesWait() {
        RateLimiter limiter = RateLimiters.concurrencyBuilder(1).retryAfter(ChronoUnit.FOREVER.getDuration())
                .clock(clock).build();
        limiter.tryAcquire().permit();

        assertThat(((Refusal) limiter.tryAcquire()).retryAfterNanos()).isLessThan(Refusal.NEVER);
    }

    @Test
    void toStringNamesTheLimit() {
        assertThat(RateLimiters.concurrency(4)).hasToString("concurrency(4 at once)");
        assertThat(RateLimiters.concurrencyBuilder(2).name("db").build()).hasToString("concurrency(db: 2 at once)");
    }
}
