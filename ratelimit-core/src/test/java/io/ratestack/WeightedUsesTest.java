package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Uses of a cost: taken from every part at once or not at all, refused at once when no part could ever hold them,
 * queued without being overtaken by smaller ones, and settled at a different cost on close, each algorithm as its
 * javadoc says.
 */
class WeightedUsesTest {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration FOREVER = Duration.ofDays(365);

    private final FakeClock clock = new FakeClock();

    private RateLimiter timesPer(int limit) {
        return RateLimiters.timesPerBuilder(limit, SECOND).clock(clock).build();
    }

    private RateLimiter bucket(int capacity) {
        return RateLimiters.tokenBucketBuilder(capacity, 1, SECOND).clock(clock).build();
    }

    private RateLimiter gcra(int burst) {
        return RateLimiters.gcraBuilder(1, SECOND, burst).clock(clock).build();
    }

    private RateLimiter slidingWindow(int limit) {
        return RateLimiters.slidingWindowBuilder(limit, Duration.ofSeconds(10)).clock(clock).build();
    }

    private RateLimiter concurrency(int permits) {
        return RateLimiters.concurrencyBuilder(permits).clock(clock).build();
    }

    private List<RateLimiter> everyKindOfFive() {
        return List.of(timesPer(5), bucket(5), gcra(5), slidingWindow(5), concurrency(5));
    }

    @Test
    void aUseTakesItsCostFromEveryAlgorithm() {
        for (RateLimiter limiter : everyKindOfFive()) {
            Permit three = limiter.tryAcquire(3).permit();

            assertThat(limiter.remaining()).as("%s", limiter).isEqualTo(2);
            assertThat(limiter.tryAcquire(3).isGranted()).as("%s", limiter).isFalse();
            assertThat(limiter.tryAcquire(2).isGranted()).as("%s", limiter).isTrue();
            three.cancel();
            assertThat(limiter.remaining()).as("%s refunds the whole cost", limiter).isEqualTo(3);
        }
    }

    @Test
    void aCostAboveWhatALimiterCanEverAdmitIsRefusedAtOnceAndNeverQueued() {
        for (RateLimiter limiter : everyKindOfFive()) {
            AcquireResult refused = limiter.tryAcquire(6);

            assertThat(refused).as("%s", limiter).isEqualTo(new Refusal(Refusal.NEVER, 5));
            assertThatThrownBy(() -> limiter.acquire(6, 0, FOREVER))
                    .as("%s", limiter)
                    .isInstanceOf(RateLimitedException.class)
                    .hasMessageContaining("cost 6 can never be admitted")
                    .hasMessageContaining("at most 5");
            assertThat(limiter.acquireAsync(6, 0, FOREVER)).isCompletedExceptionally();
            assertThat(limiter.waiting()).isZero();
        }
    }

