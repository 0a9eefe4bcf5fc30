package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A token bucket on a fake clock: refill greedy or per interval, refunds up to capacity, initial tokens. */
class TokenBucketLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiters.TokenBucketBuilder bucket(int capacity, int refill, Duration period) {
        return RateLimiters.tokenBucketBuilder(capacity, refill, period).clock(clock);
    }

    private static void takeAll(RateLimiter limiter, int n) {
        for (int i = 0; i < n; i++) {
            limiter.tryAcquire().permit().close();
        }
    }

    @Test
    void startsFullAndAdmitsItsCapacityAtOnce() {
        RateLimiter limiter = bucket(5, 1, Duration.ofSeconds(1)).build();

        takeAll(limiter, 5);

        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        assertThat(limiter.remaining()).isZero();
    }

    @Test
    void greedyRefillAddsATokenAsSoonAsItsShareOfThePeriodHasPassed() {
        RateLimiter limiter = bucket(10, 10, Duration.ofSeconds(1)).build();
        takeAll(limiter, 10);

        clock.advance(Duration.ofMillis(99));
        assertThat(limiter.remaining()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.remaining()).isEqualTo(1);
        clock.advance(Duration.ofMillis(450));
        assertThat(limiter.remaining()).isEqualTo(5);
    }

    @Test
    void greedyRefillKeepsThePartOfATokenAcrossReads() {
        // 7 per 3 s: a token every 428.571... ms; reading every millisecond must not lose the fractions.
        RateLimiter limiter = bucket(7, 7, Duration.ofSeconds(3)).build();
        takeAll(limiter, 7);

        for (int ms = 0; ms < 3000; ms++) {
            clock.advance(Duration.ofMillis(1));
            limiter.remaining();
        }

        assertThat(limiter.remaining()).isEqualTo(7);
    }

    @Test
    void intervalRefillAddsTheWholeAmountAtEachPeriodEndAndNothingBetween() {
        RateLimiter limiter = bucket(10, 4, Duration.ofSeconds(1)).intervalRefill().build();
        takeAll(limiter, 10);

        clock.advance(Duration.ofMillis(999));
        assertThat(limiter.remaining()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.remaining()).isEqualTo(4);
        clock.advance(Duration.ofMillis(1500));
        assertThat(limiter.remaining()).isEqualTo(8);
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.remaining()).isEqualTo(10);
    }

    @Test
    void intervalPeriodsCountFromWhenTheBucketWasMadeNotFromTheLastUse() {
        RateLimiter limiter = bucket(2, 2, Duration.ofSeconds(1)).intervalRefill().build();
        clock.advance(Duration.ofMillis(900));
        takeAll(limiter, 2);

        clock.advance(Duration.ofMillis(100));

        assertThat(limiter.remaining()).isEqualTo(2);
    }

    @Test
    void neverHoldsMoreThanItsCapacity() {
        RateLimiter limiter = bucket(3, 10, Duration.ofSeconds(1)).build();
        takeAll(limiter, 3);

        clock.advance(Duration.ofDays(365));

        assertThat(limiter.remaining()).isEqualTo(3);
    }

    @Test
    void refundNeverFillsAboveCapacity() {
        RateLimiter limiter = bucket(2, 1, Duration.ofSeconds(1)).build();
        Permit held = limiter.tryAcquire().permit();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.remaining()).isEqualTo(2);

        held.cancel();

        assertThat(limiter.remaining()).isEqualTo(2);
    }

    @Test
    void initialTokensStartTheBucketPartlyFull() {
        RateLimiter empty = bucket(5, 1, Duration.ofSeconds(1)).initialTokens(0).build();
        RateLimiter two = bucket(5, 1, Duration.ofSeconds(1)).initialTokens(2).build();

        assertThat(empty.remaining()).isZero();
        assertThat(empty.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(1).toNanos(), 0));
        assertThat(two.remaining()).isEqualTo(2);
    }

    @Test
    void initialTokensOutsideZeroToCapacityAreRejected() {
        assertThatThrownBy(() -> bucket(5, 1, Duration.ofSeconds(1)).initialTokens(6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initialTokens must be >= 0 and <= 5 but was 6");
        assertThatThrownBy(() -> bucket(5, 1, Duration.ofSeconds(1)).initialTokens(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initialTokens must be >= 0 and <= 5 but was -1");
    }

    @Test
    void badTermsAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> RateLimiters.tokenBucket(0, 1, Duration.ofSeconds(1)))
                .hasMessage("capacity must be > 0 but was 0");
        assertThatThrownBy(() -> RateLimiters.tokenBucket(1, -2, Duration.ofSeconds(1)))
                .hasMessage("refillTokens must be > 0 but was -2");
        assertThatThrownBy(() -> RateLimiters.tokenBucket(1, 1, Duration.ZERO))
                .hasMessage("refillPeriod must be > 0 but was PT0S");
    }

    @Test
    void greedyRetryAfterIsTheExactTimeUntilOneToken() {
        // 7 per 3 s: 3e9 / 7 = 428,571,428.57 ns per token, so the first token comes at 428,571,429 ns.
        RateLimiter limiter = bucket(7, 7, Duration.ofSeconds(3)).build();
        takeAll(limiter, 7);

        long retryAfter = ((Refusal) limiter.tryAcquire()).retryAfterNanos();

        assertThat(retryAfter).isEqualTo(428_571_429L);
        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofNanos(retryAfter));
    }

    @Test
    void intervalRetryAfterIsTheTimeUntilThePeriodEnds() {
        RateLimiter limiter = bucket(3, 3, Duration.ofSeconds(1)).intervalRefill().build();
        clock.advance(Duration.ofMillis(300));
        takeAll(limiter, 3);

        assertThat(limiter.tryAcquire()).isEqualTo(new Refusal(Duration.ofMillis(700).toNanos(), 0));
    }

    @Test
    void resetIsTheTimeUntilTheBucketIsFull() {
        RateLimiter greedy = bucket(4, 2, Duration.ofSeconds(1)).build();
        RateLimiter interval = bucket(4, 2, Duration.ofSeconds(1)).intervalRefill().build();
        takeAll(greedy, 3);
        takeAll(interval, 3);
        clock.advance(Duration.ofMillis(100));

        assertThat(greedy.resetInNanos()).isEqualTo(Duration.ofMillis(1400).toNanos());
        assertThat(interval.resetInNanos()).isEqualTo(Duration.ofMillis(1900).toNanos());
        clock.advance(Duration.ofSeconds(2));
        assertThat(greedy.resetInNanos()).isZero();
        assertThat(interval.resetInNanos()).isZero();
    }

    @Test
    void waitersAreAdmittedOneByOneAsTokensArrive() {
        RateLimiter limiter = bucket(2, 2, Duration.ofSeconds(1)).build();
        takeAll(limiter, 2);
        CompletableFuture<Permit> first = limiter.acquireAsync();
        CompletableFuture<Permit> second = limiter.acquireAsync();

        clock.advance(Duration.ofMillis(500));
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        clock.advance(Duration.ofMillis(500));

        assertThat(second).isCompleted();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void toStringNamesTheTerms() {
        assertThat(RateLimiters.tokenBucket(10, 5, Duration.ofSeconds(1)))
                .hasToString("tokenBucket(10 tokens, 5 per PT1S)");
        assertThat(RateLimiters.tokenBucketBuilder(10, 5, Duration.ofSeconds(1)).intervalRefill().name("api").build())
                .hasToString("tokenBucket(api: 10 tokens, 5 every PT1S)");
    }
}
