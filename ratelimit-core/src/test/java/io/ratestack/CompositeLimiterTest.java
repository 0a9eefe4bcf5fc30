package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** All- and any-limiters: all or nothing, first that admits, nesting, sharing. */
class CompositeLimiterTest {

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit) {
        return RateLimiters.timesPerBuilder(limit, Duration.ofSeconds(1)).clock(clock).build();
    }

    @Test
    void allRefusedByOnePartHoldsNothingOfTheOthers() {
        RateLimiter a = timesPer(1);
        RateLimiter b = timesPer(1);
        b.tryAcquire().permit().close();

        AcquireResult result = RateLimiters.all(a, b).tryAcquire();

        assertThat(result.isGranted()).isFalse();
        assertThat(a.remaining()).isEqualTo(1);
        assertThat(((Refusal) result).retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void allRetryAfterIsTheLongestWaitOfItsParts() {
        RateLimiter a = timesPer(1);
        RateLimiter b = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(5)).clock(clock).build();
        a.tryAcquire().permit().close();
        b.tryAcquire().permit().close();

        assertThat(((Refusal) RateLimiters.all(a, b).tryAcquire()).retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(((Refusal) RateLimiters.any(a, b).tryAcquire()).retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void allPermitCompletesAndCancelsEveryPart() {
        RateLimiter a = timesPer(2);
        RateLimiter b = timesPer(2);
        RateLimiter all = RateLimiters.all(a, b);

        all.tryAcquire().permit().close();
        all.tryAcquire().permit().cancel();

        assertThat(a.remaining()).isEqualTo(1);
        assertThat(b.remaining()).isEqualTo(1);
    }

    @Test
    void waitingAllNeverHoldsOnePartWhileItWaitsForAnother() {
        RateLimiter a = timesPer(1);
        RateLimiter b = timesPer(1);
        Permit holdsB = b.tryAcquire().permit();

        CompletableFuture<Permit> waiting = RateLimiters.all(a, b).acquireAsync();

        assertThat(waiting).isNotDone();
        assertThat(a.remaining()).isEqualTo(1);
        Permit other = a.tryAcquire().permit();
        holdsB.cancel();
        assertThat(waiting).isNotDone();
        other.cancel();
        assertThat(waiting).isCompleted();
    }

    @Test
    void allBacktracksThroughTheChoicesOfANestedAny() {
        RateLimiter x = timesPer(1);
        RateLimiter y = timesPer(1);
        RateLimiter all = RateLimiters.all(RateLimiters.any(x, y), x);

        Permit permit = all.tryAcquire().permit();

        assertThat(x.remaining()).isZero();
        assertThat(y.remaining()).isZero();
        permit.cancel();
        assertThat(x.remaining()).isEqualTo(1);
        assertThat(y.remaining()).isEqualTo(1);
    }

    @Test
    void allOfTheSameLimiterTwiceTakesTwoSlots() {
        RateLimiter x = timesPer(2);
        RateLimiter twice = RateLimiters.all(x, x);

        twice.tryAcquire().permit().close();

        assertThat(x.remaining()).isZero();
        assertThat(RateLimiters.all(timesPer(1), x).tryAcquire().isGranted()).isFalse();
        RateLimiter single = timesPer(1);
        assertThat(RateLimiters.all(single, single).tryAcquire().isGranted()).isFalse();
        assertThat(single.remaining()).isEqualTo(1);
    }

    /** Limiters of two uses a second in which one use frees half a second after using them up, or none. */
    static Stream<Arguments> twoPerSecond() {
        Function<FakeClock, RateLimiter> timesPer = clock ->
                RateLimiters.timesPerBuilder(2, Duration.ofSeconds(1)).clock(clock).build();
        Function<FakeClock, RateLimiter> tokenBucket = clock ->
                RateLimiters.tokenBucketBuilder(2, 2, Duration.ofSeconds(1)).clock(clock).build();
        Function<FakeClock, RateLimiter> gcra = clock ->
                RateLimiters.gcraBuilder(2, Duration.ofSeconds(1), 2).clock(clock).build();
        return Stream.of(Arguments.of("timesPer", timesPer), Arguments.of("tokenBucket", tokenBucket),
                Arguments.of("gcra", gcra));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("twoPerSecond")
    void aWaiterOnAnAllOverOneLimiterTwiceWaitsUntilItHoldsBothUses(String kind,
            Function<FakeClock, RateLimiter> twoPerSecond) {
        RateLimiter leaf = twoPerSecond.apply(clock);
        RateLimiter twice = RateLimiters.all(leaf, leaf);
        twice.tryAcquire().permit().close();
        CompletableFuture<Permit> waiting = twice.acquireAsync();

        clock.advance(Duration.ofMillis(500));
        assertThat(waiting).as("room for one use of the two").isNotDone();
        clock.advance(Duration.ofMillis(500));

        assertThat(waiting).isCompleted();
    }

    @Test
    void anyTakesTheFirstChildThatAdmitsAndReleasesOnlyThatOne() {
        RateLimiter first = timesPer(1);
        RateLimiter second = timesPer(1);
        RateLimiter any = RateLimiters.any(first, second);

        Permit p1 = any.tryAcquire().permit();
        assertThat(first.remaining()).isZero();
        assertThat(second.remaining()).isEqualTo(1);
        Permit p2 = any.tryAcquire().permit();
        assertThat(second.remaining()).isZero();

        p2.cancel();
        assertThat(first.remaining()).isZero();
        assertThat(second.remaining()).isEqualTo(1);
        p1.close();
        assertThat(any.remaining()).isEqualTo(1);
    }

    @Test
    void anyWaitsForTheFirstChildThatFrees() {
        RateLimiter first = timesPer(1);
        RateLimiter second = RateLimiters.timesPerBuilder(1, Duration.ofMillis(300)).clock(clock).build();
        RateLimiter any = RateLimiters.any(first, second);
        any.tryAcquire().permit().close();
        any.tryAcquire().permit().close();

        CompletableFuture<Permit> waiting = any.acquireAsync();
        clock.advance(Duration.ofMillis(300));

        assertThat(waiting).isCompleted();
        assertThat(second.remaining()).isZero();
        assertThat(first.remaining()).isZero();
    }

    @Test
    void compositesNestToAnyDepth() {
        RateLimiter a = timesPer(1);
        RateLimiter b = timesPer(2);
        RateLimiter c = timesPer(3);
        RateLimiter deep = RateLimiters.all(RateLimiters.all(a), RateLimiters.any(RateLimiters.all(b, c)));

        deep.tryAcquire().permit().close();

        assertThat(deep.tryAcquire().isGranted()).isFalse();
        assertThat(a.remaining()).isZero();
        assertThat(b.remaining()).isEqualTo(1);
        assertThat(c.remaining()).isEqualTo(2);
    }

    @Test
    void emptyCompositesAdmitAtOnce() {
        assertThat(RateLimiters.all().tryAcquire().isGranted()).isTrue();
        assertThat(RateLimiters.any().acquire().isGranted()).isTrue();
        assertThat(RateLimiters.all().remaining()).isEqualTo(Integer.MAX_VALUE);
        assertThat(RateLimiters.any().status()).isEqualTo(RateLimitStatus.UNLOCKED);
    }

    @Test
    void compositeRefusesLimitersOnDifferentClocks() {
        RateLimiter onFake = timesPer(1);
        RateLimiter onSystem = RateLimiters.timesPer(1, Duration.ofSeconds(1));

        assertThatThrownBy(() -> RateLimiters.all(onFake, onSystem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must share one clock");
    }

    @Test
    void compositeRefusesLimitersItDidNotMake() {
        RateLimiter foreign = new RateLimiter() {
            @Override public AcquireResult tryAcquire(int cost) { throw new AssertionError(); }
            @Override public Permit acquire(int cost, int priority, Duration timeout) { throw new AssertionError(); }
            @Override public CompletableFuture<Permit> acquireAsync(int cost, int priority, Duration timeout) {
                throw new AssertionError();
            }
            @Override public <T> T call(java.util.concurrent.Callable<T> body) { throw new AssertionError(); }
            @Override public void run(Runnable body) { throw new AssertionError(); }
            @Override public RateLimitStatus status() { throw new AssertionError(); }
            @Override public int remaining() { throw new AssertionError(); }
            @Override public int waiting() { throw new AssertionError(); }
            @Override public long resetInNanos() { throw new AssertionError(); }
            @Override public void pause(Duration duration) { throw new AssertionError(); }
            @Override public Subscription onStatusChange(java.util.function.Consumer<RateLimitStatus> listener) {
                throw new AssertionError();
            }
            @Override public void close() {
            }
        };

        assertThatThrownBy(() -> RateLimiters.any(timesPer(1), foreign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("limiters[1] must be made by RateLimiters");
        assertThatThrownBy(() -> RateLimiters.all(timesPer(1), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("limiters[1] must not be null");
    }

    @Test
    void closingACompositeLeavesItsChildrenOpen() {
        RateLimiter a = timesPer(1);
        RateLimiter all = RateLimiters.all(a);

        all.close();

        assertThat(all.tryAcquire()).isEqualTo(new Refusal(Refusal.NEVER, 0));
        assertThat(a.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void closingALeafFailsWaitersOfCompositesThatNeedIt() {
        RateLimiter a = timesPer(1);
        RateLimiter b = timesPer(1);
        a.tryAcquire().permit().close();
        b.tryAcquire().permit().close();
        CompletableFuture<Permit> needsA = RateLimiters.all(a, b).acquireAsync();
        CompletableFuture<Permit> canUseB = RateLimiters.any(a, b).acquireAsync();

        a.close();

        assertThat(Uses.failure(needsA)).isInstanceOf(RateLimitedException.class);
        assertThat(canUseB).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(canUseB).isCompleted();
    }

    @Test
    void tryAcquireAndAcquireAgreeOnAClosedNestedComposite() {
        RateLimiter x = timesPer(5);
        RateLimiter y = timesPer(5);
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
}
