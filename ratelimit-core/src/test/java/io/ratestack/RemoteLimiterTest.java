package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What remote parts add to the contract. A remote part is a leaf whose counts live in a store behind a
 * {@link RemoteLimit}; the plan asks the stores with no lock held, after the in-memory parts admitted, and gives back
 * everything of a use that one part refused. Waiters ask a store only when its last refusal's retry-after has passed
 * or a use through it ended; pauses, status listeners and close work as for every other leaf; the store is never
 * asked on the scheduler's timer thread.
 */
class RemoteLimiterTest {

    /** A clock reading 5 s before it wraps around, as {@link System#nanoTime()} may. */
    private static final long NEAR_WRAP = Long.MAX_VALUE - 5_000_000_000L;

    private final FakeClock clock = new FakeClock();

    private RemoteFixtures.Far far(int limit) {
        return RemoteFixtures.far(clock, limit, Duration.ofSeconds(1));
    }

    /** Waiters ask a store only at its last refusal's retry-after or when a use through it ended. */
    @Nested
    class Waiting {

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
        void aStatusListenerDoesNotMakeWaitersAskTheStoreBeforeTheRetryAfter() {
            // The status recheck (every second while locked with no window running) once shared the waiters' timer.
            RemoteFixtures.Slots store = new RemoteFixtures.Slots(1, false);
            store.retryAfter.set(Duration.ofMinutes(1).toNanos()); // one slot in flight: refusals say a period
            RateLimiter limiter = RateLimiters.remote(store, clock);
            limiter.onStatusChange(status -> { });
            Permit held = limiter.tryAcquire().permit();
            CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: retry after a minute
            int tries = store.tries.get();

            clock.advance(Duration.ofSeconds(59));

            assertThat(store.tries.get()).as("tries of the remote limit before the retry-after").isEqualTo(tries);
            assertThat(waiter).isNotDone();
            held.cancel();
            assertThat(waiter).isCompleted();
        }

        @Test
        void aWaiterWithdrawnWhileItsAdmissionIsMadeWakesTheNextWaiter() {
            // The withdrawn waiter's use ends through the limiter, or the waiter behind sleeps until its retry-after.
            OneSlot slot = new OneSlot();
            RateLimiter limiter = RateLimiters.remote(slot, clock);
            slot.free.set(0); // another instance holds the only slot
            slot.retryAfter.set(Duration.ofMillis(300).toNanos());
            CompletableFuture<Permit> first = limiter.acquireAsync(); // refused: tried again in 300 ms
            slot.retryAfter.set(Duration.ofHours(1).toNanos());
            CompletableFuture<Permit> second = limiter.acquireAsync(); // queued behind, not tried
            slot.free.set(1); // the other instance ended its use: found at the retry-after
            slot.whileAsked.set(() -> first.cancel(false)); // the caller gives up while its admission is made

            clock.advance(Duration.ofMillis(300));

            assertThat(first).isCancelled();
            assertThat(second).as("the given-back slot goes to the next waiter at once").isCompleted();
            second.join().close();
            assertThat(slot.free.get()).isEqualTo(1);
            assertThat(limiter.waiting()).isZero();
        }

        @Test
        void aStoreThatThrowsOnceDoesNotStopTheQueueForGood() {
            Flaky store = new Flaky();
            RateLimiter limiter = RateLimiters.remote(store, clock);
            CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: tried again in a second
            store.fail.set(true);
            assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);

            store.free.set(2); // room at last; a use taken and ended through the limiter wakes the queue
            limiter.tryAcquire().permit().cancel();
            clock.advance(Duration.ofMinutes(1));

            assertThat(waiter).isCompleted();
        }

