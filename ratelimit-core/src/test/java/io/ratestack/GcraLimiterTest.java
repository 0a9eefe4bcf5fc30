package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GCRA on a fake clock: a burst then evenly spaced uses, exact retry-after, refunds, remaining and reset. */
class GcraLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter gcra(int rate, Duration period, int burst) {
        return RateLimiters.gcraBuilder(rate, period, burst).clock(clock).build();
    }

    private static void takeAll(RateLimiter limiter, int n) {
        for (int i = 0; i < n; i++) {
            limiter.tryAcquire().permit().close();
        }
    }

    @Test
    void admitsTheBurstAtOnceThenOneUseEveryEmissionInterval() {
        RateLimiter limiter = gcra(10, Duration.ofSeconds(1), 3);

        takeAll(limiter, 3);
        assertThat(limiter.tryAcquire().isGranted()).isFalse();

        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofMillis(99));
            assertThat(limiter.tryAcquire().isGranted()).isFalse();
            clock.advance(Duration.ofMillis(1));
            limiter.tryAcquire().permit().close();
        }
    }

    @Test
    void aBurstOfOneSpacesEveryUse() {
        RateLimiter limiter = gcra(4, Duration.ofSeconds(1), 1);
        takeAll(limiter, 1);

        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofMillis(250));
    }

    @Test
    void idleTimeSavesNoMoreThanTheBurst() {
        RateLimiter limiter = gcra(10, Duration.ofSeconds(1), 3);

        clock.advance(Duration.ofHours(1));

        assertThat(limiter.remaining()).isEqualTo(3);
        takeAll(limiter, 3);
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
    }

    @Test
    void retryAfterIsExactToTheNanosecond() {
        // 3 per second: T = 333,333,334 ns (rounded up); a burst of 2 leaves tat 2T ahead, so the next use fits at T.
        RateLimiter limiter = gcra(3, Duration.ofSeconds(1), 2);
        takeAll(limiter, 2);
        clock.advance(Duration.ofNanos(1000));

        long retryAfter = ((Refusal) limiter.tryAcquire()).retryAfterNanos();

        assertThat(retryAfter).isEqualTo(333_333_334L - 1000);
        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofNanos(retryAfter));
    }

    @Test
    void theEmissionIntervalIsRoundedUpSoNoMoreThanTheRateIsAdmitted() {
        RateLimiter limiter = gcra(3, Duration.ofSeconds(1), 1);
        takeAll(limiter, 1);

        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofNanos(333_333_334L));
    }

    @Test
    void remainingIsTheUsesAdmittedAtOnceAndResetTheTimeUntilFullyRecovered() {
        RateLimiter limiter = gcra(10, Duration.ofSeconds(1), 5);
        takeAll(limiter, 4);
        clock.advance(Duration.ofMillis(150));

        assertThat(limiter.remaining()).isEqualTo(2); // 250 ms owed of a 500 ms tolerance
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofMillis(250).toNanos());
        clock.advance(Duration.ofMillis(250));
        assertThat(limiter.remaining()).isEqualTo(5);
        assertThat(limiter.resetInNanos()).isZero();
    }

    @Test
    void cancelJustAfterTheTakeUndoesTheUseExactly() {
        RateLimiter limiter = gcra(10, Duration.ofSeconds(1), 3);
        takeAll(limiter, 2);
        clock.advance(Duration.ofMillis(30));
        long reset = limiter.resetInNanos();

        limiter.tryAcquire().permit().cancel();

        assertThat(limiter.resetInNanos()).isEqualTo(reset);
        assertThat(limiter.remaining()).isEqualTo(1);
        takeAll(limiter, 1);
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
    }

    @ParameterizedTest(name = "cancelled {0} ms after the take")
    @ValueSource(ints = {60, 100})
    void cancelGivesBackOnlyWhatTimeHasNotPaidOff(int millis) {
        // 10 per second: a use owes 100 ms; after 60 ms only 40 ms are still owed, after 100 ms nothing
        RateLimiter limiter = gcra(10, Duration.ofSeconds(1), 2);
        Permit permit = limiter.tryAcquire().permit();
        clock.advance(Duration.ofMillis(millis));

        permit.cancel();

        assertThat(limiter.resetInNanos()).isZero();
        assertThat(limiter.remaining()).isEqualTo(2);
        takeAll(limiter, 2);
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
    }

    @Test
    void waitersAreWokenAtTheExactTimeEachUseFits() {
        RateLimiter limiter = gcra(3, Duration.ofSeconds(1), 1);
        takeAll(limiter, 1);
        CompletableFuture<Permit> first = limiter.acquireAsync();
        CompletableFuture<Permit> second = limiter.acquireAsync();

        clock.advance(Duration.ofNanos(333_333_333L));
        assertThat(first).isNotDone();
        clock.advance(Duration.ofNanos(1));
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        clock.advance(Duration.ofNanos(333_333_333L));
        assertThat(second).isNotDone();
        clock.advance(Duration.ofNanos(1));

        assertThat(second).isCompleted();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void badTermsAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> RateLimiters.gcra(0, Duration.ofSeconds(1), 1))
                .hasMessage("rate must be > 0 but was 0");
        assertThatThrownBy(() -> RateLimiters.gcra(1, Duration.ZERO, 1))
                .hasMessage("period must be > 0 but was PT0S");
        assertThatThrownBy(() -> RateLimiters.gcra(1, Duration.ofSeconds(1), 0))
                .hasMessage("burst must be > 0 but was 0");
        assertThatThrownBy(() -> RateLimiters.gcra(1001, Duration.ofNanos(1000), 1))
                .hasMessage("rate must be <= the period in nanoseconds (1000) but was 1001");
        assertThatThrownBy(() -> RateLimiters.gcra(1, Duration.ofDays(20_000), 3))
                .hasMessage("burst * period / rate must be <= PT1281023H53M38.427387903S but was 3 * PT480000H");
    }

    @Test
    void toStringNamesTheTerms() {
        assertThat(RateLimiters.gcra(10, Duration.ofSeconds(1), 5)).hasToString("gcra(10 per PT1S, burst 5)");
        assertThat(RateLimiters.gcraBuilder(10, Duration.ofSeconds(1), 5).name("api").build())
                .hasToString("gcra(api: 10 per PT1S, burst 5)");
    }
}
