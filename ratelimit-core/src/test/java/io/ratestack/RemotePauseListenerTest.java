package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Review regression: a listener is told each change of status(). When a RemoteLimiter is paused while it has room
 * and no window runs, publishStatus() schedules its recheck at max(pause, 1 s): a pause shorter than a second is
 * reported as over only a second after it began (the in-memory limiters report it when it ends).
 */
class RemotePauseListenerTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void listenersAreToldWhenAShortPauseEnds() {
        RateLimiter limiter = RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1));
        List<RateLimitStatus> seen = new CopyOnWriteArrayList<>();
        limiter.onStatusChange(seen::add);

        limiter.pause(Duration.ofMillis(200));
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
        clock.advance(Duration.ofMillis(200));

        assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);
    }
}
