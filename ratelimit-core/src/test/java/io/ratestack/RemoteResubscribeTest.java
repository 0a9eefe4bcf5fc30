package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review regression: RemoteLimiter keeps its StatusPublisher after the last listener unsubscribes, and stops
 * recording statuses then (publishStatus returns early without listeners). A listener that subscribes later is told,
 * at once, the "change" from the status last delivered to the old listeners to the current one: a change that
 * happened before it subscribed. Runs over an in-memory limiter (passes) and a remote one (fails).
 */
class RemoteResubscribeTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter limiter(boolean remote) {
        RateLimiter far = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock)
                .startWindowsAtCompletion(true).build();
        if (!remote) {
            return far;
        }
        return RateLimiters.remote(new RemoteFixtures.Far(far), clock);
    }

    @ParameterizedTest(name = "remote={0}")
    @ValueSource(booleans = {false, true})
    void aLaterListenerIsNotToldOfChangesBeforeItSubscribed(boolean remote) {
        RateLimiter limiter = limiter(remote);
        List<RateLimitStatus> first = new CopyOnWriteArrayList<>();
        Subscription subscription = limiter.onStatusChange(first::add);
        limiter.tryAcquire().permit().close();
        assertThat(first).containsExactly(RateLimitStatus.LOCKED);
        subscription.close();
        clock.advance(Duration.ofSeconds(1)); // unlocked again, with no one listening
        assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);

        List<RateLimitStatus> second = new CopyOnWriteArrayList<>();
        limiter.onStatusChange(second::add);

        assertThat(second).as("told on subscribing, though nothing changed since").isEmpty();
    }
}
