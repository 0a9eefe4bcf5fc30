package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every kind of limiter shares. A subclass makes the limiter: one that admits two uses per second on
 * the given fake clock. {@code RateLimiterContractTest} runs it over every in-memory kind; other modules run it over
 * their limiters (ratelimit-redis over Redis).
 */
public abstract class RateLimiterContract {

    /**
     * A new limiter that admits two uses per second, on {@code clock}.
     *
     * @param clock the test's clock
     * @return the limiter under test
     */
    protected abstract RateLimiter newLimiter(FakeClock clock);

    /** The clock every limiter of the test runs on. */
    protected final FakeClock clock = new FakeClock();
    private RateLimiter limiter;

    private RateLimiter limiter() {
        if (limiter == null) {
            limiter = newLimiter(clock);
        }
        return limiter;
    }

    private void useUp() {
        limiter().tryAcquire().permit().close();
        limiter().tryAcquire().permit().close();
    }

    @Test
    public void admitsItsLimitThenRefusesWithARetryAfter() {
        useUp();

        AcquireResult refused = limiter().tryAcquire();

        assertThat(refused.isGranted()).isFalse();
        assertThat(refused).isInstanceOf(Refusal.class);
        assertThat(((Refusal) refused).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(((Refusal) refused).remaining()).isZero();
        assertThatThrownBy(refused::permit).isInstanceOf(IllegalStateException.class);
        assertThat(limiter().status()).isEqualTo(RateLimitStatus.LOCKED);
        assertThat(limiter().remaining()).isZero();
    }

    @Test
    public void admitsAgainWhenTheWindowEnds() {
        useUp();
        clock.advance(Duration.ofMillis(999));
        assertThat(limiter().tryAcquire().isGranted()).isFalse();

        clock.advance(Duration.ofMillis(1));

        assertThat(limiter().status()).isEqualTo(RateLimitStatus.UNLOCKED);
        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void cancelledUsesDoNotCount() {
        for (int i = 0; i < 10; i++) {
            limiter().tryAcquire().permit().cancel();
        }

        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void waitingAcquireIsAdmittedWhenTheWindowEnds() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync();
        assertThat(limiter().waiting()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));

        assertThat(async).isCompleted();
        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().remaining()).isEqualTo(1);
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

        clock.advance(Duration.ofSeconds(1));
        assertThat(order).containsExactly("-2", "1a");
        clock.advance(Duration.ofSeconds(1));
        assertThat(order).containsExactly("-2", "1a", "1b", "3");
        clock.advance(Duration.ofSeconds(1));
        assertThat(order).containsExactly("-2", "1a", "1b", "3", "5a", "5b");
    }

    private static void used(Permit permit, List<String> order, String who) {
        order.add(who);
        permit.close();
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
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter().remaining()).isEqualTo(2);
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
        clock.advance(Duration.ofSeconds(1));
        assertThat(behind).isCompleted();
        assertThat(limiter().remaining()).isEqualTo(1);
        behind.join().cancel();
        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void futureCompletedByTheCallerWithdrawsTheWaiter() {
        useUp();
        CompletableFuture<Permit> async = limiter().acquireAsync();

        async.completeExceptionally(new IllegalStateException("gave up"));
        clock.advance(Duration.ofSeconds(1));

        assertThat(limiter().waiting()).isZero();
        assertThat(limiter().remaining()).isEqualTo(2);
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

        assertThat(limiter().remaining()).isEqualTo(1);
    }

    @Test
    public void callRefundsTheUseWhenTheBodyCancels() {
        assertThatThrownBy(() -> limiter().call(() -> {
            throw new RateLimitCancelException("server answered 500");
        })).isInstanceOf(RateLimitCancelException.class).hasMessage("server answered 500");

        assertThat(limiter().remaining()).isEqualTo(2);
    }

    @Test
    public void callCountsTheUseWhenTheBodyFailsOtherwise() {
        assertThatThrownBy(() -> limiter().call(() -> {
            throw new java.io.IOException("connection reset");
        })).isInstanceOf(java.io.IOException.class);

        assertThat(limiter().remaining()).isEqualTo(1);
    }

    @Test
    public void runRefundsOnCancelAndCountsOtherwise() {
        assertThatThrownBy(() -> limiter().run(() -> {
            throw new RateLimitCancelException();
        })).isInstanceOf(RateLimitCancelException.class);
        assertThat(limiter().remaining()).isEqualTo(2);

        limiter().run(() -> { });
        assertThatThrownBy(() -> limiter().run(() -> {
            throw new IllegalStateException("bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(limiter().remaining()).isZero();
    }

    @Test
    public void blockingAcquireWaitsUntilTheClockMoves() throws Exception {
        useUp();
        AtomicReference<Permit> admitted = new AtomicReference<>();
        Thread waiter = new Thread(() -> admitted.set(limiter().acquire(Duration.ofMinutes(1))));
        waiter.start();
        Uses.await("the thread waits", () -> limiter().waiting() == 1);

        clock.advance(Duration.ofSeconds(1));
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
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter().remaining()).isEqualTo(2);
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
        clock.advance(Duration.ofSeconds(1));
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED, RateLimitStatus.UNLOCKED);

        subscription.close();
        subscription.close();
        useUp();
        assertThat(seen).hasSize(2);
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