    @Test
    void aCostBelowOneIsRejected() {
        RateLimiter limiter = timesPer(5);

        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cost must be > 0 but was 0");
        assertThatThrownBy(() -> limiter.acquire(-1, 0, SECOND)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cost must be > 0 but was -1");
        assertThatThrownBy(() -> RateLimiters.all(limiter, timesPer(1)).acquireAsync(0, 0, SECOND))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allTakesTheCostFromEveryPartOrNothing() {
        RateLimiter wide = timesPer(10);
        RateLimiter narrow = bucket(4);
        RateLimiter both = RateLimiters.all(wide, narrow);

        assertThat(both.tryAcquire(5)).isEqualTo(new Refusal(Refusal.NEVER, 4));
        Permit four = both.tryAcquire(4).permit();
        assertThat(wide.remaining()).isEqualTo(6);
        assertThat(narrow.remaining()).isZero();

        AcquireResult refused = both.tryAcquire(1);
        assertThat(refused.isGranted()).isFalse();
        assertThat(wide.remaining()).as("nothing taken from the part that had room").isEqualTo(6);
        four.close();
    }

    @Test
    void allOverALeafTwiceNeedsTwiceTheCost() {
        RateLimiter leaf = timesPer(6);
        RateLimiter twice = RateLimiters.all(leaf, leaf);

        assertThat(twice.tryAcquire(4)).isEqualTo(new Refusal(Refusal.NEVER, 6));
        twice.tryAcquire(3).permit().close();
        assertThat(leaf.remaining()).isZero();
    }

    @Test
    void anyTakesTheCostFromTheFirstPartThatHoldsIt() {
        RateLimiter small = timesPer(2);
        RateLimiter large = timesPer(10);
        RateLimiter either = RateLimiters.any(small, large);

        either.tryAcquire(5).permit().close();
        assertThat(small.remaining()).isEqualTo(2);
        assertThat(large.remaining()).isEqualTo(5);
        either.tryAcquire(2).permit().close();
        assertThat(small.remaining()).isZero();
        assertThat(either.tryAcquire(11)).isEqualTo(new Refusal(Refusal.NEVER, 5));
    }

    @Test
    void aLargeWaiterIsNotOvertakenBySmallerOnesBehindIt() {
        RateLimiter limiter = bucket(5);
        limiter.tryAcquire(5).permit().close(); // empty; one token a second
        List<String> admitted = new ArrayList<>();

        limiter.acquireAsync(3, 0, FOREVER).thenAccept(permit -> admitted.add("three"));
        limiter.acquireAsync(1, 0, FOREVER).thenAccept(permit -> admitted.add("one"));

        clock.advance(Duration.ofSeconds(2));
        assertThat(admitted).as("two tokens: not enough for the first, and the second waits behind it").isEmpty();
        clock.advance(SECOND);
        assertThat(admitted).containsExactly("three");
        clock.advance(SECOND);
        assertThat(admitted).containsExactly("three", "one");
    }

    @Test
    void aSmallWaiterDoesNotOvertakeALargeOneThroughAnotherPart() {
        RateLimiter tokens = bucket(5);
        RateLimiter slot = concurrency(1);
        tokens.tryAcquire(5).permit().close();
        Permit held = slot.tryAcquire().permit();

        CompletableFuture<Permit> five = tokens.acquireAsync(5, 0, FOREVER);
        CompletableFuture<Permit> one = RateLimiters.all(tokens, slot).acquireAsync(1, 0, FOREVER);
        clock.advance(Duration.ofSeconds(3));
        held.close(); // the slot frees while the bucket holds 3 tokens

        assertThat(one).as("the 3 tokens are kept for the first waiter").isNotDone();
        clock.advance(Duration.ofSeconds(2));
        assertThat(five).isCompleted();
        assertThat(one).isNotDone();
        clock.advance(SECOND);
        assertThat(one).isCompleted();
    }

    @Test
    void tryAcquireDoesNotTakeTheRoomALargeWaiterIsWaitingFor() {
        RateLimiter limiter = bucket(5);
        limiter.tryAcquire(5).permit().close();
        CompletableFuture<Permit> five = limiter.acquireAsync(5, 0, FOREVER);

        for (int second = 1; second < 5; second++) {
            clock.advance(SECOND);
            AcquireResult barging = limiter.tryAcquire();
            assertThat(barging.isGranted()).as("after %d s", second).isFalse();
            assertThat(((Refusal) barging).retryAfterNanos()).isPositive();
            assertThat(limiter.status()).isEqualTo(RateLimitStatus.LOCKED);
        }
        clock.advance(SECOND);

        assertThat(five).isCompleted();
    }

    @Test
    void aWaiterIsWokenWhenTimeMakesRoomForItsWholeCost() {
        RateLimiter limiter = gcra(4);
        limiter.tryAcquire(4).permit().close();

        CompletableFuture<Permit> three = limiter.acquireAsync(3, 0, FOREVER);

        clock.advance(Duration.ofMillis(2999));
        assertThat(three).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(three).isCompleted();
        assertThat(limiter.remaining()).isZero();
    }

    @Test
    void aWaiterTooLargeForOnePartOfAnAnyDoesNotHoldUpThatPartsQueue() throws Exception {
        RateLimiter small = concurrency(1);
        RateLimiter large = concurrency(10);
        RateLimiter either = RateLimiters.any(small, large);
        Permit holdsSmall = small.tryAcquire().permit();
        Permit holdsLarge = large.tryAcquire(10).permit();

        CompletableFuture<Permit> big = either.acquireAsync(5, 0, FOREVER);
        CompletableFuture<Permit> one = either.acquireAsync(1, 0, FOREVER);
        holdsSmall.close();

        assertThat(one).as("the small part serves the waiter it can hold").isCompleted();
        assertThat(big).isNotDone();
        holdsLarge.close();
        assertThat(big.get().isGranted()).isTrue();
    }

    @Test
    void aWaiterTooLargeForOnePartOfAnAnyDoesNotDelayThatPartsTimer() {
        RateLimiter small = bucket(5);
        RateLimiter large = bucket(10);
        small.tryAcquire(5).permit().close();
        large.tryAcquire(10).permit().close();

        CompletableFuture<Permit> seven = RateLimiters.any(small, large).acquireAsync(7, 0, FOREVER);
        CompletableFuture<Permit> one = small.acquireAsync(1, 0, FOREVER);
        clock.advance(SECOND);

        assertThat(one).as("the small bucket's first token goes to the waiter it can hold").isCompleted();
        clock.advance(Duration.ofSeconds(6));
        assertThat(seven).isCompleted();
    }

    @Test
    void aWaiterFailsOnceNoOpenPartCanHoldItsCost() {
        RateLimiter small = timesPer(5);
        RateLimiter large = timesPer(10);
        RateLimiter either = RateLimiters.any(small, large);
        Permit full = large.tryAcquire(10).permit();
        CompletableFuture<Permit> seven = either.acquireAsync(7, 0, FOREVER);

        large.close();

        assertThat(seven).isCompletedExceptionally();
        assertThat(either.waiting()).isZero();
        assertThat(either.tryAcquire(7)).isEqualTo(new Refusal(Refusal.NEVER, 5));
        assertThatThrownBy(() -> either.acquire(7, 0, FOREVER)).isInstanceOf(RateLimitedException.class);
        full.close();
    }

    @Test
    void aCostThatNestedCompositesSharingALeafCanNeverHoldIsRefusedAtOnce() {
        RateLimiter shared = timesPer(6);
        RateLimiter nested = RateLimiters.all(shared, RateLimiters.all(shared, timesPer(100)));

        assertThat(nested.tryAcquire(4)).isEqualTo(new Refusal(Refusal.NEVER, 6));
        assertThat(nested.acquireAsync(4, 0, FOREVER)).isCompletedExceptionally();
        assertThat(nested.tryAcquire(3).isGranted()).isTrue();
        assertThat(shared.remaining()).isZero();
    }

    @Test
    void aCostThatSomeChoiceOfAnAnyCanHoldIsAdmitted() {
        RateLimiter shared = timesPer(6);
        RateLimiter either = RateLimiters.all(RateLimiters.any(shared, timesPer(100)), shared);

        assertThat(either.tryAcquire(5).isGranted()).as("the any() takes the other part, the all() the shared one")
                .isTrue();
        assertThat(shared.remaining()).isEqualTo(1);
    }

    @Test
    void timesPerSettlesTheActualCostAsUsedSlots() {
        RateLimiter limiter = timesPer(10);
        Permit estimate = limiter.tryAcquire(6).permit();

        estimate.close(2);
        assertThat(limiter.remaining()).as("4 of the 6 come back at once").isEqualTo(8);

        limiter.tryAcquire(1).permit().close(12);
        assertThat(limiter.remaining()).as("over the limit: nothing until the window ends").isZero();
        assertThat(limiter.tryAcquire()).isEqualTo(new Refusal(SECOND.toNanos(), 0));
        clock.advance(SECOND);
        assertThat(limiter.remaining()).isEqualTo(10);
    }

    @Test
    void timesPerSettlingZeroIsACancel() {
        RateLimiter limiter = timesPer(2);

        limiter.tryAcquire(2).permit().close(0);

        assertThat(limiter.remaining()).isEqualTo(2);
        assertThat(limiter.resetInNanos()).as("no window started").isZero();
    }

    @Test
    void aTokenBucketGivesBackTheDifferenceOrGoesIntoDebt() {
        RateLimiter limiter = bucket(10);

        limiter.tryAcquire(6).permit().close(1);
        assertThat(limiter.remaining()).isEqualTo(9);

        limiter.tryAcquire(9).permit().close(12); // 3 more than the bucket held
        assertThat(limiter.remaining()).isZero();
        assertThat(limiter.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(4).toNanos(), 0));
        clock.advance(Duration.ofSeconds(3));
        assertThat(limiter.remaining()).as("the debt repaid, nothing more yet").isZero();
        clock.advance(SECOND);
        assertThat(limiter.tryAcquire().isGranted()).isTrue();
    }

    @Test
    void aTokenBucketNeverRefillsAboveCapacityOnASmallerSettlement() {
        RateLimiter limiter = bucket(5);
        Permit five = limiter.tryAcquire(5).permit();
        clock.advance(Duration.ofSeconds(3));

        five.close(1);

        assertThat(limiter.remaining()).isEqualTo(5);
    }

    @Test
    void gcraMovesItsArrivalTimeByTheDifference() {
        RateLimiter limiter = gcra(5);

        limiter.tryAcquire(4).permit().close(1);
        assertThat(limiter.remaining()).isEqualTo(4);
        assertThat(limiter.resetInNanos()).isEqualTo(SECOND.toNanos());

        limiter.tryAcquire(1).permit().close(8); // seven intervals more
        assertThat(limiter.resetInNanos()).isEqualTo(Duration.ofSeconds(9).toNanos());
        assertThat(limiter.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(5).toNanos(), 0));
    }

