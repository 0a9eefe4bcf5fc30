package io.ratestack;

import static io.ratestack.Uses.concurrent;
import static io.ratestack.Uses.sequential;
import static io.ratestack.Uses.sequentialCancelled;
import static io.ratestack.Uses.timeUntilDone;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The scenarios of slowstack's own test suite, with the durations it expects, on a fake clock. */
class SlowstackScenariosTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit, Duration per) {
        return RateLimiters.timesPerBuilder(limit, per).clock(clock).build();
    }

    @Test
    void fiveUsesOfFivePerFiveSecondsTakeNoTime() {
        RateLimiter limiter = timesPer(5, Duration.ofSeconds(5));

        assertThat(timeUntilDone(clock, sequential(limiter, 5))).isZero();
    }

    @Test
    void tenUsesOfFivePerHundredMillisecondsTakeHundredMilliseconds() {
        RateLimiter limiter = timesPer(5, Duration.ofMillis(100));

        assertThat(timeUntilDone(clock, sequential(limiter, 10))).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void hundredCancelledUsesOfOnePerSecondTakeNoTime() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));

        assertThat(timeUntilDone(clock, sequentialCancelled(limiter, 100))).isZero();
        assertThat(limiter.remaining()).isEqualTo(1);
    }

    @Test
    void threeConcurrentUsersOfOnePerHalfSecondTakeOneSecond() {
        RateLimiter limiter = timesPer(1, Duration.ofMillis(500));

        assertThat(timeUntilDone(clock, concurrent(limiter, 3, 1))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void threeConcurrentCancelledUsersOfOnePerHalfSecondTakeNoTime() {
        RateLimiter limiter = timesPer(1, Duration.ofMillis(500));

        CompletableFuture<?> users = CompletableFuture.allOf(
                sequentialCancelled(limiter, 1), sequentialCancelled(limiter, 1), sequentialCancelled(limiter, 1));

        assertThat(timeUntilDone(clock, users)).isZero();
    }

    @Test
    void negativeResetOffsetThatCancelsThePeriodTakesNoTime() {
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(-1)).clock(clock).build();

        assertThat(timeUntilDone(clock, sequential(limiter, 100))).isZero();
    }

    @Test
    void positiveResetOffsetOfOneSecondMakesTwoUsesOfOnePerSecondTakeTwoSeconds() {
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(1)).clock(clock).build();

        assertThat(timeUntilDone(clock, sequential(limiter, 2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void allOfOnePerSecondAndOnePerTwoSecondsUsedTwiceTakesTwoSeconds() {
        RateLimiter all = RateLimiters.all(timesPer(1, Duration.ofSeconds(1)), timesPer(1, Duration.ofSeconds(2)));

        assertThat(timeUntilDone(clock, sequential(all, 2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void anyOfTwoOnePerSecondUsedSixTimesTakesTwoSeconds() {
        RateLimiter any = RateLimiters.any(timesPer(1, Duration.ofSeconds(1)), timesPer(1, Duration.ofSeconds(1)));

        assertThat(timeUntilDone(clock, sequential(any, 6))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void anyOfTwoOnePerHalfSecondServesFourConcurrentUsersInHalfSecond() {
        RateLimiter any = RateLimiters.any(timesPer(1, Duration.ofMillis(500)), timesPer(1, Duration.ofMillis(500)));

        assertThat(timeUntilDone(clock, concurrent(any, 4, 1))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void anyUsesWhicheverChildIsAvailable() {
        RateLimiter first = timesPer(1, Duration.ofSeconds(1));
        RateLimiter second = timesPer(1, Duration.ofSeconds(1));
        first.tryAcquire().permit().close();

        assertThat(timeUntilDone(clock, sequential(RateLimiters.any(first, second), 1))).isZero();
        assertThat(second.remaining()).isZero();
    }

    @Test
    void allOfAnyAndTimesPerServesThreeConcurrentUsersInHundredMilliseconds() {
        RateLimiter a = timesPer(1, Duration.ofMillis(100));
        RateLimiter b = timesPer(1, Duration.ofMillis(100));
        RateLimiter c = timesPer(2, Duration.ofMillis(100));
        RateLimiter stacked = RateLimiters.all(RateLimiters.any(a, b), c);

        assertThat(timeUntilDone(clock, concurrent(stacked, 3, 1))).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void hundredCancelledUsesOfAllOfAnyAndTimesPerTakeNoTime() {
        RateLimiter stacked = RateLimiters.all(
                RateLimiters.any(timesPer(1, Duration.ofMillis(100)), timesPer(1, Duration.ofMillis(100))),
                timesPer(2, Duration.ofMillis(100)));

        assertThat(timeUntilDone(clock, sequentialCancelled(stacked, 100))).isZero();
    }

    @Test
    void impossibleCollisionIsRefusedAtOnceInsteadOfHanging() {
        RateLimiter shared = timesPer(1, Duration.ofMillis(100));
        RateLimiter collision = RateLimiters.all(RateLimiters.any(shared), RateLimiters.any(shared));

        CompletableFuture<Permit> use = collision.acquireAsync(Duration.ofSeconds(1));

        assertThat(use).isCompletedExceptionally();
        assertThat(Uses.failure(use)).isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("can never be admitted");
        assertThat(collision.tryAcquire()).isEqualTo(new Refusal(Refusal.NEVER, 1));
        assertThat(shared.remaining()).isEqualTo(1);
        assertThat(collision.waiting()).isZero();
    }
}
