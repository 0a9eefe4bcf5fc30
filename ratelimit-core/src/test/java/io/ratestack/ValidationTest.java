package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad arguments fail at once, naming the argument and the value. */
class ValidationTest {

    @Test
    void limitMustBePositive() {
        assertThatThrownBy(() -> RateLimiters.timesPer(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit must be > 0 but was -1");
        assertThatThrownBy(() -> RateLimiters.timesPer(0, Duration.ofSeconds(1)))
                .hasMessage("limit must be > 0 but was 0");
    }

    @Test
    void periodMustBePositive() {
        assertThatThrownBy(() -> RateLimiters.timesPer(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("per must be > 0 but was PT0S");
        assertThatThrownBy(() -> RateLimiters.timesPer(1, Duration.ofMillis(-5)))
                .hasMessage("per must be > 0 but was PT-0.005S");
        assertThatThrownBy(() -> RateLimiters.timesPer(1, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("per must not be null");
    }

    @Test
    void resetOffsetMayShortenTheWindowToZeroButNoFurther() {
        RateLimiters.TimesPerBuilder builder = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1));

        assertThat(builder.resetOffset(Duration.ofSeconds(-1)).build()).isNotNull();
        assertThatThrownBy(() -> builder.resetOffset(Duration.ofMillis(-1001)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("per + resetOffset must be >= 0 but was PT1S + PT-1.001S = PT-0.001S");
    }

    @Test
    void permitsMustBePositive() {
        assertThatThrownBy(() -> RateLimiters.concurrency(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be > 0 but was 0");
        assertThatThrownBy(() -> RateLimiters.concurrencyBuilder(-3))
                .hasMessage("permits must be > 0 but was -3");
    }

    @Test
    void concurrencyRetryAfterHintMustBePositive() {
        RateLimiters.ConcurrencyBuilder builder = RateLimiters.concurrencyBuilder(1);

        assertThatThrownBy(() -> builder.retryAfter(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retryAfter must be > 0 but was PT0S");
        assertThatThrownBy(() -> builder.retryAfter(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("retryAfter must not be null");
    }

    @Test
    void refusalValuesMustNotBeNegative() {
        assertThatThrownBy(() -> new Refusal(-1, 0)).hasMessage("retryAfterNanos must be >= 0 but was -1");
        assertThatThrownBy(() -> new Refusal(0, -1)).hasMessage("remaining must be >= 0 but was -1");
    }

    @Test
    void fakeClockCannotGoBack() {
        FakeClock clock = new FakeClock();

        assertThatThrownBy(() -> clock.advance(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("amount must be >= 0 but was PT-0.000000001S");
    }
}
