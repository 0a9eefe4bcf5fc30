package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * What remote limiters add to the contract: no polling, composites that ask stores only after their in-memory parts
 * admitted and keep nothing of a refused use, real threads.
 */
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
    void anyPassesOverARefusingRemotePartToTheNextChild() {
        RemoteFixtures.Slots full = new RemoteFixtures.Slots(0, false);
        RemoteFixtures.Slots open = new RemoteFixtures.Slots(1, false);
        RateLimiter either = RateLimiters.any(RateLimiters.remote(full, clock), RateLimiters.remote(open, clock));

        Permit permit = either.tryAcquire().permit();

        assertThat(full.tries.get()).isEqualTo(1);
        assertThat(open.free.get()).isZero();
        permit.cancel();
        assertThat(open.free.get()).isEqualTo(1);
    }

    @Test
    void allGivesBackARemoteUseGrantedBeforeAnotherRemotePartRefused() {
        RemoteFixtures.Slots first = new RemoteFixtures.Slots(1, false);
        RemoteFixtures.Slots second = new RemoteFixtures.Slots(0, false);
        second.retryAfter.set(Duration.ofSeconds(7).toNanos());
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter all = RateLimiters.all(
                RateLimiters.remote(first, clock), RateLimiters.remote(second, clock), local);

        AcquireResult refused = all.tryAcquire();

        assertThat(refused).isEqualTo(new Refusal(Duration.ofSeconds(7).toNanos(), 0));
        assertThat(first.free.get()).as("the use granted by the first store is given back").isEqualTo(1);
        assertThat(local.remaining()).isEqualTo(5);
        assertThat(first.tries.get()).isEqualTo(1);
        assertThat(second.tries.get()).isEqualTo(1);
    }

    @Test
    void anAttemptAsksEachRemotePartAtMostOnce() {
        RemoteFixtures.Slots a = new RemoteFixtures.Slots(0, false);
        RemoteFixtures.Slots b = new RemoteFixtures.Slots(1, false);
        RemoteFixtures.Slots c = new RemoteFixtures.Slots(0, false);
        RateLimiter tree = RateLimiters.all(
                RateLimiters.any(RateLimiters.remote(a, clock), RateLimiters.remote(b, clock)),
                RateLimiters.remote(c, clock));

        assertThat(tree.tryAcquire().isGranted()).isFalse();

        assertThat(List.of(a.tries.get(), b.tries.get(), c.tries.get())).containsExactly(1, 1, 1);
        assertThat(b.free.get()).as("b admitted, then c refused: b's use is given back").isEqualTo(1);
    }

    @Test
    void aMixedCompositesWaiterIsTriedWhenTheInMemoryPartThatRefusedFreesRoom() {
        RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofHours(1)).clock(clock).build();
        Permit held = local.tryAcquire().permit();
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(5, false);
        RateLimiter both = RateLimiters.all(local, RateLimiters.remote(store, clock));
        CompletableFuture<Permit> waiter = both.acquireAsync();
        assertThat(waiter).isNotDone();
        assertThat(store.tries.get()).as("the in-memory part refused first").isZero();

        held.cancel();

        assertThat(waiter).isCompleted();
        assertThat(store.tries.get()).isEqualTo(1);
    }

    @Test
    void aMixedCompositesWaiterAsksARefusingStoreOnlyAtItsRetryAfter() {
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false);
        store.retryAfter.set(Duration.ofSeconds(5).toNanos());
        RateLimiter both = RateLimiters.all(local, RateLimiters.remote(store, clock));
        CompletableFuture<Permit> waiter = both.acquireAsync(); // the store refuses: try again in 5 s
        assertThat(store.tries.get()).isEqualTo(1);

        local.tryAcquire().permit().cancel(); // the in-memory part changes; the store's refusal stands
        clock.advance(Duration.ofMillis(4999));
        assertThat(store.tries.get()).isEqualTo(1);
        store.free.set(1);
        clock.advance(Duration.ofMillis(1));

        assertThat(waiter).isCompleted();
        assertThat(store.tries.get()).isEqualTo(2);
        assertThat(local.remaining()).isEqualTo(4);
    }

    @Test
    void aWaiterRefusedByAStoreWhileAUseThroughItEndedIsTriedAgain() {
        RateLimiter local = RateLimiters.concurrencyBuilder(1).clock(clock).build();
        Permit localUse = local.tryAcquire().permit();
        AtomicReference<Runnable> whileRefusing = new AtomicReference<>();
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(1, false) {
            @Override
            public AcquireResult tryAcquire(int cost) {
                AcquireResult result = super.tryAcquire(cost);
                Runnable hook = whileRefusing.getAndSet(null);
                if (hook != null && !result.isGranted()) {
                    hook.run(); // a use through this store ends after it decided to refuse, before the answer arrives
                }
                return result;
            }
        };
        store.retryAfter.set(Duration.ofHours(1).toNanos());
        RateLimiter remote = RateLimiters.remote(store, clock);
        Permit remoteUse = remote.tryAcquire().permit();
        RateLimiter both = RateLimiters.all(local, remote);
        CompletableFuture<Permit> waiter = both.acquireAsync(); // the in-memory part refuses
        whileRefusing.set(remoteUse::cancel);

        localUse.cancel(); // the waiter asks the store, which refuses as the other use gives its slot back

        assertThat(waiter).as("the refusal is stale: the store has room").isCompleted();
        assertThat(store.free.get()).isZero();
    }

    @Test
    void waitersOfLimitersSharingARemotePartGoByPriorityThenArrival() {
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false);
        RateLimiter remote = RateLimiters.remote(store, clock);
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter composite = RateLimiters.all(local, remote);
        CompletableFuture<Permit> early = remote.acquireAsync(5, Duration.ofMinutes(1)); // refused: 1 s
        CompletableFuture<Permit> urgent = composite.acquireAsync(1, Duration.ofMinutes(1));

        store.free.set(1);
        clock.advance(Duration.ofSeconds(1));

        assertThat(urgent).as("one queue on the shared part, by priority").isCompleted();
        assertThat(early).isNotDone();
        urgent.join().cancel();
        assertThat(early).isCompleted();
    }

    @Test
    void aStoreThatCanNeverAdmitAgainFailsTheWaiters() {
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false);
        RateLimiter remote = RateLimiters.remote(store, clock);
        CompletableFuture<Permit> waiter = remote.acquireAsync(); // refused: tried again in a second
        store.retryAfter.set(Refusal.NEVER);

        clock.advance(Duration.ofSeconds(1));

        assertThat(waiter).isCompletedExceptionally();
        assertThat(remote.waiting()).isZero();
        assertThatThrownBy(() -> remote.acquire(Duration.ofMinutes(1))).isInstanceOf(RateLimitedException.class);
    }

    @Test
    void readsOfAMixedCompositeReadTheStoreAndTakeNothing() {
        RemoteFixtures.Slots store = new RemoteFixtures.Slots(3, false);
        RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(RateLimiters.remote(store, clock), local);

        assertThat(both.remaining()).isEqualTo(3);
        store.free.set(0); // another instance took the rest
        assertThat(both.status()).isEqualTo(RateLimitStatus.LOCKED);
        assertThat(both.remaining()).isZero();
        assertThat(RateLimiters.any(RateLimiters.remote(store, clock), local).remaining()).isEqualTo(5);

        assertThat(store.tries.get()).isZero();
        assertThat(local.remaining()).isEqualTo(5);
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

        Hammered run = hammer(300, thread -> limiter, limiter);

        assertThat(run.done()).isEqualTo(8 * 300);
        assertThat(run.most()).isLessThanOrEqualTo(3);
        assertThat(limiter.waiting()).isZero();
        assertThat(far.limiter.remaining()).isEqualTo(3);
    }

    @Test
    void realThreadsOnAMixedCompositeHoldNoMoreThanEitherPartAndGiveEverythingBack() throws Exception {
        // The store caps uses in flight at 3, the in-memory part at 2, and they bind in turn as threads take and end
        // uses: refused rounds give back slots of both kinds while other threads take them. The clock never moves.
        RemoteFixtures.Far far = new RemoteFixtures.Far(RateLimiters.timesPerBuilder(3, Duration.ofSeconds(1))
                .resetOffset(Duration.ofSeconds(-1)).clock(clock).build());
        RateLimiter local = RateLimiters.concurrencyBuilder(2).clock(clock).build();
        RateLimiter remote = RateLimiters.remote(far, clock);
        RateLimiter both = RateLimiters.all(local, remote);

        // Some threads use the remote part alone, so the store binds while the in-memory part has room.
        Hammered run = hammer(200, thread -> thread % 4 == 0 ? remote : both, both);

        assertThat(run.done()).isEqualTo(8 * 200);
        assertThat(run.most()).isLessThanOrEqualTo(2);
        assertThat(both.waiting()).isZero();
        assertThat(remote.waiting()).isZero();
        assertThat(far.limiter.remaining()).isEqualTo(3);
        assertThat(local.remaining()).isEqualTo(2);
    }

    /** How many uses the threads of {@link #hammer} made, and the most held at once through the counted limiter. */
    private record Hammered(int done, int most) {
    }

    /**
     * Eight threads each wait for {@code uses} uses through {@code through.apply(thread)}, at priorities 0 to 2, and
     * end them at once, completing every other one and cancelling the rest.
     */
    private static Hammered hammer(int uses, IntFunction<RateLimiter> through, RateLimiter counted)
            throws InterruptedException {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RateLimiter limiter = through.apply(t);
            Thread thread = new Thread(() -> {
                for (int i = 0; i < uses; i++) {
                    Permit permit = limiter.acquire(i % 3, Duration.ofMinutes(1));
                    if (limiter == counted) {
                        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        inFlight.decrementAndGet();
                    }
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
        return new Hammered(done.get(), most.get());
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
