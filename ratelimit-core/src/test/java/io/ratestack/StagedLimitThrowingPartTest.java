package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * Review regression: StagedLimit.tryAll() takes the in-memory parts first and gives them back only when a later
 * part refuses; when a later part throws instead (RedisLimits' RemoteLimit lets a CancellationException out, see
 * RedisClosedConnectionTest) the in-memory slots already taken are never given back: they stay in flight forever and
 * the in-memory limiter loses that capacity for good.
 */
class StagedLimitThrowingPartTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void aPartThatThrowsDoesNotLeakTheSlotsTakenBeforeIt() {
        RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter failing = RateLimiters.remote(new RemoteLimit() {
            @Override
            public AcquireResult tryAcquire(int cost) {
                throw new CancellationException("the store's connection was closed");
            }

            @Override
            public State state() {
                return new State(1, 0);
            }
        }, clock);
        RateLimiter both = RateLimiters.all(failing, local);

        assertThatThrownBy(both::tryAcquire).isInstanceOf(CancellationException.class);

        assertThat(local.remaining()).as("the in-memory slot is given back").isEqualTo(1);
        assertThat(local.tryAcquire().isGranted()).isTrue();
    }
}