        @ParameterizedTest(name = "clock starting at {0}")
        @ValueSource(longs = {0L, NEAR_WRAP})
        void anEarlierRetryAfterIsNotDroppedForALaterOneEvenWhereTheClockWraps(long start) {
            FakeClock clock = new FakeClock(start);
            RemoteFixtures.Slots store = new RemoteFixtures.Slots(1, true); // completed uses keep their slot
            RateLimiter limiter = RateLimiters.remote(store, clock);
            Permit held = limiter.tryAcquire().permit();
            store.retryAfter.set(Duration.ofSeconds(10).toNanos());
            CompletableFuture<Permit> waiter = limiter.acquireAsync(); // refused: try again in 10 s
            store.retryAfter.set(Duration.ofSeconds(1).toNanos());

            held.close(); // a use ended through the limiter: the head is tried, refused, told 1 s
            store.free.set(1); // room freed elsewhere, found at that retry-after
            clock.advance(Duration.ofSeconds(1));

            assertThat(waiter).isCompleted();
        }
    }

    /** All and any over remote and in-memory parts: stores asked last, at most once, nothing kept of a refusal. */
    @Nested
    class Composites {

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
        void allGivesBackTheInMemorySlotWhenTheRemotePartThrows() {
            // A store's client may let an exception out (RedisLimits: a CancellationException on a closed connection).
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
        void roomFreedInMemoryWhileTheStoreIsAskedGoesToTheWaiterAtOnce() {
            // Lost wake-up: the in-memory part refused, its use ended during the store's refusing try, before the
            // waiter queued; the refusal said a whole period.
            RateLimiter leaf = RateLimiters.timesPerBuilder(1, Duration.ofMinutes(1)).clock(clock).build();
            Permit inFlight = leaf.tryAcquire().permit(); // the leaf is full: refusals say a whole period
            AtomicReference<Permit> toEnd = new AtomicReference<>(inFlight);
            RemoteFixtures.Slots store = new RemoteFixtures.Slots(0, false) {
                @Override
                public AcquireResult tryAcquire(int cost) {
                    Permit ending = toEnd.getAndSet(null);
                    if (ending != null) {
                        ending.cancel(); // another thread's use of the leaf ends while the composite asks the store
                    }
                    return super.tryAcquire(cost);
                }
            };
            store.retryAfter.set(Duration.ofHours(1).toNanos());
            RateLimiter remote = RateLimiters.remote(store, clock);
            RateLimiter composite = RateLimiters.any(leaf, remote);

            CompletableFuture<Permit> waiter = composite.acquireAsync(Duration.ofMinutes(10));

            assertThat(waiter).as("the leaf's room, freed during the refusing try, goes to the waiter at once")
                    .isDone();
            assertThat(leaf.remaining()).isZero();
            composite.close();
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
                        // a use through this store ends after it decided to refuse, before the answer arrives
                        hook.run();
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
        void compositesRejectLimitersOfOtherClocksAndOtherMakers() {
            RateLimiter remote = RateLimiters.remote(far(1), clock);
            RateLimiter elsewhere = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(new FakeClock())
                    .build();

            assertThatThrownBy(() -> RateLimiters.all(remote, elsewhere))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("share one clock");
            assertThatThrownBy(() -> RateLimiters.any(remote, new ForeignLimiter()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be made by RateLimiters");
        }
    }

    /** A pause refuses, reads as nothing remaining, pauses every part of a composite and is never shortened. */
    @Nested
    class Pausing {

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
        void aPausedRemoteLimiterReportsNothingRemainingUntilThePauseEndsAsInMemoryLimitersDo() {
            RateLimiter limiter = RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1));
            RateLimiter inMemory = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();

            limiter.pause(Duration.ofSeconds(10));
            inMemory.pause(Duration.ofSeconds(10));

            assertThat(limiter.tryAcquire().isGranted()).isFalse();
            assertThat(inMemory.remaining()).isZero();
            assertThat(inMemory.resetInNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
            assertThat(limiter.remaining()).as("remaining while paused").isEqualTo(inMemory.remaining());
            assertThat(limiter.resetInNanos()).as("reset while paused").isEqualTo(inMemory.resetInNanos());
        }

        @Test
        void listenersAreToldWhenAPauseShorterThanASecondEnds() {
            RateLimiter limiter = RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1));
            List<RateLimitStatus> seen = new CopyOnWriteArrayList<>();
            limiter.onStatusChange(seen::add);

            limiter.pause(Duration.ofMillis(200));
            assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
            clock.advance(Duration.ofMillis(200));

            assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);
            assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);
        }

        @ParameterizedTest(name = "clock starting at {0}")
        @ValueSource(longs = {0L, NEAR_WRAP})
        void aShorterPauseDoesNotEndALongerOneEvenWhereTheClockWraps(long start) {
            FakeClock clock = new FakeClock(start);
            RemoteFixtures.Slots store = new RemoteFixtures.Slots(5, true);
            RateLimiter limiter = RateLimiters.remote(store, clock);

            limiter.pause(Duration.ofSeconds(10));
            limiter.pause(Duration.ofSeconds(1)); // "or until a later pause ends": the 10 s pause still holds
            clock.advance(Duration.ofSeconds(2));

            assertThat(limiter.tryAcquire().isGranted()).isFalse();
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
        void pausingAMixedAllLimiterPausesItsInMemoryPartsAndEveryLimiterSharingThem() {
            RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
            RateLimiter both = RateLimiters.all(RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1)), local);
            RateLimiter sharing = RateLimiters.all(local); // another limiter stacked on the same times-per limiter

            both.pause(Duration.ofSeconds(10));

            assertThat(both.tryAcquire().isGranted()).isFalse();
            assertThat(local.tryAcquire().isGranted()).as("the times-per part is paused").isFalse();
            assertThat(sharing.tryAcquire().isGranted()).as("so is every limiter sharing it").isFalse();
        }

        @Test
        void pausingAMixedAnyLimiterPausesItsInMemoryParts() {
            RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
            RateLimiter either = RateLimiters.any(local, RemoteFixtures.remote(clock, 5, Duration.ofSeconds(1)));

            either.pause(Duration.ofSeconds(10));

            assertThat(local.tryAcquire().isGranted()).as("the times-per part is paused").isFalse();
        }
    }

    /** Reads ask the store and take nothing; listeners hear each change; the last status delivered is the status. */
    @Nested
    class Status {

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

        @ParameterizedTest(name = "remote={0}")
        @ValueSource(booleans = {false, true})
        void aLaterListenerIsNotToldOfChangesBeforeItSubscribed(boolean remote) {
            RateLimiter far = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock)
                    .startWindowsAtCompletion(true).build();
            RateLimiter limiter = remote ? RateLimiters.remote(new RemoteFixtures.Far(far), clock) : far;
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

        @Test
        void theLastStatusDeliveredIsTheLimitersStatusWhenAStaleReadOfTheStoreRacesAChange() throws Exception {
            // Real threads; the interleaving is forced with latches inside the store's state().
            StallingSlots store = new StallingSlots();
            RateLimiter limiter = RateLimiters.remote(store, clock);
            List<RateLimitStatus> seen = new CopyOnWriteArrayList<>();
            limiter.onStatusChange(seen::add);
            Permit first = limiter.tryAcquire().permit(); // one slot left: still unlocked

            AtomicReference<Permit> second = new AtomicReference<>();
            Thread taker = new Thread(() -> second.set(limiter.tryAcquire().permit())); // takes the last slot
            store.stallAfterRead = taker;
            taker.start();
            assertThat(store.read.await(10, TimeUnit.SECONDS)).isTrue(); // it has read "locked", not yet told anyone

            first.cancel(); // meanwhile a slot comes back: unlocked again, and this thread publishes that
            store.resume.countDown();
            taker.join(10_000);

            assertThat(limiter.status()).isEqualTo(RateLimitStatus.UNLOCKED);
            assertThat(seen).as("statuses delivered").isNotEmpty();
            assertThat(seen.get(seen.size() - 1)).as("the last status delivered").isEqualTo(limiter.status());
            second.get().cancel();
        }
    }

    /** Closing a part fails the waiters of the mixed composites that can no longer admit without it. */
    @Nested
    class Closing {

        @Test
        void closingAnInMemoryPartFailsTheWaitersOfAMixedAllLimiter() {
            RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofHours(1)).clock(clock).build();
            RateLimiter both = RateLimiters.all(RemoteFixtures.remote(clock, 5, Duration.ofHours(1)), local);
            both.tryAcquire().permit().close();
            CompletableFuture<Permit> waiter = both.acquireAsync();
            assertThat(waiter).isNotDone();

            local.close();

            assertThat(waiter).isCompletedExceptionally(); // as an in-memory all(timesPer, local) fails it
            assertThat(both.waiting()).isZero();
        }

        @Test
        void closingTheRemotePartFailsTheWaitersOfAMixedAllLimiter() {
            RateLimiter remote = RemoteFixtures.remote(clock, 1, Duration.ofHours(1));
            RateLimiter local = RateLimiters.timesPerBuilder(5, Duration.ofHours(1)).clock(clock).build();
            RateLimiter both = RateLimiters.all(remote, local);
            both.tryAcquire().permit().close();
            CompletableFuture<Permit> waiter = both.acquireAsync();
            assertThat(waiter).isNotDone();

            remote.close();

            assertThat(waiter).isCompletedExceptionally();
            assertThat(both.waiting()).isZero();
        }
    }

    /** A store is slow work: never asked on the scheduler's timer thread, and never with a thread per limiter. */
    @Nested
    class SlowStores {

        @Test
        void aWindowEndOfAnInMemoryPartAsksTheStoreOffTheTimer() {
            // The leaf's window end wakes the composite's waiter from a timer task; the pass that asks the store
            // must go to the scheduler's slow work, not run inside that task.
            TimerClock timers = new TimerClock();
            List<Boolean> askedOnTimer = new CopyOnWriteArrayList<>();
            RemoteFixtures.Slots store = new RemoteFixtures.Slots(10, false) {
                @Override
                public AcquireResult tryAcquire(int cost) {
                    askedOnTimer.add(timers.onTimer());
                    return super.tryAcquire(cost);
                }
            };
            RateLimiter leaf = RateLimiters.timesPerBuilder(1, Duration.ofMillis(400)).clock(timers).build();
            leaf.tryAcquire().permit().close(); // its window ends in 400 ms
            RateLimiter composite = RateLimiters.all(leaf, RateLimiters.remote(store, timers));
            CompletableFuture<Permit> waiter = composite.acquireAsync(Duration.ofSeconds(10)); // refused by the leaf
            assertThat(askedOnTimer).as("the leaf refused first: the store was not asked").isEmpty();

            timers.fake.advance(Duration.ofMillis(400));

            assertThat(waiter).as("the composite's waiter is admitted at the window end").isCompleted();
            assertThat(timers.slowWork.get()).as("passes handed to slow work").isPositive();
            assertThat(askedOnTimer).as("whether each try of the store ran inside a timer task").containsOnly(false);
            waiter.join().close();
            composite.close();
        }

        @Test
        void aSlowStoreDoesNotHoldUpTheTimersOfOtherLimiters() throws Exception {
            // Real clock: the timers of every limiter share one thread; the store's answer is held on a latch.
            RemoteFixtures.Slow store = new RemoteFixtures.Slow(new CountDownLatch(1));
            RateLimiter remote = RateLimiters.remote(store, Clock.system());
            CompletableFuture<Permit> remoteWaiter = remote.acquireAsync(); // refused: the timer tries again in 20 ms
            try {
                assertThat(store.asked.await(10, TimeUnit.SECONDS)).as("the timer asks the store again").isTrue();

                RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofMillis(50)).build();
                local.tryAcquire().permit().close();
                CompletableFuture<Permit> localWaiter = local.acquireAsync(); // its window ends in 50 ms

                Uses.await("the in-memory waiter is admitted when its window ends", localWaiter::isDone);
                assertThat(localWaiter).isCompleted();
            } finally {
                store.answer.countDown();
                remote.close();
            }
            assertThat(remoteWaiter).isCompletedExceptionally();
        }

        @Test
        void aSlowStoreHoldsABoundedNumberOfThreadsNotOnePerLimiter() throws Exception {
            int limiterCount = 64;
            int bound = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
            CountDownLatch asked = new CountDownLatch(limiterCount);
            List<RemoteFixtures.Slow> stores = new ArrayList<>();
            List<RateLimiter> limiters = new ArrayList<>();
            try {
                for (int i = 0; i < limiterCount; i++) {
                    RemoteFixtures.Slow store = new RemoteFixtures.Slow(asked);
                    stores.add(store);
                    RateLimiter limiter = RateLimiters.remote(store, Clock.system());
                    limiters.add(limiter);
                    limiter.acquireAsync(); // refused: its timer asks the store again in 20 ms
                }
                asked.await(3, TimeUnit.SECONDS); // bounded: all of them would be asked only by unbounded slow work
                assertThat(stores.stream().mapToInt(store -> store.askers.size()).sum())
                        .as("threads held in the slow store at once, for %s remote limiters", limiterCount)
                        .isLessThanOrEqualTo(bound);
            } finally {
                stores.forEach(store -> store.answer.countDown());
                limiters.forEach(RateLimiter::close);
            }
        }
    }

    /** Real threads, a clock that never moves: never more held than the limit, every slot back, no wake-up lost. */
    @Nested
    class RealThreads {

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
            // The store caps uses in flight at 3, the in-memory part at 2, and they bind in turn as threads take and
            // end uses: refused rounds give back slots of both kinds while other threads take them. The clock never
            // moves.
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
    }

    /** One slot, as a store shared with other instances; runs {@link #whileAsked} when it admits. */
    private static final class OneSlot extends RemoteFixtures.Slots {
        final AtomicReference<Runnable> whileAsked = new AtomicReference<>(() -> { });

        OneSlot() {
            super(1, false);
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            AcquireResult result = super.tryAcquire(cost);
            if (result instanceof Permit) {
                whileAsked.getAndSet(() -> { }).run();
            }
            return result;
        }
    }

    /** No slots; the next try throws when {@link #fail} is set, once. */
    private static final class Flaky extends RemoteFixtures.Slots {
        final AtomicBoolean fail = new AtomicBoolean();

        Flaky() {
            super(0, false);
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("unexpected reply from the store");
            }
            return super.tryAcquire(cost);
        }
    }

    /** Two slots; a read of the state made on {@link #stallAfterRead} waits for {@link #resume}. */
    private static final class StallingSlots extends RemoteFixtures.Slots {
        volatile Thread stallAfterRead;
        final CountDownLatch read = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);

        StallingSlots() {
            super(2, false);
        }

        @Override
        public State state() {
            State state = super.state();
            if (Thread.currentThread() == stallAfterRead) {
                read.countDown();
                try {
                    resume.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return state;
        }
    }

    /**
     * A fake clock whose scheduler tells whether code runs inside one of its timer tasks, as the system scheduler's
     * timer thread would, or in slow work handed to {@link #execute}.
     */
    private static final class TimerClock implements Clock, Scheduler {
        final FakeClock fake = new FakeClock();
        final AtomicInteger slowWork = new AtomicInteger();
        private final ThreadLocal<Boolean> inTimer = ThreadLocal.withInitial(() -> false);

        boolean onTimer() {
            return inTimer.get();
        }

        @Override
        public long nanoTime() {
            return fake.nanoTime();
        }

        @Override
        public Scheduler scheduler() {
            return this;
        }

        @Override
        public Cancellable schedule(long deadlineNanos, Runnable task) {
            return fake.schedule(deadlineNanos, () -> {
                inTimer.set(true);
                try {
                    task.run();
                } finally {
                    inTimer.set(false);
                }
            });
        }

        @Override
        public void execute(Runnable work) {
            slowWork.incrementAndGet();
            boolean was = inTimer.get();
            inTimer.set(false);
            try {
                work.run();
            } finally {
                inTimer.set(was);
            }
        }
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
