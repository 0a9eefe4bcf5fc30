package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimiter#pause(Duration)}, a server's Retry-After honoured, beyond what {@link RateLimiterContract} pins
 * for every kind (a pause refuses until it ends, then serves the queue): pauses only extend, a composite pauses its
 * parts, held uses still count, listeners hear it, and its duration is checked.
 */
class PauseTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit) {
        return RateLimiters.timesPerBuilder(limit, Duration.ofSeconds(1)).clock(clock).build();
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
