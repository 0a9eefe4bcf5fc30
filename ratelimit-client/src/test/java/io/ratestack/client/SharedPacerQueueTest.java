package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RemoteFixtures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review regression: {@code RequestPacer.Builder.shared(remote)} makes every key's limiter an all() with a remote
 * part, that is a RemoteLimiter over a StagedLimit with a queue of its own. The in-memory global limits were then
 * no longer waited on through their shared leaf queues: a refund of one key's request did not wake another key's
 * waiter (it slept the refusal's retry-after, one period when the slot was in flight). Staged composites now
 * observe their parts while they wait. (Priorities order the waiters of one limiter; across keys whose limiters
 * share a remote part they are not kept, as docs/client-pacing.md says.) Runs without the shared limiter and with it.
 */
class SharedPacerQueueTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter roomyRemote() {
        return RemoteFixtures.remote(clock, 100, Duration.ofSeconds(1));
    }

    private RequestPacer pacer(boolean shared) {
        RequestPacer.Builder builder = RequestPacer.builder().global(Limit.of(1, Duration.ofMinutes(1))).clock(clock);
        if (shared) {
            builder.shared(roomyRemote());
        }
        return builder.build();
    }

    @ParameterizedTest(name = "shared={0}")
    @ValueSource(booleans = {false, true})
    void aRefundedRequestWakesTheWaiterOfAnotherKeyAtOnce(boolean shared) {
        RequestPacer pacer = pacer(shared);
        Permit x = pacer.acquire("/x", 0, Duration.ZERO); // the global slot, in flight
        CompletableFuture<Permit> y = pacer.acquireAsync("/y", 0, Duration.ofMinutes(5));
        assertThat(y).isNotDone();

        pacer.failed(x); // an I/O error: the use is refunded, the global slot is free now

        assertThat(y).isCompleted();
    }
}
