package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link RateLimiter#pause(Duration)}: a server's Retry-After, honoured. */
class PauseTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit) {
        return RateLimiters.timesPerBuilder(limit, Duration.ofSeconds(1)).clock(clock).build();
    }

    @Test
    void aPausedLimiterRefusesUntilThePauseEnds() {
        RateLimiter limiter = timesPer(5);

        limiter.pause(Duration.ofSeconds(3));

        AcquireResult refused = limiter.tryAcquire();
        assertThat(refused.isGranted()).isFalse();
        assertThat(((Refusal) refused).retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(limiter.remaining()).isZero();
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
        clock.advance(Duration.ofMillis(2999));
        assertThat(limiter.status()).isEqualTo(RateLimitStatus.LOCKED);
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(limiter.remaining()).isEqualTo(5);
    }

    @Test
    void waitersAreServedWhenThePauseEnds() {
        RateLimiter limiter = timesPer(5);
        limiter.pause(Duration.ofSeconds(2));

        CompletableFuture<Permit> waiting = limiter.acquireAsync();
        clock.advance(Duration.ofMillis(1999));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(waiting).isCompleted();
    }

    @Test
    void aLaterPauseExtendsAnEarlierOneNeverShortensIt() {
        RateLimiter limiter = timesPer(5);
        limiter.pause(Duration.ofSeconds(5));
        limiter.pause(Duration.ofSeconds(1));

        clock.advance(Duration.ofSeconds(4));
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        limiter.pause(Duration.ofSeconds(3));
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void pausingACompositePausesEveryLimiterInIt() {
        RateLimiter global = timesPer(10);
        RateLimiter path = timesPer(1);
        RateLimiter other = timesPer(1);

        RateLimiters.all(global, path).pause(Duration.ofSeconds(2));

        assertThat(RateLimiters.all(global, other).tryAcquire().isGranted()).isFalse();
        assertThat(other.tryAcquire().isGranted()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(RateLimiters.all(global, path).tryAcquire().isGranted()).isTrue();
    }

    @Test
    void heldPermitsAreUnaffectedAndTheWindowStillCounts() {
        RateLimiter limiter = timesPer(1);
        Permit held = limiter.tryAcquire().permit();
        limiter.pause(Duration.ofMillis(500));

        held.close(); // completes at 0: the window runs to 1 s, past the pause

        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void listenersHearThePause() {
        RateLimiter limiter = timesPer(5);
        List<RateLimitStatus> seen = new ArrayList<>();
        limiter.onStatusChange(seen::add);

        limiter.pause(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));

        assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);
    }

    @Test
    void zeroDoesNothingAndNegativeIsRejected() {
        RateLimiter limiter = timesPer(1);
        limiter.pause(Duration.ZERO);
        assertThat(limiter.tryAcquire().isGranted()).isTrue();
        assertThatThrownBy(() -> limiter.pause(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duration must be >= 0 but was PT-1S");
    }

    @Test
    void limitValuesAreChecked() {
        assertThatThrownBy(() -> Limit.of(0, Duration.ofSeconds(1))).hasMessage("limit must be > 0 but was 0");
        assertThatThrownBy(() -> Limit.of(1, Duration.ZERO)).hasMessage("per must be > 0 but was PT0S");
        assertThatThrownBy(() -> Limit.of(1, Duration.ofSeconds(1)).withResetOffset(Duration.ofSeconds(-2)))
                .hasMessage("per + resetOffset must be >= 0 but was PT1S + PT-2S = PT-1S");
        RateLimiter made = RateLimiters.timesPer(Limit.of(3, Duration.ofSeconds(2)).named("burst"), clock);
        assertThat(made).hasToString("timesPer(burst: 3 per PT2S)");
    }
}
