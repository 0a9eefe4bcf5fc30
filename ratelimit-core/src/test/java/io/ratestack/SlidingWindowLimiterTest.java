package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The two-window sliding window on a fake clock: the weighted estimate, no double burst at a boundary, the worst case
 * of the bound, exact retry-after, refunds, remaining and reset, waiters.
 */
class SlidingWindowLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter slidingWindow(int limit, Duration window) {
        return RateLimiters.slidingWindowBuilder(limit, window).clock(clock).build();
    }

    private static void takeAll(RateLimiter limiter, int n) {
        for (int i = 0; i < n; i++) {
            limiter.tryAcquire().permit().close();
        }
    }

    private static int admitted(RateLimiter limiter) {
        int n = 0;
        while (limiter.tryAcquire() instanceof Permit permit) {
            permit.close();
            n++;
        }
        return n;
    }

    /** The weights' floor(a * b / c): one division while the product fits, a long division past it. */
    @Test
    void weightsAreExactWhetherOrNotTheProductFitsInALong() {
        SplittableRandom random = new SplittableRandom(15);
        for (int i = 0; i < 100_000; i++) {
            long c = 1 + random.nextLong(i % 2 == 0 ? Nanos.FOREVER : 1_000_000_000_000L);
            long a = random.nextLong(c);
            long b = random.nextInt(4) == 0 ? random.nextLong(Integer.MAX_VALUE) : random.nextLong(Nanos.FOREVER);
            BigInteger exact = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                    .divide(BigInteger.valueOf(c));
            assertThat(Nanos.mulDiv(a, b, c)).as("%d * %d / %d", a, b, c).isEqualTo(exact.longValueExact());
            assertThat(Nanos.mulDiv(b, a, c)).isEqualTo(exact.longValueExact());
        }
    }

    @Test
    void thePreviousWindowCountsByTheShareOfItTheRollingWindowStillCovers() {
        RateLimiter limiter = slidingWindow(10, Duration.ofSeconds(1));
        takeAll(limiter, 10);

        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.remaining()).isZero(); // 10 * 1.0 of the previous window
        clock.advance(Duration.ofMillis(300));
        assertThat(limiter.remaining()).isEqualTo(3); // ceil(10 * 0.7) = 7 still count

        assertThat(admitted(limiter)).isEqualTo(3);
    }

    @Test
    void aBurstAtTheEndOfAWindowIsNotFollowedByAnotherAtTheStartOfTheNext() {
        RateLimiter limiter = slidingWindow(10, Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(999));
        assertThat(admitted(limiter)).isEqualTo(10);

        clock.advance(Duration.ofMillis(1)); // a fixed window would admit 10 more here
        assertThat(admitted(limiter)).isZero();
        clock.advance(Duration.ofMillis(100));
        assertThat(admitted(limiter)).isEqualTo(1); // 11 in 101 ms, not 20
    }

    @Test
    void aRollingWindowCanHoldNearlyTwiceTheLimitAfterALateBurst() {
        RateLimiter limiter = slidingWindow(10, Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(999));
        takeAll(limiter, 10);

        clock.advance(Duration.ofSeconds(1)); // 999 ms into the next window: ceil(10 * 0.001) = 1 still counts

        assertThat(admitted(limiter)).isEqualTo(9); // 19 uses within one second: limit + limit * 999 / 1000, rounded
    }

    @Test
    void retryAfterIsExactToTheNanosecond() {
        RateLimiter limiter = slidingWindow(3, Duration.ofSeconds(1));
        takeAll(limiter, 3);

        long retryAfter = ((Refusal) limiter.tryAcquire()).retryAfterNanos();

        // the window rolls at 1 s; then 3 * (1 s - e) / 1 s <= 2 from e = 1 s - floor(2 s / 3) = 333,333,334 ns
        assertThat(retryAfter).isEqualTo(1_333_333_334L);
        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofNanos(retryAfter));
    }

    @Test
    void retryAfterWithinTheWindowIsTheDecayOfThePreviousWeight() {
        RateLimiter limiter = slidingWindow(4, Duration.ofSeconds(1));
        takeAll(limiter, 4);
        clock.advance(Duration.ofMillis(1100)); // weight ceil(4 * 0.9) = 4
        assertThat(limiter.remaining()).isZero();

        long retryAfter = ((Refusal) limiter.tryAcquire()).retryAfterNanos();

        assertThat(retryAfter).isEqualTo(Duration.ofMillis(150).toNanos()); // 4 * 0.75 = 3 at 250 ms
        clock.advance(Duration.ofNanos(retryAfter));
        assertThat(admitted(limiter)).isEqualTo(1);
    }

    @Test
    void aLimitOfOneWaitsUntilThePreviousUseHasRolledOut() {
        RateLimiter limiter = slidingWindow(1, Duration.ofSeconds(1));
        takeAll(limiter, 1);

        assertThat(((Refusal) limiter.tryAcquire()).retryAfterNanos()).isEqualTo(Duration.ofSeconds(2).toNanos());
    }

    @Test
    void remainingIsTheUsesAdmittedAtOnceAndResetTheTimeUntilBothWindowsRolledOut() {
        RateLimiter limiter = slidingWindow(4, Duration.ofSeconds(1));
        takeAll(limiter, 2);
        clock.advance(Duration.ofMillis(1250));
        takeAll(limiter, 1);

        assertThat(limiter.remaining()).isEqualTo(1); // 4 - 1 - ceil(2 * 0.75)
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofMillis(1750).toNanos());
        clock.advance(Duration.ofMillis(750));
        assertThat(limiter.remaining()).isEqualTo(3);
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.remaining()).isEqualTo(4);
        assertThat(limiter.resetInNanos()).isZero();
    }

    @Test
    void cancelInTheSameWindowTakesTheUseOffIt() {
        RateLimiter limiter = slidingWindow(2, Duration.ofSeconds(1));
        takeAll(limiter, 1);
        clock.advance(Duration.ofMillis(500));

        limiter.tryAcquire().permit().cancel();

        assertThat(limiter.remaining()).isEqualTo(1);
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofMillis(1500).toNanos());
    }

    @Test
    void cancelOfAPreviousWindowsUseTakesItOffThePreviousCount() {
        RateLimiter limiter = slidingWindow(2, Duration.ofSeconds(1));
        Permit permit = limiter.tryAcquire().permit();
        takeAll(limiter, 1);
        clock.advance(Duration.ofSeconds(1));

        permit.cancel();

        assertThat(limiter.remaining()).isEqualTo(1);
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void cancelOfAPreviousWindowsUseTakesOneOffTheRunningWindowWhenItHasUses() {
        RateLimiter limiter = slidingWindow(2, Duration.ofSeconds(1));
        Permit old = limiter.tryAcquire().permit();
        clock.advance(Duration.ofSeconds(1));
        takeAll(limiter, 1);
        assertThat(limiter.remaining()).isZero();

        old.cancel(); // the permit does not carry its window: the running window's count goes down

        assertThat(limiter.remaining()).isEqualTo(1);
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofSeconds(1).toNanos()); // only previous counts now
    }

    @Test
    void cancelAfterBothWindowsRolledOutGivesNothingBack() {
        RateLimiter limiter = slidingWindow(2, Duration.ofSeconds(1));
        Permit permit = limiter.tryAcquire().permit();
        clock.advance(Duration.ofSeconds(2));

        permit.cancel();

        assertThat(admitted(limiter)).isEqualTo(2);
    }

    @Test
    void waitersAreWokenAtTheExactTimeEachUseFits() {
        RateLimiter limiter = slidingWindow(3, Duration.ofSeconds(1));
        takeAll(limiter, 3);
        CompletableFuture<Permit> first = limiter.acquireAsync();
        CompletableFuture<Permit> second = limiter.acquireAsync();

        clock.advance(Duration.ofNanos(1_333_333_333L));
        assertThat(first).isNotDone();
        clock.advance(Duration.ofNanos(1));
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        // with one use in the running window: 3 * (1 s - e) / 1 s <= 1 from e = 1 s - floor(1 s / 3)
        clock.advance(Duration.ofNanos(666_666_667L - 333_333_334L - 1));
        assertThat(second).isNotDone();
        clock.advance(Duration.ofNanos(1));

        assertThat(second).isCompleted();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void theWeightOfALongWindowIsExactWherePreviousTimesElapsedOverflowsALong() {
        long window = Nanos.FOREVER;
        RateLimiter limiter = slidingWindow(Integer.MAX_VALUE, Duration.ofNanos(window));
        takeAll(limiter, 3);
        clock.advance(Duration.ofNanos(window + window / 2)); // 3 * window / 2 is beyond Long.MAX_VALUE

        assertThat(limiter.remaining()).isEqualTo(Integer.MAX_VALUE - 2); // ceil(3 * 0.5000...1) = 2
    }

    @Test
    void badTermsAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> RateLimiters.slidingWindow(0, Duration.ofSeconds(1)))
                .hasMessage("limit must be > 0 but was 0");
        assertThatThrownBy(() -> RateLimiters.slidingWindow(1, Duration.ZERO))
                .hasMessage("window must be > 0 but was PT0S");
    }

    @Test
    void toStringNamesTheTerms() {
        assertThat(RateLimiters.slidingWindow(10, Duration.ofSeconds(1))).hasToString("slidingWindow(10 per PT1S)");
        assertThat(RateLimiters.slidingWindowBuilder(10, Duration.ofSeconds(1)).name("api").build())
                .hasToString("slidingWindow(api: 10 per PT1S)");
    }
}