    @Test
    void gcraGivesNothingBackOnceTimeHasPaidTheUse() {
        RateLimiter limiter = gcra(5);
        Permit two = limiter.tryAcquire(2).permit();
        clock.advance(Duration.ofSeconds(2));

        two.cancel();

        assertThat(limiter.remaining()).isEqualTo(5);
        assertThat(limiter.resetInNanos()).isZero();
    }

    @Test
    void aSlidingWindowCountsTheDifferenceInTheRunningWindow() {
        RateLimiter limiter = slidingWindow(10);

        limiter.tryAcquire(5).permit().close(2);
        assertThat(limiter.remaining()).isEqualTo(8);

        limiter.tryAcquire(1).permit().close(9);
        assertThat(limiter.remaining()).isZero();
        assertThat(limiter.tryAcquire().isGranted()).isFalse();
    }

    @Test
    void aSlidingWindowTakesWhatTheRunningWindowLacksOffThePreviousOne() {
        RateLimiter limiter = slidingWindow(10);
        Permit earlier = limiter.tryAcquire(3).permit();
        limiter.tryAcquire(5).permit().close();
        clock.advance(Duration.ofSeconds(10)); // the 8 are the previous window's now, all still weighing
        limiter.tryAcquire(1).permit().close();
        assertThat(limiter.remaining()).isEqualTo(1);

        earlier.cancel();

        assertThat(limiter.remaining()).as("1 off the running window, 2 off the previous one").isEqualTo(4);
    }

