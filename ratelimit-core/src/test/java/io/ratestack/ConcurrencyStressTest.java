package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real threads on stacked limiters. Times-per limiters also assert their counts on every release (the build runs
 * with assertions on), so any over-admission fails the run where it happens. The nested groups force the races of
 * callbacks, close and subscriptions, each round bounded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrencyStressTest {

    private static final int THREADS = 8;

    /**
     * The clock stands still within a round, so no window can end: a round can complete at most {@code limit} uses
     * of each leaf, whatever the interleaving, and when every permit is done the slots held must be zero.
     */
    @Test
    void frozenClockRoundsNeverAdmitMoreThanTheLimitAndReturnEverySlot() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.timesPerBuilder(7, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter b = RateLimiters.timesPerBuilder(11, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter c = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter ab = RateLimiters.all(a, b);
        RateLimiter ac = RateLimiters.all(a, c);
        RateLimiter[] targets = {ab, ac, RateLimiters.all(RateLimiters.any(b, c), a)};

        frozenRounds(clock, targets, a, b, c);
    }

    /**
     * Token buckets on a clock that stands still within a round: nothing refills, so a round can spend at most the
     * tokens a bucket held, whatever the interleaving, and every cancelled use must have put its token back exactly.
     */
    @Test
    void frozenClockRoundsNeverSpendMoreTokensThanTheBucketHeldAndRefundExactly() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.tokenBucketBuilder(7, 7, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter b = RateLimiters.tokenBucketBuilder(11, 11, Duration.ofSeconds(1)).intervalRefill().clock(clock)
                .build();
        RateLimiter c = RateLimiters.tokenBucketBuilder(5, 5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter[] targets = {a, RateLimiters.all(a, b), RateLimiters.all(RateLimiters.any(b, c), a)};

        frozenRounds(clock, targets, a, b, c);
    }

    /**
     * GCRA limiters on a clock that stands still within a round: nothing is paid off, so a round can admit at most
     * the burst, whatever the interleaving, and every cancelled use must have taken its emission interval back
     * exactly. Each limiter's burst takes less than the second between rounds to recover.
     */
    @Test
    void frozenClockRoundsNeverAdmitMoreThanTheBurstAndRefundExactly() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.gcraBuilder(7, Duration.ofMillis(700), 7).clock(clock).build();
        RateLimiter b = RateLimiters.gcraBuilder(11, Duration.ofMillis(550), 11).clock(clock).build();
        RateLimiter c = RateLimiters.gcraBuilder(5, Duration.ofMillis(500), 5).clock(clock).build();
        RateLimiter[] targets = {a, RateLimiters.all(a, b), RateLimiters.all(RateLimiters.any(b, c), a)};

        frozenRounds(clock, targets, a, b, c);
    }

    /**
     * Sliding windows on a clock that stands still within a round: no window rolls, so a round can admit at most the
     * limit, whatever the interleaving, and every cancelled use comes off the running window's count exactly. The
     * windows are 400 ms, so the second between rounds rolls both counted windows out.
     */
    @Test
    void frozenClockRoundsNeverAdmitMoreThanTheSlidingLimitAndRefundExactly() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.slidingWindowBuilder(7, Duration.ofMillis(400)).clock(clock).build();
        RateLimiter b = RateLimiters.slidingWindowBuilder(11, Duration.ofMillis(400)).clock(clock).build();
        RateLimiter c = RateLimiters.slidingWindowBuilder(5, Duration.ofMillis(400)).clock(clock).build();
        RateLimiter[] targets = {a, RateLimiters.all(a, b), RateLimiters.all(RateLimiters.any(b, c), a)};

        frozenRounds(clock, targets, a, b, c);
    }

    /**
     * Thirty rounds of {@link #frozenRound} on {@code targets}, each of which takes a unit of {@code a}; between
     * rounds the clock moves a second, which must give {@code a}, {@code b} and {@code c} (of limits 7, 11 and 5)
     * their whole limits back.
     */
    private static void frozenRounds(FakeClock clock, RateLimiter[] targets, RateLimiter a, RateLimiter b,
            RateLimiter c) throws Exception {
        for (int round = 0; round < 30; round++) {
            AtomicInteger completedA = frozenRound(targets);

            assertThat(completedA.get()).isLessThanOrEqualTo(7);
            assertThat(a.remaining()).isEqualTo(7 - completedA.get());
            for (RateLimiter target : targets) {
                assertThat(target.waiting()).isZero();
            }
            clock.advance(Duration.ofSeconds(1));
            assertThat(a.remaining()).isEqualTo(7);
            assertThat(b.remaining()).isEqualTo(11);
            assertThat(c.remaining()).isEqualTo(5);
        }
    }

    /**
     * One round of threads trying, waiting async and withdrawing, then completing or cancelling on {@code targets},
     * every one of which takes a unit of a: the count of completed uses.
     */
    private static AtomicInteger frozenRound(RateLimiter[] targets) throws Exception {
        AtomicInteger completedA = new AtomicInteger();
        runThreads(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 400; i++) {
                RateLimiter target = targets[random.nextInt(targets.length)];
                if (random.nextInt(4) == 0) {
                    CompletableFuture<Permit> waiting = target.acquireAsync();
                    if (!waiting.cancel(false)) {
                        finish(waiting.join(), random, completedA);
                    }
                } else if (target.tryAcquire() instanceof Permit permit) {
                    finish(permit, random, completedA);
                }
            }
        });
        return completedA;
    }

    /** Every use of every target takes a slot of a: count its completions. */
    private static void finish(Permit permit, ThreadLocalRandom random, AtomicInteger completedA) {
        Thread.yield();
        if (random.nextBoolean()) {
            permit.cancel();
        } else {
            permit.close();
            completedA.incrementAndGet();
        }
    }

    /**
     * Uses of random costs on every algorithm stacked, on a clock that stands still within a round, settled at random
     * (cancelled, closed at their cost, or closed at any cost up to twice it, which may leave a part in debt): the
     * times-per leaf every target holds never admits past its limit (it asserts that on every take, the build runs
     * with assertions on), counts exactly what was settled, and every leaf is whole again once time has passed.
     */
    @Test
    void weightedUsesNeverOverAdmitAndSettleExactly() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.timesPerBuilder(20, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter b = RateLimiters.tokenBucketBuilder(15, 15, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter c = RateLimiters.gcraBuilder(12, Duration.ofMillis(1200), 12).clock(clock).build();
        RateLimiter d = RateLimiters.slidingWindowBuilder(18, Duration.ofMillis(400)).clock(clock).build();
        RateLimiter[] targets = {RateLimiters.all(a, b), RateLimiters.all(a, RateLimiters.any(c, d)),
            RateLimiters.all(a, c, d)};

        for (int round = 0; round < 30; round++) {
            AtomicInteger settledA = new AtomicInteger();
            runThreads(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 300; i++) {
                    RateLimiter target = targets[random.nextInt(targets.length)];
                    int cost = random.nextInt(1, 5);
                    Permit permit = null;
                    if (random.nextInt(4) == 0) {
                        CompletableFuture<Permit> waiting = target.acquireAsync(cost, 0, Duration.ofDays(1));
                        if (!waiting.cancel(false)) {
                            permit = waiting.join();
                        }
                    } else if (target.tryAcquire(cost) instanceof Permit granted) {
                        permit = granted;
                    }
                    if (permit != null) {
                        Thread.yield();
                        switch (random.nextInt(3)) {
                            case 0 -> permit.cancel();
                            case 1 -> {
                                settledA.addAndGet(cost);
                                permit.close();
                            }
                            default -> {
                                int actual = random.nextInt(2 * cost + 1); // more than it took: a debt
                                settledA.addAndGet(actual);
                                permit.close(actual);
                            }
                        }
                    }
                }
            });

            assertThat(a.remaining()).isEqualTo(Math.max(0, 20 - settledA.get()));
            for (RateLimiter target : targets) {
                assertThat(target.waiting()).isZero();
            }
            clock.advance(Duration.ofSeconds(2));
            assertThat(List.of(a.remaining(), b.remaining(), c.remaining(), d.remaining()))
                    .containsExactly(20, 15, 12, 18);
        }
    }

    /**
     * A leaf used alone takes its lock-free path, and inside all() its locked one: threads race both on one leaf, with
     * random costs and settlements, on a clock that stands still within a round, and in every other round a listener
     * subscribes mid-round (from then on the leaf takes the lock for good). The units held at once never pass the
     * limit, and after the round the leaf counts exactly what was settled.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"timesPer", "gcra", "concurrency"})
    void lockFreeAndLockedUsesOfOneLeafNeverOverAdmitAndSettleExactly(String algorithm) throws Exception {
        FakeClock clock = new FakeClock();
        for (int round = 0; round < 30; round++) {
            RateLimiter a = switch (algorithm) {
                case "timesPer" -> RateLimiters.timesPerBuilder(9, Duration.ofSeconds(1)).clock(clock).build();
                case "gcra" -> RateLimiters.gcraBuilder(9, Duration.ofMillis(900), 9).clock(clock).build();
                default -> RateLimiters.concurrencyBuilder(9).clock(clock).build();
            };
            RateLimiter[] targets = {a, a, RateLimiters.all(a, RateLimiters.concurrencyBuilder(5).clock(clock).build())};
            boolean subscribes = round % 2 == 1;
            AtomicInteger held = new AtomicInteger();
            AtomicInteger mostHeld = new AtomicInteger();
            AtomicInteger settled = new AtomicInteger();
            AtomicBoolean subscribed = new AtomicBoolean();
            runThreads(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 400; i++) {
                    if (subscribes && i == 100 && subscribed.compareAndSet(false, true)) {
                        a.onStatusChange(status -> { });
                    }
                    int cost = random.nextInt(1, 4);
                    if (!(targets[random.nextInt(targets.length)].tryAcquire(cost) instanceof Permit permit)) {
                        continue;
                    }
                    mostHeld.accumulateAndGet(held.addAndGet(cost), Math::max);
                    Thread.yield();
                    held.addAndGet(-cost);
                    int actual = switch (random.nextInt(3)) {
                        case 0 -> 0;
                        case 1 -> cost;
                        default -> random.nextInt(2 * cost + 1);
                    };
                    settled.addAndGet(actual);
                    permit.close(actual);
                }
            });

            assertThat(mostHeld.get()).as("units held at once, round " + round).isLessThanOrEqualTo(9);
            int expected = algorithm.equals("concurrency") ? 9 : Math.max(0, 9 - settled.get());
            assertThat(a.remaining()).as("remaining after round " + round).isEqualTo(expected);
            clock.advance(Duration.ofSeconds(Math.max(2, settled.get())));
            assertThat(a.remaining()).isEqualTo(9);
        }
    }

    /**
     * Threads hold random numbers of units of concurrency limiters, alone and in all(), waiting with timeouts on the
     * system clock: the units held at once of each never pass its permits, and every unit comes back.
     */
    @Test
    void weightedConcurrencyNeverHoldsMoreUnitsThanItsPermits() throws Exception {
        RateLimiter c = RateLimiters.concurrency(6);
        RateLimiter d = RateLimiters.concurrency(4);
        RateLimiter both = RateLimiters.all(c, d);
        AtomicInteger inC = new AtomicInteger();
        AtomicInteger inD = new AtomicInteger();
        AtomicInteger mostInC = new AtomicInteger();
        AtomicInteger mostInD = new AtomicInteger();

        runThreads(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 1000; i++) {
                int cost = random.nextInt(1, 4);
                boolean holdsD = random.nextBoolean();
                Permit permit;
                try {
                    permit = (holdsD ? both : c).acquire(cost, random.nextInt(3),
                            Duration.ofMillis(random.nextInt(1, 5)));
                } catch (RateLimitedException timedOut) {
                    continue;
                }
                mostInC.accumulateAndGet(inC.addAndGet(cost), Math::max);
                if (holdsD) {
                    mostInD.accumulateAndGet(inD.addAndGet(cost), Math::max);
                }
                Thread.yield();
                inC.addAndGet(-cost);
                if (holdsD) {
                    inD.addAndGet(-cost);
                }
                if (random.nextBoolean()) {
                    permit.cancel();
                } else {
                    permit.close(random.nextInt(10));
                }
            }
        });

        assertThat(mostInC.get()).as("units held at once of c").isLessThanOrEqualTo(6);
        assertThat(mostInD.get()).as("units held at once of d").isLessThanOrEqualTo(4);
        assertThat(c.remaining()).isEqualTo(6);
        assertThat(d.remaining()).isEqualTo(4);
        assertThat(both.waiting()).isZero();
    }

    /**
     * The clock moves while threads acquire, wait with timeouts, cancel and complete: windows end and restart under
     * contention. At the end nothing may be held or waiting.
     */
    @Test
    void movingClockWithWaitersEndsWithNothingHeld() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter a = RateLimiters.timesPerBuilder(3, Duration.ofMillis(20)).clock(clock).build();
        RateLimiter b = RateLimiters.timesPerBuilder(5, Duration.ofMillis(50)).clock(clock).build();
        RateLimiter[] targets = {RateLimiters.all(a, b), a, RateLimiters.any(a, b)};
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> tickerFailure = new AtomicReference<>();
        Thread ticker = new Thread(() -> {
            try {
                while (!done.get()) {
                    clock.advance(Duration.ofMillis(1));
                    Thread.yield();
                }
            } catch (Throwable t) {
                tickerFailure.set(t);
            }
        });
        ticker.start();
        AtomicInteger admitted = new AtomicInteger();
        try {
            runThreads(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 300; i++) {
                    RateLimiter target = targets[random.nextInt(targets.length)];
                    Permit permit = acquireSomehow(target, random, 30, 10);
                    if (permit != null) {
                        admitted.incrementAndGet();
                        if (random.nextInt(3) == 0) {
                            permit.cancel();
                        } else {
                            permit.close();
                        }
                    }
                }
            });
        } finally {
            done.set(true);
            ticker.join();
        }

        assertThat(tickerFailure.get()).isNull();
        assertThat(admitted.get()).isPositive();
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.remaining()).isEqualTo(3);
        assertThat(b.remaining()).isEqualTo(5);
        for (RateLimiter target : targets) {
            assertThat(target.waiting()).isZero();
        }
    }

    /**
     * Threads hold units of concurrency limiters (alone, in all() with a times-per limiter, in any()), waiting with
     * timeouts on the system clock, cancelling futures, completing and cancelling permits. Each thread counts what it
     * holds before it ends the use, so the counts never exceed what the limiters hold: they must never pass the
     * permits, and when the threads are done every unit must be back.
     */
    @Test
    void concurrencyLimitersNeverHoldMoreThanTheirPermitsAndGetEveryUnitBack() throws Exception {
        RateLimiter c = RateLimiters.concurrency(3);
        RateLimiter d = RateLimiters.concurrency(2);
        RateLimiter many = RateLimiters.timesPer(1_000_000, Duration.ofDays(1));
        RateLimiter[] holdingC = {c, RateLimiters.all(c, many)};
        RateLimiter either = RateLimiters.any(c, d);
        AtomicInteger inC = new AtomicInteger();
        AtomicInteger inEither = new AtomicInteger();
        AtomicInteger mostInC = new AtomicInteger();
        AtomicInteger mostInEither = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();

        runThreads(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 2000; i++) {
                boolean any = random.nextInt(3) == 0;
                RateLimiter target = any ? either : holdingC[random.nextInt(holdingC.length)];
                Permit permit = acquireSomehow(target, random, 5, 5);
                if (permit != null) {
                    admitted.incrementAndGet();
                    if (!any) {
                        mostInC.accumulateAndGet(inC.incrementAndGet(), Math::max);
                    }
                    mostInEither.accumulateAndGet(inEither.incrementAndGet(), Math::max);
                    Thread.yield();
                    inEither.decrementAndGet();
                    if (!any) {
                        inC.decrementAndGet();
                    }
                    if (random.nextBoolean()) {
                        permit.cancel();
                    } else {
                        permit.close();
                    }
                }
            }
        });

        assertThat(admitted.get()).isPositive();
        assertThat(mostInC.get()).as("uses held at once of c").isLessThanOrEqualTo(3);
        assertThat(mostInEither.get()).as("uses held at once of c and d").isLessThanOrEqualTo(5);
        assertThat(c.remaining()).isEqualTo(3);
        assertThat(d.remaining()).isEqualTo(2);
        assertThat(either.waiting()).isZero();
        for (RateLimiter target : holdingC) {
            assertThat(target.waiting()).isZero();
        }
    }

    /**
     * Tries at once, blocks (a random priority, at most {@code blockMillis}), or waits async (at most
     * {@code asyncMillis}, its future cancelled half the time): the permit, or {@code null} if none was granted.
     */
    private static @Nullable Permit acquireSomehow(RateLimiter target, ThreadLocalRandom random, int blockMillis,
            int asyncMillis) {
        switch (random.nextInt(3)) {
            case 0 -> {
                return target.tryAcquire() instanceof Permit granted ? granted : null;
            }
            case 1 -> {
                try {
                    return target.acquire(random.nextInt(3), Duration.ofMillis(random.nextInt(1, blockMillis)));
                } catch (RateLimitedException timedOut) {
                    return null;
                }
            }
            default -> {
                CompletableFuture<Permit> future = target.acquireAsync(Duration.ofMillis(asyncMillis));
                if (random.nextBoolean()) {
                    future.cancel(false);
                }
                try {
                    return future.join();
                } catch (RuntimeException cancelledOrTimedOut) {
                    return null; // a permit granted at the same moment was refunded
                }
            }
        }
    }

    /**
     * Async waiters' callbacks run on the thread that admitted them: they must not stall the leaf for other threads,
     * nor for an acquire made inside the callback.
     */
    @Nested
    class Callbacks {

        // The admitting thread runs the callback; a blocking acquire in it must not wait for a pass only it can run.
        @Test
        @Timeout(20)
        void blockingAcquireInsideAnAsyncCallbackIsAdmittedWhenThereIsRoom() {
            RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofHours(1));
            Permit first = limiter.tryAcquire().permit();
            CompletableFuture<Permit> a = limiter.acquireAsync();
            CompletableFuture<Permit> b = limiter.acquireAsync();
            AtomicReference<Throwable> inner = new AtomicReference<>();
            a.thenAccept(pa -> {
                pa.cancel(); // the slot is free again
                try {
                    // b is queued ahead, so this joins the queue; b and then this should be admitted in turn.
                    // b should get the free slot and can give it back at once:
                    b.thenAccept(Permit::cancel);
                    limiter.acquire(Duration.ofSeconds(1)).cancel();
                } catch (Throwable t) {
                    inner.set(t);
                }
            });

            first.cancel(); // admits a on this thread, which runs the callback here

            assertThat(inner.get()).as("acquire inside the callback").isNull();
        }

        // Another thread that frees the slot admits the next waiter while the first callback still runs.
        @Test
        @Timeout(20)
        void aSlowCallbackDoesNotStallAdmissionsMadeByOtherThreads() throws Exception {
            RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofHours(1));
            Permit first = limiter.tryAcquire().permit();
            CompletableFuture<Permit> a = limiter.acquireAsync();
            CompletableFuture<Permit> b = limiter.acquireAsync();
            CompletableFuture<Void> release = new CompletableFuture<>();
            CompletableFuture<Boolean> bAdmittedWhileCallbackRuns = new CompletableFuture<>();
            a.thenAccept(pa -> {
                // Another thread refunds a's slot while this callback still runs (slow work).
                Thread other = new Thread(pa::cancel);
                other.start();
                try {
                    other.join();
                    bAdmittedWhileCallbackRuns.complete(b.isDone());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            first.cancel();
            assertThat(bAdmittedWhileCallbackRuns.get(5, TimeUnit.SECONDS))
                    .as("b admitted by the thread that refunded the slot").isTrue();
        }
    }

    /** close() racing with acquires, registrations and interrupts: no one admitted, no one left waiting. */
    @Nested
    class CloseRaces {

        // The waiter passed the unlocked closed check, then registered after close() looked for waiters.
        @Test
        @Timeout(30)
        void aWaiterRegisteringAsTheLeafClosesIsFailed() throws Exception {
            for (int round = 0; round < 50; round++) {
                TimesPerLimiter leaf = (TimesPerLimiter) RateLimiters.timesPer(1, Duration.ofHours(1));
                leaf.tryAcquire().permit().close(); // full for an hour
                AtomicReference<CompletableFuture<Permit>> future = new AtomicReference<>();
                leaf.lock();
                Thread t = new Thread(() -> future.set(leaf.acquireAsync()));
                t.start();
                Uses.await("t blocks on the leaf's lock", () -> leaf.isQueued(t));
                leaf.unlock();
                leaf.close(); // barges ahead of t most of the time
                t.join();
                CompletableFuture<Permit> f = future.get();
                Uses.await("the waiter is failed", f::isDone);
                assertThat(f).as("round " + round + ": waiter after close, waiting()=" + leaf.waiting())
                        .isCompletedExceptionally();
            }
        }

        // The composite is marked closed, then its leaf is scanned for waiters; the acquire comes in between.
        @Test
        @Timeout(30)
        void compositeAcquireRacingWithCloseIsNotAdmittedNorLeftWaiting() throws Exception {
            int admitted = 0;
            int hanging = 0;
            for (int round = 0; round < 50; round++) {
                TimesPerLimiter leaf = (TimesPerLimiter) RateLimiters.timesPer(1, Duration.ofHours(1));
                if (round % 2 == 0) {
                    leaf.tryAcquire().permit().close(); // full: the acquire will wait
                }
                RateLimiter any = RateLimiters.any(leaf);
                AtomicReference<CompletableFuture<Permit>> future = new AtomicReference<>();
                leaf.lock();
                Thread t = new Thread(() -> future.set(any.acquireAsync()));
                t.start();
                Uses.await("t blocks on the leaf's lock", () -> leaf.isQueued(t));
                // close() marks the composite closed, then waits for the leaf to look for waiters to fail.
                Thread closer = new Thread(any::close);
                closer.start();
                Uses.await("close() waits for the leaf's lock", () -> leaf.isQueued(closer));
                leaf.unlock();
                t.join();
                closer.join();
                CompletableFuture<Permit> f = future.get();
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    admitted++;
                } else if (!f.isDone()) {
                    hanging++;
                }
            }
            assertThat(admitted).as("permits granted by a closed composite").isZero();
            assertThat(hanging).as("waiters left hanging on a closed composite").isZero();
        }

        // An interrupt racing with close must not turn into a CompletionException nor lose the interrupt status.
        @Test
        @Timeout(120)
        void interruptRacingWithCloseStillThrowsRateLimitedException() throws Exception {
            int wrong = 0;
            for (int round = 0; round < 300; round++) {
                RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofHours(1));
                limiter.tryAcquire().permit().close();
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        limiter.acquire();
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                });
                t.start();
                Uses.await("t waits", () -> limiter.waiting() == 1 && t.getState() == Thread.State.WAITING);
                t.interrupt();
                limiter.close();
                t.join();
                if (!(thrown.get() instanceof RateLimitedException)) {
                    wrong++;
                }
            }
            assertThat(wrong).as("rounds where acquire threw something else than RateLimitedException").isZero();
        }
    }

    /** Subscribing to a composite observes its leaves exactly while someone listens. */
    @Nested
    class SubscriptionRaces {

        @Test
        @Timeout(60)
        void compositeSubscriptionsRacingKeepExactlyOneObserver() throws Exception {
            int leaked = 0;
            int lost = 0;
            for (int round = 0; round < 1000; round++) {
                TimesPerLimiter leaf = (TimesPerLimiter) RateLimiters.timesPer(1, Duration.ofHours(1));
                RateLimiter any = RateLimiters.any(leaf);
                Subscription first = any.onStatusChange(s -> { });
                CyclicBarrier barrier = new CyclicBarrier(2);
                AtomicReference<Subscription> second = new AtomicReference<>();
                Thread t1 = new Thread(() -> { await(barrier); first.close(); });
                Thread t2 = new Thread(() -> { await(barrier); second.set(any.onStatusChange(s -> { })); });
                t1.start();
                t2.start();
                t1.join();
                t2.join();
                int observers = leaf.support.observers.size();
                if (observers == 0) {
                    lost++; // a listener is subscribed but nothing tells the composite about changes
                }
                second.get().close();
                if (!leaf.support.observers.isEmpty()) {
                    leaked++; // nobody listens, yet the leaf keeps an observer (and wake-up timers) forever
                }
            }
            assertThat(lost).as("rounds where a live subscription has no observer").isZero();
            assertThat(leaked).as("rounds where an observer leaked").isZero();
        }

        @Test
        @Timeout(60)
        void concurrentFirstSubscriptionsDoNotLeakAnObserver() throws Exception {
            int leaked = 0;
            for (int round = 0; round < 1000; round++) {
                TimesPerLimiter leaf = (TimesPerLimiter) RateLimiters.timesPer(1, Duration.ofHours(1));
                RateLimiter any = RateLimiters.any(leaf);
                CyclicBarrier barrier = new CyclicBarrier(2);
                AtomicReference<Subscription> s1 = new AtomicReference<>();
                AtomicReference<Subscription> s2 = new AtomicReference<>();
                Thread t1 = new Thread(() -> { await(barrier); s1.set(any.onStatusChange(s -> { })); });
                Thread t2 = new Thread(() -> { await(barrier); s2.set(any.onStatusChange(s -> { })); });
                t1.start();
                t2.start();
                t1.join();
                t2.join();
                s1.get().close();
                s2.get().close();
                if (!leaf.support.observers.isEmpty()) {
                    leaked++;
                }
            }
            assertThat(leaked).as("rounds where an observer leaked").isZero();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void runThreads(Runnable work) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    work.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a worker failed", failure.get());
        }
    }
}
