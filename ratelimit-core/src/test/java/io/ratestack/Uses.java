package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/** Test helpers: users as chains of asynchronous acquires on a fake clock, so "concurrent" needs no threads. */
final class Uses {

    static final Duration STEP = Duration.ofMillis(1);

    private Uses() {
    }

    /** {@code times} uses one after another, each completed at once, as slowstack's {@code async with} loops. */
    static CompletableFuture<Void> sequential(RateLimiter limiter, int times) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < times; i++) {
            chain = chain.thenCompose(ignored -> limiter.acquireAsync()).thenAccept(Permit::close);
        }
        return chain;
    }

    /** {@code times} uses one after another, each refunded, as a body that throws RateLimitCancelException. */
    static CompletableFuture<Void> sequentialCancelled(RateLimiter limiter, int times) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < times; i++) {
            chain = chain.thenCompose(ignored -> limiter.acquireAsync()).thenAccept(Permit::cancel);
        }
        return chain;
    }

    /** {@code users} users at once, each using the limiter {@code times} times. */
    static CompletableFuture<Void> concurrent(RateLimiter limiter, int users, int times) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[users];
        for (int i = 0; i < users; i++) {
            all[i] = sequential(limiter, times);
        }
        return CompletableFuture.allOf(all);
    }

    /** Advances the clock in steps of 1 ms until {@code done} completes; answers the fake time it took. */
    static Duration timeUntilDone(FakeClock clock, CompletableFuture<?> done) {
        Duration start = clock.elapsed();
        for (int steps = 0; !done.isDone(); steps++) {
            if (steps > 10_000_000) {
                fail("not done after " + clock.elapsed());
            }
            clock.advance(STEP);
        }
        assertThat(done).isCompleted();
        return clock.elapsed().minus(start);
    }

    /**
     * Asserts that {@code limiter} refuses a use until {@code wait} has passed on {@code clock}, to the nanosecond,
     * and admits one then.
     */
    static void assertAdmitsOnlyAfter(FakeClock clock, RateLimiter limiter, Duration wait) {
        clock.advance(wait.minusNanos(1));
        assertThat(limiter.tryAcquire().isGranted()).as("1 ns before %s", wait).isFalse();
        clock.advance(Duration.ofNanos(1));
        assertThat(limiter.tryAcquire().isGranted()).as("after %s", wait).isTrue();
    }

    /** The exception a completed future failed with. */
    static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.getNow(null);
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        }
        throw new AssertionError("not failed: " + future);
    }

    /**
     * Waits, in real time but bounded, until a condition made true by another thread holds: for tests in which a
     * thread must block before the test moves the fake clock.
     */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
