package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The behaviour every kind of limiter shares. A subclass makes the limiter, one that admits two uses on the given
 * fake clock, and says by its {@link Profile} how a used-up one admits again. {@code RateLimiterContractTest} runs
 * it over every in-memory kind; other modules run it over their limiters (ratelimit-redis over Redis).
 */
public abstract class RateLimiterContract {

    /**
     * The time facts of a kind of limiter: how one that admitted its two uses admits again.
     *
     * @param recovery how long after using the limiter up time alone frees room, or {@code null} if time frees
     *     nothing (only the end of a held use does; completed uses then stop counting at once)
     * @param freed how many uses that recovery frees
     * @param retryAfter the retry-after of a refusal right after using the limiter up
     * @param heldUsesKeepTheirRoom whether a use keeps its room while it is held, whatever the time (a times-per
     *     limiter's uses in flight, a concurrency limiter's), rather than counting from its take as a completed use
     *     does, so that time frees it
     */
    protected record Profile(@Nullable Duration recovery, int freed, Duration retryAfter,
            boolean heldUsesKeepTheirRoom) {

        /**
         * Two uses per second: completed uses count until the window, which starts at the first, ends; held uses
         * keep their slots until they end.
         */
        public static final Profile TWO_PER_SECOND = new Profile(Duration.ofSeconds(1), 2, Duration.ofSeconds(1),
                true);

        /**
         * Two uses at once: a use counts while it is held, time frees nothing, a refusal's retry-after is a hint.
         *
         * @param retryAfterHint the retry-after of a refusal
         * @return the profile
         */
        public static Profile twoAtOnce(Duration retryAfterHint) {
            return new Profile(null, 2, retryAfterHint, true);
        }

        /**
         * This profile for a kind whose uses count from their take, held or not, so time frees a held use as it
         * frees a completed one (token buckets, GCRA, sliding windows, a custom algorithm that counts at the take).
         *
         * @return the profile
         */
        public Profile countingFromTheTake() {
            return new Profile(recovery, freed, retryAfter, false);
        }

        /** Whether a completed use keeps counting (until time frees it). */
        boolean completedUsesCount() {
            return recovery != null;
        }
    }

    /**
     * Arguments for a {@code @ParameterizedClass} over kinds of one profile: each kind's name and factory, given as
     * {@code Arguments.of(name, factory)}, followed by {@code profile}.
     *
     * @param profile the profile of every kind
     * @param kinds the kinds, each its name and its factory
     * @return each kind's name, factory and profile
     */
    protected static Stream<Arguments> withProfile(Profile profile, Arguments... kinds) {
        return Stream.of(kinds).map(kind -> Arguments.of(kind.get()[0], kind.get()[1], profile));
    }

    /**
     * A new limiter that admits two uses, on {@code clock}, as {@link #profile()} says.
     *
     * @param clock the test's clock
     * @return the limiter under test
     */
    protected abstract RateLimiter newLimiter(FakeClock clock);

    /**
     * How the limiters of {@link #newLimiter} admit again once used up.
     *
     * @return the profile
     */
    protected abstract Profile profile();

    /** The clock every limiter of the test runs on. */
    protected final FakeClock clock = new FakeClock();
    private RateLimiter limiter;
    /** Uses spent but still held, for a profile in which only their end frees room. */
    private final List<Permit> held = new ArrayList<>();

    private RateLimiter limiter() {
        if (limiter == null) {
            limiter = newLimiter(clock);
        }
        return limiter;
    }

    private void useUp() {
        spend(limiter().tryAcquire().permit());
        spend(limiter().tryAcquire().permit());
    }

    /** Uses {@code permit} up: completes it where a completed use counts, else holds it until {@link #recover()}. */
    private void spend(Permit permit) {
        if (profile().completedUsesCount()) {
            permit.close();
        } else {
            synchronized (held) {
                held.add(permit);
            }
        }
    }

    /** Frees what the spent uses took: lets the recovery time pass, or ends the held uses. */
    private void recover() {
        Duration recovery = profile().recovery();
        if (recovery != null) {
            clock.advance(recovery);
            return;
        }
        List<Permit> ending;
        synchronized (held) {
            ending = new ArrayList<>(held);
            held.clear();
        }
        ending.forEach(Permit::close);
    }

    /** What a fresh limiter has left after {@code completed} completed uses. */
    private int remainingAfterCompleting(int completed) {
        return profile().completedUsesCount() ? 2 - completed : 2;
    }

