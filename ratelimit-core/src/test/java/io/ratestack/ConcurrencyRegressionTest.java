package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Regression tests of races found in review, each named after the bug it pins. */
class ConcurrencyRegressionTest {

    // F1: the thread that owns a leaf's dispatch runs async waiters' callbacks inline; while a callback runs, no
    // other thread can admit anyone on that leaf. A blocking acquire inside the callback waits for a pass that
    // only its own (blocked) thread may run.
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

    // F1 (variant without blocking in the callback): a slow callback on the dispatching thread stalls every
    // admission of that leaf, even ones that other threads try to make.
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

    // F2: a leaf closed between acquireOrWait's unlocked `closed` check and its locked registration: the waiter is
    // registered on a closed leaf after close() took its snapshot, and nothing ever fails it.
    @Test
    @Timeout(30)
    void waiterRacingWithLeafCloseIsFailed() throws Exception {
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

    // F2 for a composite: close() sets `closed` then scans for waiters; an acquire that passed the unlocked check
    // registers (or is even admitted: flat composites' reserveTop ignores their own `closed`) afterwards.
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

    // F3: a closed composite nested in another: tryAcquire/status say it admits, acquire says it is closed.
    @Test
    void closedNestedCompositeIsTreatedConsistently() {
        FakeClock clock = new FakeClock();
        RateLimiter x = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter y = RateLimiters.timesPerBuilder(5, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter inner = RateLimiters.any(x);
        RateLimiter outer = RateLimiters.all(inner, y);
        inner.close();

        boolean granted = outer.tryAcquire().isGranted();
        RateLimitStatus status = outer.status();
        boolean acquireThrows;
        try {
            outer.acquire(Duration.ofSeconds(1)).close();
            acquireThrows = false;
        } catch (RateLimitedException e) {
            acquireThrows = true;
        }
        assertThat(granted).as("tryAcquire granted (status %s) but acquire threw: %s", status, acquireThrows)
                .isEqualTo(!acquireThrows);
    }

    // F4: concurrent subscribe/unsubscribe on a composite loses or leaks the leaf observers.
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

    // F5: interrupt racing with close/timeout: getNow() on an exceptionally completed future throws
    // CompletionException out of acquire(), and the interrupt status is lost.
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

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
