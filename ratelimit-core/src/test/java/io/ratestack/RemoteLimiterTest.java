package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What remote limiters add to the contract: no polling, staged composites that keep nothing, real threads. */
class RemoteLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RemoteFixtures.Far far(int limit) {
        return RemoteFixtures.far(clock, limit, Duration.ofSeconds(1));
    }

    @Test
    void waitersAskTheRemoteLimitOnlyWhenItsRetryAfterHasPassed() {
        RemoteFixtures.Far far = far(1);
        RateLimiter limiter = RateLimiters.remote(far, clock);
        limiter.tryAcquire().permit().close();
        List<CompletableFuture<Permit>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(limiter.acquireAsync());
        }
        int asked = far.tries.get();

        clock.advance(Duration.ofMillis(999));
        assertThat(far.tries.get()).isEqualTo(asked);

        clock.advance(Duration.ofMillis(1));
        assertThat(waiters.get(0)).isCompleted();
        assertThat(waiters.get(1)).isNotDone();
        assertThat(far.tries.get()).isEqualTo(asked + 2); // the head's admission, then one refusal for the next
    }

    @Test
    void aUseEndedThroughTheLimiterWakesTheQueueAtOnce() {
        RemoteFixtures.Far far = new RemoteFixtures.Far(RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(-1)).clock(clock).build()); // a window of zero: caps uses in flight
        RateLimiter limiter = RateLimiters.remote(far, clock);
        Permit held = limiter.tryAcquire().permit();
        CompletableFuture<Permit> waiter = limiter.acquireAsync();

        held.cancel();

        assertThat(waiter).isCompleted();
    }

    @Test
    void allGivesBackTheInMemorySlotWhenTheRemotePartRefuses() {
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter remote = RateLimiters.remote(far(1), clock);
        RateLimiter both = RateLimiters.all(remote, local);
        both.tryAcquire().permit().close();

        AcquireResult refused = both.tryAcquire();

        assertThat(refused).isInstanceOf(Refusal.class);
        assertThat(((Refusal) refused).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(local.remaining()).isEqualTo(4);
        assertThat(remote.remaining()).isZero();
    }

    @Test
    void anAllLimiterAsksTheRemotePartOnlyWhenTheInMemoryPartsAdmit() {
        RemoteFixtures.Far far = far(5);
        RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(RateLimiters.remote(far, clock), local);
        both.tryAcquire().permit().close();

        assertThat(both.tryAcquire().isGranted()).isFalse();
        assertThat(far.tries.get()).isEqualTo(1);
    }

    @Test
    void compositesRejectLimitersOfOtherClocksAndOtherMakers() {
        RateLimiter remote = RateLimiters.remote(far(1), clock);
        RateLimiter elsewhere = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(new FakeClock()).build();

        assertThatThrownBy(() -> RateLimiters.all(remote, elsewhere))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("share one clock");
        assertThatThrownBy(() -> RateLimiters.any(remote, new ForeignLimiter()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be made by RateLimiters");
    }

    @Test
    void pausedRemoteLimiterRefusesWithThePauseAndServesWaitersAfterIt() {
        RateLimiter limiter = RateLimiters.remote(far(5), clock);
        limiter.pause(Duration.ofSeconds(3));

        assertThat(limiter.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(3).toNanos(), 0));
        CompletableFuture<Permit> waiter = limiter.acquireAsync();
        clock.advance(Duration.ofMillis(2999));
        assertThat(waiter).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(waiter).isCompleted();
    }

    @Test
    void pausingAMixedCompositePausesEveryPart() {
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter remote = RateLimiters.remote(far(5), clock);
        RateLimiter both = RateLimiters.all(local, remote);

        both.pause(Duration.ofSeconds(2));

        assertThat(local.tryAcquire().isGranted()).isFalse();
        assertThat(remote.tryAcquire().isGranted()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(both.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void realThreadsNeverHoldMoreThanTheLimitAndNoWakeUpIsLost() throws Exception {
        // A window of zero caps the uses in flight, like a semaphore; the clock never moves, so every waiter is
        // woken by a use that another thread ended through the limiter: a lost wake-up would hang a thread.
        RemoteFixtures.Far far = new RemoteFixtures.Far(RateLimiters.timesPerBuilder(3, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(-1)).clock(clock).build());
        RateLimiter limiter = RateLimiters.remote(far, clock);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 300; i++) {
                    Permit permit = limiter.acquire(i % 3, Duration.ofMinutes(1));
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    inFlight.decrementAndGet();
                    if (i % 2 == 0) {
                        permit.close();
                    } else {
                        permit.cancel();
                    }
                    done.incrementAndGet();
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30).toMillis());
        }

        assertThat(done.get()).isEqualTo(8 * 300);
        assertThat(most.get()).isLessThanOrEqualTo(3);
        assertThat(limiter.waiting()).isZero();
        assertThat(far.limiter.remaining()).isEqualTo(3);
    }

    /** A limiter made elsewhere. */
    private static final class ForeignLimiter implements RateLimiter {
        @Override
        public AcquireResult tryAcquire(int cost) {
            return new Refusal(0, 0);
        }

        @Override
        public Permit acquire(int cost, int priority, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Permit> acquireAsync(int cost, int priority, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RateLimitStatus status() {
            return RateLimitStatus.LOCKED;
        }

        @Override
        public int remaining() {
            return 0;
        }

        @Override
        public long resetInNanos() {
            return 0;
        }

        @Override
        public void pause(Duration duration) {
        }

        @Override
        public int waiting() {
            return 0;
        }

        @Override
        public Subscription onStatusChange(java.util.function.Consumer<RateLimitStatus> listener) {
            return () -> { };
        }

        @Override
        public void close() {
        }
    }
}
