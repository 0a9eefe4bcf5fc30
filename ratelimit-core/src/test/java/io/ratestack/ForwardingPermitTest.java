package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A forwarding permit ends the permit it wraps once, the same way, and then runs its subclass's step once. */
class ForwardingPermitTest {

    private final FakeClock clock = new FakeClock();
    private final RateLimiter limiter = RateLimiters.timesPerBuilder(10, Duration.ofSeconds(1)).clock(clock).build();
    private final List<String> ended = new ArrayList<>();

    private Permit forwarding(Permit permit) {
        return new ForwardingPermit(permit) {
            @Override
            protected void completed() {
                ended.add("completed");
            }

            @Override
            protected void cancelled() {
                ended.add("cancelled");
            }
        };
    }

    @Test
    void theFirstEndingEndsTheWrappedPermitAndRunsItsStepOnce() {
        Permit permit = forwarding(limiter.tryAcquire(3).permit());

        permit.close(2);
        permit.cancel();
        permit.close();

        assertThat(ended).containsExactly("completed");
        assertThat(limiter.remaining()).as("the settled cost of 2 counts").isEqualTo(8);
    }

    @Test
    void aCancelRefundsTheWrappedPermit() {
        Permit permit = forwarding(limiter.tryAcquire(3).permit());

        permit.cancel();

        assertThat(ended).containsExactly("cancelled");
        assertThat(limiter.remaining()).isEqualTo(10);
    }

    @Test
    void aNegativeSettlementEndsNothing() {
        Permit permit = forwarding(limiter.tryAcquire().permit());

        assertThatThrownBy(() -> permit.close(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actualCost must be >= 0 but was -1");
        assertThat(ended).isEmpty();

        permit.close();
        assertThat(ended).containsExactly("completed");
    }

    @Test
    void threadsRacingToEndItRunTheStepOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            AtomicInteger steps = new AtomicInteger();
            Permit permit = new ForwardingPermit(limiter.tryAcquire().permit()) {
                @Override
                protected void completed() {
                    steps.incrementAndGet();
                }

                @Override
                protected void cancelled() {
                    steps.incrementAndGet();
                }
            };
            CyclicBarrier start = new CyclicBarrier(3);
            List<Thread> threads = List.of(
                    new Thread(() -> awaitThen(start, permit::close)),
                    new Thread(() -> awaitThen(start, permit::cancel)),
                    new Thread(() -> awaitThen(start, () -> permit.close(0))));
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(steps.get()).isEqualTo(1);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(limiter.remaining()).isEqualTo(10);
    }

    private static void awaitThen(CyclicBarrier start, Runnable end) {
        try {
            start.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        end.run();
    }
}