    @Test
    void aConcurrencyLimiterGivesBackTheUnitsWhateverTheSettlement() {
        RateLimiter limiter = concurrency(5);

        limiter.tryAcquire(3).permit().close(100);

        assertThat(limiter.remaining()).isEqualTo(5);
    }

    @Test
    void aCompositeSettlesEveryPart() {
        RateLimiter window = timesPer(10);
        RateLimiter tokens = bucket(10);
        RateLimiter both = RateLimiters.all(window, tokens);

        both.tryAcquire(5).permit().close(3);

        assertThat(window.remaining()).isEqualTo(7);
        assertThat(tokens.remaining()).isEqualTo(7);
    }

    @Test
    void aNegativeSettlementIsRejectedAndSettlesNothing() {
        RateLimiter limiter = timesPer(10);
        Permit permit = limiter.tryAcquire(4).permit();

        assertThatThrownBy(() -> permit.close(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actualCost must be >= 0 but was -1");

        permit.close();
        assertThat(limiter.remaining()).isEqualTo(6);
    }

    @Test
    void aBlockingWeightedAcquireWaitsForItsWholeCost() throws Exception {
        RateLimiter limiter = bucket(3);
        limiter.tryAcquire(3).permit().close();
        CompletableFuture<Permit> waiting = CompletableFuture.supplyAsync(() -> limiter.acquire(2, 0, FOREVER));
        Uses.await("the acquire waits", () -> limiter.waiting() == 1);

        clock.advance(SECOND);
        assertThat(limiter.waiting()).as("one token: still waiting").isEqualTo(1);
        clock.advance(SECOND);

        assertThat(waiting.get().isGranted()).isTrue();
    }

    @Test
    void aWeightedWaiterTimesOutAndTakesNothing() {
        RateLimiter limiter = timesPer(4);
        limiter.tryAcquire(3).permit().close();

        CompletableFuture<Permit> two = limiter.acquireAsync(2, 0, SECOND.dividedBy(2));
        clock.advance(SECOND.dividedBy(2));

        assertThat(two).isCompletedExceptionally();
        assertThatThrownBy(two::get).isInstanceOf(ExecutionException.class).hasMessageContaining("timed out");
        assertThat(limiter.remaining()).isEqualTo(1);
    }
}
