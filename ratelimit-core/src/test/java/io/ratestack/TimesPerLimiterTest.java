package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The times-per limiter's window rules, on a fake clock. */
class TimesPerLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit, Duration per) {
        return RateLimiters.timesPerBuilder(limit, per).clock(clock).build();
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void remainingCountsUsedAndInFlightSlots() {
        RateLimiter limiter = timesPer(3, Duration.ofSeconds(1));

        Permit completed = limiter.tryAcquire().permit();
        completed.close();
        Permit held = limiter.tryAcquire().permit();

        assertThat(limiter.remaining()).isEqualTo(1);
        held.close();
        assertThat(limiter.remaining()).isEqualTo(1);
    }

    @Test
    void windowStartsWhenTheFirstUseCompletesNotWhenItIsAcquired() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));
        Permit permit = limiter.tryAcquire().permit();
        clock.advance(Duration.ofSeconds(5));
        permit.close();

        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofSeconds(1));
    }

    @Test
    void refusalSaysWhenTheWindowEnds() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().close();
        clock.advance(ms(300));

        AcquireResult result = limiter.tryAcquire();

        assertThat(result).isInstanceOf(Refusal.class);
        Refusal refusal = (Refusal) result;
        assertThat(refusal.retryAfter()).isEqualTo(ms(700));
        assertThat(refusal.remaining()).isZero();
    }

    @Test
    void resetInCountsDownTheRunningWindow() {
        RateLimiter limiter = timesPer(5, Duration.ofSeconds(1));
        assertThat(limiter.resetInNanos()).isZero();
        limiter.tryAcquire().permit().close();
        clock.advance(ms(250));

        assertThat(limiter.resetInNanos()).isEqualTo(ms(750).toNanos());
        clock.advance(ms(750));
        assertThat(limiter.resetInNanos()).isZero();
    }

    @Test
    void refusalWhileEverySlotIsInFlightEstimatesOnePeriod() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(2));
        limiter.tryAcquire().permit();

        assertThat(((Refusal) limiter.tryAcquire()).retryAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void inFlightUsesKeepTheirSlotsAcrossAReset() {
        RateLimiter limiter = timesPer(2, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().close();
        Permit slow = limiter.tryAcquire().permit();

        clock.advance(Duration.ofSeconds(1));

        assertThat(limiter.remaining()).isEqualTo(1);
        slow.close(); // counts in the new window, which it starts
        assertThat(limiter.remaining()).isEqualTo(1);
        clock.advance(Duration.ofMillis(999));
        assertThat(limiter.remaining()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.remaining()).isEqualTo(2);
    }

    @Test
    void cancelFreesTheSlotAtOnceAndNeverStartsAWindow() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().cancel();
        assertThat(limiter.remaining()).isEqualTo(1);

        clock.advance(ms(500));
        limiter.tryAcquire().permit().close();

        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofSeconds(1));
    }

    @Test
    void cancelAfterAResetNeverCreditsTheNewWindow() {
        RateLimiter limiter = timesPer(2, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().close();
        Permit inFlight = limiter.tryAcquire().permit();
        clock.advance(Duration.ofSeconds(1));

        inFlight.cancel();

        assertThat(limiter.remaining()).isEqualTo(2);
    }

    @Test
    void nextWindowStartsAtOnceWhenWaitersAreLeftAtAReset() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().close();
        CompletableFuture<Permit> first = limiter.acquireAsync();
        CompletableFuture<Permit> second = limiter.acquireAsync();

        clock.advance(Duration.ofSeconds(1));
        assertThat(first).isCompleted();
        clock.advance(ms(500));
        first.join().close(); // completes late, but the window began at the reset, with a waiter left

        clock.advance(ms(499));
        assertThat(second).isNotDone();
        clock.advance(ms(1));
        assertThat(second).isCompleted();
    }

    @Test
    void nextWindowStartsAtTheCompletionWhenNoWaiterIsLeftAtAReset() {
        RateLimiter limiter = timesPer(1, Duration.ofSeconds(1));
        limiter.tryAcquire().permit().close();
        CompletableFuture<Permit> only = limiter.acquireAsync();

        clock.advance(Duration.ofSeconds(1));
        clock.advance(ms(500));
        only.join().close();

        Uses.assertAdmitsOnlyAfter(clock, limiter, Duration.ofSeconds(1));
    }

    @Test
    void windowsCanBeMadeToStartOnlyAtCompletionsEvenWithWaitersLeft() {
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock)
                .startWindowsAtCompletion(true).build();
        limiter.tryAcquire().permit().close();
        CompletableFuture<Permit> first = limiter.acquireAsync();
        CompletableFuture<Permit> second = limiter.acquireAsync();

        clock.advance(Duration.ofSeconds(1));
        assertThat(first).isCompleted();
        clock.advance(ms(500));
        first.join().close(); // the window starts here, not at the reset

        clock.advance(ms(999));
        assertThat(second).isNotDone();
        clock.advance(ms(1));
        assertThat(second).isCompleted();
    }

    /** A window per {@code per}, moved by {@code offset}: {@code window} long from the use that starts it. */
    static Stream<Arguments> resetOffsets() {
        return Stream.of(
                Arguments.of("a negative offset shortens the window", Duration.ofSeconds(2), Duration.ofSeconds(-1),
                        Duration.ofSeconds(1)),
                Arguments.of("a positive offset lengthens the window", Duration.ofSeconds(1), ms(250), ms(1250)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resetOffsets")
    void theResetOffsetMovesTheWindowsEnd(String behaviour, Duration per, Duration offset, Duration window) {
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, per).resetOffset(offset).clock(clock).build();
        limiter.tryAcquire().permit().close();

        Uses.assertAdmitsOnlyAfter(clock, limiter, window);
    }

    @Test
    void zeroLengthWindowLimitsOnlyUsesInFlight() {
        RateLimiter limiter = RateLimiters.timesPerBuilder(2, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(-1)).clock(clock).build();

        Permit a = limiter.tryAcquire().permit();
        Permit b = limiter.tryAcquire().permit();
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        a.close();
        b.close();

        assertThat(limiter.remaining()).isEqualTo(2);
    }

    @Test
    void windowsWorkAcrossTheWrapOfTheNanosecondClock() {
        FakeClock nearWrap = new FakeClock(Long.MAX_VALUE - Duration.ofMillis(500).toNanos());
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(nearWrap).build();
        limiter.tryAcquire().permit().close();

        nearWrap.advance(ms(999));
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        assertThat(((Refusal) limiter.tryAcquire()).retryAfter()).isEqualTo(ms(1));
        nearWrap.advance(ms(1));
        assertThat(limiter.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void toStringNamesTheLimits() {
        RateLimiter named = RateLimiters.timesPerBuilder(10, Duration.ofSeconds(10)).name("global").build();

        assertThat(named).hasToString("timesPer(global: 10 per PT10S)");
        assertThat(RateLimiters.all(named, RateLimiters.timesPer(1, Duration.ofSeconds(1))))
                .hasToString("all(timesPer(global: 10 per PT10S), timesPer(1 per PT1S))");
    }
}