    @Test
    public void admitsItsLimitThenRefusesWithARetryAfter() {
        useUp();

        AcquireResult refused = limiter().tryAcquire();

        assertThat(refused.isGranted()).isFalse();
        assertThat(refused).isInstanceOf(Refusal.class);
        assertThat(((Refusal) refused).retryAfter()).isEqualTo(profile().retryAfter());
        assertThat(((Refusal) refused).remaining()).isZero();
        assertThatThrownBy(refused::permit).isInstanceOf(IllegalStateException.class);
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.LOCKED);
        assertThat(limiter().remaining()).isZero();
    }

    @Test
    public void admitsAgainWhenItRecovers() {
        useUp();
        Duration recovery = profile().recovery();
        clock.advance(recovery == null ? Duration.ofHours(1) : recovery.minusMillis(1));
        if (profile().retryAfter().equals(recovery)) { // the first use comes back only when all do
            assertThat(limiter().tryAcquire().isGranted()).isFalse();
        } else { // a sliding window frees its first use before the rest
            assertThat(limiter().remaining()).isLessThan(profile().freed());
        }

        if (recovery == null) {
            recover();
        } else {
            clock.advance(Duration.ofMillis(1));
        }

        assertThat(limiter().status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(limiter().remaining()).isEqualTo(profile().freed());
    }

    @Test
    public void timeFreesAHeldUseOnlyWhereUsesCountFromTheirTake() {
        Permit first = limiter().tryAcquire().permit();
        Permit second = limiter().tryAcquire().permit();
        Duration recovery = profile().recovery();

        clock.advance(recovery == null ? Duration.ofHours(1) : recovery);

        if (profile().heldUsesKeepTheirRoom()) {
            assertThat(limiter().remaining()).isZero();
            assertThat(limiter().tryAcquire().isGranted()).isFalse();
        } else {
            assertThat(limiter().remaining()).isEqualTo(profile().freed());
            assertThat(limiter().tryAcquire().isGranted()).isTrue();
        }
        first.close();
        second.close();
    }

    @Test
    public void cancelledUsesDoNotCount() {
        for (int i = 0; i < 10; i++) {
            limiter().tryAcquire().permit().cancel();
        }

        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void aUseSettledAtZeroDoesNotCountAndOneSettledAtItsCostDoes() {
        limiter().tryAcquire().permit().close(0);
        assertThat(limiter().remaining()).isEqualTo(2);

        limiter().tryAcquire().permit().close(1);
        assertThat(limiter().remaining()).isEqualTo(remainingAfterCompleting(1));
    }

    @Test
    public void onlyTheFirstEndingOfAPermitCounts() {
        Permit held = limiter().tryAcquire().permit();
        Permit refunded = limiter().tryAcquire().permit();
        refunded.close(0);
        refunded.close();
        Permit cancelled = limiter().tryAcquire().permit();
        cancelled.cancel();
        cancelled.close();
        Permit completed = limiter().tryAcquire().permit();
        completed.close();
        completed.close();
        completed.close(2);
        completed.cancel();

        assertThat(limiter().remaining()).as("the held use and one completed")
                .isEqualTo(remainingAfterCompleting(1) - 1);
        held.cancel();
        held.close();
        assertThat(limiter().remaining()).isEqualTo(remainingAfterCompleting(1));
    }

    @Test
    public void aRefundAdmitsTheNextWaiterAtOnce() {
        Permit held = limiter().tryAcquire().permit();
        Permit refunded = limiter().tryAcquire().permit();
        CompletableFuture<Permit> waiting = limiter().acquireAsync();
        assertThat(waiting).isNotDone();

        refunded.cancel();

        assertThat(waiting).isCompleted();
        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().remaining()).isZero();
        held.cancel();
        waiting.join().cancel();
        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void anAllThatAnotherPartRefusesTakesNothingFromIt() {
        RateLimiter usedUp = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        usedUp.tryAcquire().permit().close();

        AcquireResult refused = RateLimiters.all(limiter(), usedUp).tryAcquire();

        assertThat(refused.isGranted()).isFalse();
        assertThat(limiter().remaining()).isEqualTo(2);
        assertThat(limiter().tryAcquire().isGranted()).isTrue();
    }

    @Test
    public void aCostAboveWhatItCanEverAdmitIsRefusedForGoodAndNeverWaits() {
        AcquireResult refused = limiter().tryAcquire(3);

        assertThat(refused).isInstanceOf(Refusal.class);
        assertThat(((Refusal) refused).retryAfterNanos()).isEqualTo(Refusal.NEVER);
        assertThat(limiter().remaining()).as("nothing taken").isEqualTo(2);
        assertThat(limiter().acquireAsync(3, 0, Duration.ofMinutes(1))).isCompletedExceptionally();
        assertThatThrownBy(() -> limiter().acquire(3, 0, Duration.ofMinutes(1)))
                .isInstanceOf(RateLimitedException.class);
        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().tryAcquire().isGranted()).as("the limiter is not closed").isTrue();
    }

    @Test
    public void waitingAcquireIsAdmittedWhenItRecovers() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync();
        assertThat(limiter().waiting()).isEqualTo(1);

        recover();

        assertThat(async).isCompleted();
        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().remaining()).isEqualTo(profile().freed() - 1);
    }

    @Test
    public void waitersGoByPriorityThenArrival() {
        useUp();
        List<String> order = new ArrayList<>();
        limiter().acquireAsync(5, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "5a"));
        limiter().acquireAsync(1, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "1a"));
        limiter().acquireAsync(5, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "5b"));
        limiter().acquireAsync(1, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "1b"));
        limiter().acquireAsync(3, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "3"));
        limiter().acquireAsync(-2, Duration.ofMinutes(1)).thenAccept(p -> used(p, order, "-2"));

        List<String> expected = List.of("-2", "1a", "1b", "3", "5a", "5b");
        for (int admitted = profile().freed(); admitted < expected.size() + profile().freed();
                admitted += profile().freed()) {
            recover();
            assertThat(order).containsExactlyElementsOf(expected.subList(0, Math.min(admitted, expected.size())));
        }
    }

    private void used(Permit permit, List<String> order, String who) {
        order.add(who);
        spend(permit);
    }

    @Test
    public void timeoutFailsTheWaiterAndHoldsNothing() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync(Duration.ofMillis(400));

        clock.advance(Duration.ofMillis(399));
        assertThat(async).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(Uses.failure(async)).isInstanceOf(RateLimitedException.class)
                .hasMessageStartingWith("timed out after PT0.4S waiting for ");
        assertThat(limiter().waiting()).isZero();
        recover();
        assertThat(limiter().remaining()).isEqualTo(profile().freed());
    }

    @Test
    public void zeroTimeoutDoesNotWait() {
        useUp();

        assertThatThrownBy(() -> limiter().acquire(Duration.ZERO)).isInstanceOf(RateLimitedException.class);
        assertThat(limiter().acquireAsync(Duration.ZERO)).isCompletedExceptionally();
        assertThat(limiter().waiting()).isZero();
    }

    @Test
    public void negativeTimeoutIsRejected() {
        assertThatThrownBy(() -> limiter().acquire(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be >= 0 but was PT-1S");
    }

    @Test
    public void cancellingTheFutureWithdrawsTheWaiterAndLeaksNothing() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync();
        CompletableFuture<Permit> behind = limiter().acquireAsync();

        async.cancel(true);

        assertThat(limiter().waiting()).isEqualTo(1);
        recover();
        assertThat(behind).isCompleted();
        assertThat(limiter().remaining()).isEqualTo(profile().freed() - 1);
        behind.join().cancel();
        assertThat(limiter().remaining()).isEqualTo(profile().freed());
    }

    @Test
    public void futureCompletedByTheCallerWithdrawsTheWaiter() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync();

        async.completeExceptionally(new IllegalStateException("gave up"));
        recover();

        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().remaining()).isEqualTo(profile().freed());
    }

    @Test
    public void closeFailsEveryWaiterAndLaterAcquires() {
        useUp();
        CompletableFuture<Permit> first = limiter().acquireAsync();
        CompletableFuture<Permit> second = limiter().acquireAsync(7, Duration.ofMinutes(1));

        limiter().close();
        limiter().close();

        assertThat(Uses.failure(first)).isInstanceOf(RateLimitedException.class).hasMessageEndingWith("is closed");
        assertThat(Uses.failure(second)).isInstanceOf(RateLimitedException.class);
        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().tryAcquire()).isEqualTo(new Refusal(Refusal.NEVER, 0));
        assertThatThrownBy(() -> limiter().acquire()).isInstanceOf(RateLimitedException.class);
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.LOCKED);
    }

    @Test
    public void callCompletesTheUseAndReturnsTheResult() throws Exception {
        assertThat(limiter().call(() -> "done")).isEqualTo("done");

        assertThat(limiter().remaining()).isEqualTo(remainingAfterCompleting(1));
    }

    @Test
    public void callRefundsTheUseWhenTheBodyCancels() {
        assertThatThrownBy(() -> limiter().call(() -> {
            throw new RateLimitCancelException("server answered 500");
        })).isInstanceOf(RateLimitCancelException.class).hasMessage("server answered 500");

        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void callCompletesTheUseWhenTheBodyFailsOtherwise() {
        assertThatThrownBy(() -> limiter().call(() -> {
            throw new java.io.IOException("connection reset");
        })).isInstanceOf(java.io.IOException.class);

        assertThat(limiter().remaining()).isEqualTo(remainingAfterCompleting(1));
    }

    @Test
    public void runRefundsOnCancelAndCompletesOtherwise() {
        assertThatThrownBy(() -> limiter().run(() -> {
            throw new RateLimitCancelException();
        })).isInstanceOf(RateLimitCancelException.class);
        assertThat(limiter().remaining()).isEqualTo(2);

        limiter().run(() -> { });
        assertThatThrownBy(() -> limiter().run(() -> {
            throw new IllegalStateException("bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(limiter().remaining()).isEqualTo(remainingAfterCompleting(2));
    }

    @Test
    public void blockingAcquireWaitsUntilItRecovers() throws Exception {
        useUp();
        AtomicReference<Permit> admitted = new AtomicReference<>();
        Thread waiter = new Thread(() -> admitted.set(limiter().acquire(Duration.ofMinutes(1))));
        waiter.start();
        Uses.await("the thread waits", () -> limiter().waiting() == 1);

        recover();
        waiter.join(Duration.ofSeconds(10).toMillis());

        assertThat(waiter.isAlive()).isFalse();
        assertThat(admitted.get()).isNotNull();
    }

    @Test
    public void blockingAcquireTimesOutOnTheClock() throws Exception {
        useUp();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                limiter().acquire(Duration.ofMillis(500));
            } catch (RateLimitedException e) {
                failure.set(e);
            }
        });
        waiter.start();
        Uses.await("the thread waits", () -> limiter().waiting() == 1);

        clock.advance(Duration.ofMillis(500));
        waiter.join(Duration.ofSeconds(10).toMillis());

        assertThat(failure.get()).isInstanceOf(RateLimitedException.class).hasMessageContaining("timed out");
        assertThat(limiter().waiting()).isZero();
    }

    @Test
    public void interruptedWaiterGivesUpKeepsItsInterruptAndHoldsNothing() throws Exception {
        useUp();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                limiter().acquire();
            } catch (RateLimitedException e) {
                failure.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        Uses.await("the thread waits", () -> limiter().waiting() == 1);

        waiter.interrupt();
        waiter.join(Duration.ofSeconds(10).toMillis());

        assertThat(failure.get()).isInstanceOf(RateLimitedException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(stillInterrupted.get()).isTrue();
        assertThat(limiter().waiting()).isZero();
        recover();
        assertThat(limiter().remaining()).isEqualTo(profile().freed());
    }

    @Test
    public void closeReleasesABlockedThread() throws Exception {
        useUp();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                limiter().acquire();
            } catch (RateLimitedException e) {
                failure.set(e);
            }
        });
        waiter.start();
        Uses.await("the thread waits", () -> limiter().waiting() == 1);

        limiter().close();
        waiter.join(Duration.ofSeconds(10).toMillis());

        assertThat(failure.get()).isInstanceOf(RateLimitedException.class);
    }

    @Test
    public void listenersAreToldEachChangeUntilTheyUnsubscribe() {
        List<RateLimitStatus> seen = new ArrayList<>();
        Subscription subscription = limiter().onStatusChange(seen::add);

        useUp();
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
        recover();
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);

        subscription.close();
        subscription.close();
        for (int i = 0; i < profile().freed(); i++) {
            spend(limiter().tryAcquire().permit());
        }
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.LOCKED);
        assertThat(seen).hasSize(2);
    }

    @Test
    public void listenersHearTheUnlockWhenARefusalsRetryAfterIsOver() {
        List<RateLimitStatus> seen = new ArrayList<>();
        limiter().onStatusChange(seen::add);
        useUp();

        if (profile().completedUsesCount()) {
            clock.advance(profile().retryAfter().minusMillis(1));
            assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
            clock.advance(Duration.ofMillis(1));
        } else { // time frees nothing: the end of a held use does
            clock.advance(Duration.ofHours(1));
            assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
            recover();
        }

        assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);
    }

    @Test
    public void aPauseRefusesUntilItEndsThenServesTheQueue() {
        limiter().pause(Duration.ofSeconds(3));
        CompletableFuture<Permit> waiting = limiter().acquireAsync();

        assertThat(limiter().tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(3).toNanos(), 0));
        assertThat(limiter().remaining()).isZero();
        assertThat(limiter().resetInNanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
        clock.advance(Duration.ofMillis(2999));
        assertThat(waiting).isNotDone();
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.LOCKED);
        clock.advance(Duration.ofMillis(1));

        assertThat(waiting).isCompleted();
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(limiter().remaining()).isEqualTo(1);
    }

    @Test
    public void aFailingListenerDoesNotBreakTheLimiter() {
        List<RateLimitStatus> seen = new ArrayList<>();
        limiter().onStatusChange(status -> {
            throw new IllegalStateException("listener bug");
        });
        limiter().onStatusChange(seen::add);

        useUp();

        assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
        assertThat(limiter().tryAcquire().isGranted()).isFalse();
    }
}
