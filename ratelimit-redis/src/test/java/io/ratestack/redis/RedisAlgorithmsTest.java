package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each algorithm in Redis with costs and settlements (which the in-memory limiters cannot take yet, so
 * {@link RedisEquivalenceTest} covers only costs they can mirror), a cost beyond a limit, leases that carry their
 * cost, the keys each algorithm keeps and their expiry, and the server's clock.
 */
class RedisAlgorithmsTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final FakeClock clock = new FakeClock();
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> sync;
    private RedisLimits limits;

    @BeforeEach
    void connect() {
        connection = redis.connect();
        sync = connection.sync();
        sync.flushall();
        limits = RedisLimits.builder(connection).prefix("a:").lease(Duration.ofSeconds(30)).clock(clock).build();
    }

    private static RedisLimits.RedisPermit permit(AcquireResult result) {
        return (RedisLimits.RedisPermit) result.permit();
    }

    private static Refusal refusal(AcquireResult result) {
        assertThat(result).isInstanceOf(Refusal.class);
        return (Refusal) result;
    }

    @Test
    void timesPerTakesTheCostInFlightAndCountsTheActualCostInTheWindow() {
        List<Limit> five = List.of(Limit.of(5, Duration.ofSeconds(10)).named("tp"));
        RedisLimits.RedisPermit three = permit(limits.tryAcquire("c", five, 3));
        assertThat(refusal(limits.tryAcquire("c", five, 3)).remaining()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        three.close(1); // frees three slots, counts one, starts the window at 1 s

        RedisLimits.Outcome four = limits.attempt("c", five, 4);
        assertThat(four.states().get(0).remaining()).isZero();
        assertThat(refusal(limits.tryAcquire("c", five))).isEqualTo(new Refusal(Duration.ofSeconds(10).toNanos(), 0));
        four.result().permit().cancel();
        clock.advance(Duration.ofSeconds(10));
        assertThat(limits.tryAcquire("c", five, 5).isGranted()).isTrue();
    }

    @Test
    void timesPerCountsAnActualCostAboveTheCostAndAdmitsNothingUntilTheWindowEnds() {
        List<Limit> five = List.of(Limit.of(5, Duration.ofSeconds(10)).named("tp"));
        permit(limits.tryAcquire("c", five, 2)).close(7);

        assertThat(sync.hget("a:{c}:tp:s", "used")).isEqualTo("7");
        assertThat(refusal(limits.tryAcquire("c", five))).isEqualTo(new Refusal(Duration.ofSeconds(10).toNanos(), 0));
        clock.advance(Duration.ofSeconds(10));
        assertThat(limits.tryAcquire("c", five).isGranted()).isTrue();
    }

    @Test
    void anExpiredLeaseFreesItsWholeCost() {
        RedisLimits shortLease = RedisLimits.builder(connection).prefix("a:").lease(Duration.ofSeconds(1))
                .clock(clock).build();
        List<Limit> four = List.of(Limit.of(4, Duration.ofSeconds(10)).named("tp"));
        List<LimitSpec> held = List.of(LimitSpec.Concurrency.of(4).named("cc"));
        RedisLimits.RedisPermit abandoned = permit(shortLease.tryAcquire("c", four, 3));
        permit(shortLease.tryAcquire("c", held, 3));
        assertThat(limits.tryAcquire("c", four, 2).isGranted()).isFalse();
        assertThat(limits.tryAcquire("c", held, 2).isGranted()).isFalse();

        clock.advance(Duration.ofSeconds(1));

        RedisLimits.RedisPermit all = permit(limits.tryAcquire("c", four, 4));
        assertThat(limits.tryAcquire("c", held, 4).isGranted()).isTrue();
        all.close();
        abandoned.close(); // late, and its limit is full: counts nothing
        assertThat(sync.hget("a:{c}:tp:s", "used")).isEqualTo("4");
    }

    @Test
    void concurrencyHoldsTheCostUntilTheEndWhateverTheActualCost() {
        List<LimitSpec> three = List.of(LimitSpec.Concurrency.of(3).withRetryAfter(Duration.ofMillis(250)).named("cc"));
        RedisLimits.RedisPermit two = permit(limits.tryAcquire("c", three, 2));
        assertThat(refusal(limits.tryAcquire("c", three, 2))).isEqualTo(new Refusal(Duration.ofMillis(250).toNanos(), 1));

        two.close(9);

        assertThat(limits.tryAcquire("c", three, 3).isGranted()).isTrue();
        assertThat(sync.keys("a:*")).containsExactlyInAnyOrder("a:{c}:cc:c", "a:{c}:cc:cl");
    }

    @Test
    void aTokenBucketPutsBackTheUnusedCostAndRepaysADebtBeforeAdmitting() {
        List<LimitSpec> bucket = List.of(LimitSpec.TokenBucket.of(4, 1, Duration.ofSeconds(1)).named("tb"));
        permit(limits.tryAcquire("c", bucket, 3)).close(1); // two back: three left
        assertThat(limits.attempt("c", bucket, 1).states().get(0).remaining()).isEqualTo(2);

        permit(limits.tryAcquire("c", bucket, 2)).close(6); // four more than taken: 2 - 2 - 4 = -4 tokens
        assertThat(sync.hget("a:{c}:tb:b", "tokens")).isEqualTo("-4");
        assertThat(refusal(limits.tryAcquire("c", bucket))).isEqualTo(new Refusal(Duration.ofSeconds(5).toNanos(), 0));
        clock.advance(Duration.ofMillis(4999));
        assertThat(limits.tryAcquire("c", bucket).isGranted()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(limits.tryAcquire("c", bucket).isGranted()).isTrue();
    }

    @Test
    void aTokenBucketsCancelPutsBackTheCostNeverAboveCapacity() {
        List<LimitSpec> bucket = List.of(LimitSpec.TokenBucket.of(4, 1, Duration.ofSeconds(1)).named("tb"));
        RedisLimits.RedisPermit three = permit(limits.tryAcquire("c", bucket, 3));
        clock.advance(Duration.ofSeconds(2)); // two tokens back: three in the bucket
        three.cancel();

        assertThat(sync.exists("a:{c}:tb:b")).as("full: the key is gone").isZero();
        assertThat(limits.tryAcquire("c", bucket, 4).isGranted()).isTrue();
        assertThat(limits.tryAcquire("c", bucket).isGranted()).isFalse();
    }

    @Test
    void aGcraUseMovesTheArrivalTimeByItsCostAndItsEndByTheDifference() {
        List<LimitSpec> gcra = List.of(LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 3).named("g"));
        permit(limits.tryAcquire("c", gcra, 2)).cancel();
        assertThat(sync.exists("a:{c}:g:g")).as("recovered: the key is gone").isZero();

        permit(limits.tryAcquire("c", gcra, 2)).close(5); // tat = now + 5 s: 2 s beyond the burst
        // A use fits once the debt is at most (burst - 1) intervals: after 3 s.
        assertThat(refusal(limits.tryAcquire("c", gcra))).isEqualTo(new Refusal(Duration.ofSeconds(3).toNanos(), 0));
        clock.advance(Duration.ofSeconds(3));
        RedisLimits.RedisPermit one = permit(limits.tryAcquire("c", gcra));
        clock.advance(Duration.ofSeconds(10));
        one.close(0); // long paid off: never below now
        assertThat(limits.tryAcquire("c", gcra, 3).isGranted()).isTrue();
    }

    @Test
    void aSlidingWindowsLowerActualCostComesOffTheRunningWindowThenThePreviousOne() {
        List<LimitSpec> window = List.of(LimitSpec.SlidingWindow.of(6, Duration.ofSeconds(1)).named("w"));
        RedisLimits.RedisPermit four = permit(limits.tryAcquire("c", window, 4));
        clock.advance(Duration.ofSeconds(1)); // rolled: previous 4, current 0
        RedisLimits.RedisPermit one = permit(limits.tryAcquire("c", window, 1)); // 4 weighted in full, 1 current
        assertThat(refusal(limits.tryAcquire("c", window, 2)).remaining()).isEqualTo(1);

        four.close(1); // three back: the current window's one, then two of the previous window's
        assertThat(sync.hmget("a:{c}:w:w", "prev", "cur").stream().map(v -> v.getValue()).toList())
                .containsExactly("2", "0");
        one.close(3); // two more than taken: current 2
        assertThat(limits.attempt("c", window, 1).states().get(0).remaining()).isEqualTo(1);
    }

    @Test
    void aCostBeyondWhatALimitCanEverAdmitIsRefusedForever() {
        List<List<? extends LimitSpec>> each = List.of(
                List.of(Limit.of(3, Duration.ofSeconds(1)).named("tp")),
                List.of(LimitSpec.Concurrency.of(3).named("cc")),
                List.of(LimitSpec.TokenBucket.of(3, 1, Duration.ofSeconds(1)).named("tb")),
                List.of(LimitSpec.Gcra.of(10, Duration.ofSeconds(1), 3).named("g")),
                List.of(LimitSpec.SlidingWindow.of(3, Duration.ofSeconds(1)).named("w")),
                List.of(LimitSpec.TokenBucket.of(9, 1, Duration.ofSeconds(1)).named("tb9"),
                        Limit.of(3, Duration.ofSeconds(1)).named("tp3")));
        for (List<? extends LimitSpec> specs : each) {
            assertThat(limits.tryAcquire("c", specs, 4)).as(specs.toString()).isEqualTo(new Refusal(Refusal.NEVER, 3));
            assertThat(limits.tryAcquire("c", specs, 3).isGranted()).as(specs.toString()).isTrue();
        }
        assertThatThrownBy(() -> limits.tryAcquire("c", each.get(0), 0)).hasMessage("cost must be > 0 but was 0");
        RedisLimits.RedisPermit held = permit(limits.tryAcquire("d", each.get(0)));
        assertThatThrownBy(() -> held.close(-1)).hasMessage("actualCost must be >= 0 but was -1");
    }

    @Test
    void oneCallTakesFromEveryAlgorithmOrFromNone() {
        List<LimitSpec> stack = List.of(
                Limit.of(10, Duration.ofSeconds(1)).named("tp"),
                LimitSpec.Concurrency.of(10).named("cc"),
                LimitSpec.TokenBucket.of(10, 1, Duration.ofSeconds(1)).named("tb"),
                LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 10).named("g"),
                LimitSpec.SlidingWindow.of(3, Duration.ofSeconds(1)).named("w"));
        permit(limits.tryAcquire("c", stack, 2));

        RedisLimits.Outcome refused = limits.attempt("c", stack, 2); // the sliding window has one left

        assertThat(refusal(refused.result()).remaining()).isEqualTo(1);
        assertThat(refused.states().stream().map(s -> s.remaining()).toList()).containsExactly(8, 8, 8, 8, 1);
        assertThat(limits.attempt("c", stack, 1).states().stream().map(s -> s.remaining()).toList())
                .containsExactly(7, 7, 7, 7, 0);
    }

    @Test
    void eachAlgorithmsKeysExpireASecondAfterWhatTheyHold() {
        permit(limits.tryAcquire("c", List.of(Limit.of(2, Duration.ofSeconds(4)).named("tp")))).close();
        permit(limits.tryAcquire("c", List.of(LimitSpec.TokenBucket.of(4, 1, Duration.ofSeconds(2)).named("tb"))));
        permit(limits.tryAcquire("c", List.of(LimitSpec.Gcra.of(1, Duration.ofSeconds(3), 2).named("g"))));
        permit(limits.tryAcquire("c", List.of(LimitSpec.SlidingWindow.of(5, Duration.ofSeconds(5)).named("w"))));
        permit(limits.tryAcquire("c", List.of(LimitSpec.Concurrency.of(2).named("cc"))));

        assertThat(sync.pttl("a:{c}:tp:s")).isBetween(4_001L, 5_000L); // the window
        assertThat(sync.pttl("a:{c}:tb:b")).isBetween(2_001L, 3_000L); // until full
        assertThat(sync.pttl("a:{c}:g:g")).isBetween(3_001L, 4_000L); // until recovered
        assertThat(sync.pttl("a:{c}:w:w")).isBetween(10_001L, 11_000L); // until both windows rolled out
        assertThat(sync.pttl("a:{c}:cc:c")).isBetween(30_001L, 31_000L); // the lease
        assertThat(sync.pttl("a:{c}:cc:cl")).isBetween(30_001L, 31_000L);
    }

    @Test
    void aBucketThatStartsBelowCapacityRefillsFromItsFirstCallAndKeepsItsKeyWhileFull() {
        List<LimitSpec> bucket = List.of(LimitSpec.TokenBucket.of(2, 1, Duration.ofSeconds(1)).withInitialTokens(0)
                .named("tb"));
        assertThat(refusal(limits.tryAcquire("c", bucket))).isEqualTo(new Refusal(Duration.ofSeconds(1).toNanos(), 0));
        clock.advance(Duration.ofSeconds(1));
        permit(limits.tryAcquire("c", bucket)).cancel(); // the token it gained, back

        assertThat(sync.hget("a:{c}:tb:b", "tokens")).isEqualTo("1");
        clock.advance(Duration.ofSeconds(1));
        permit(limits.tryAcquire("c", bucket, 2)).cancel();
        assertThat(sync.pttl("a:{c}:tb:b")).as("as long as a new bucket takes to fill").isBetween(2_001L, 3_000L);
    }

    @Test
    void everyAlgorithmMeasuresTimeOnTheServerClockByDefault() {
        RedisLimits serverTime = RedisLimits.builder(connection).prefix("s:").build();
        List<LimitSpec> each = List.of(
                LimitSpec.TokenBucket.of(1, 1, Duration.ofSeconds(1)).named("tb"),
                LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 1).named("g"),
                LimitSpec.SlidingWindow.of(1, Duration.ofSeconds(1)).named("w"));
        for (LimitSpec spec : each) {
            serverTime.tryAcquire("c", List.of(spec)).permit().close();
            Refusal refused = refusal(serverTime.tryAcquire("c", List.of(spec)));
            assertThat(refused.retryAfter()).as(spec.toString()).isPositive()
                    .isLessThanOrEqualTo(Duration.ofSeconds(2));
        }
    }
}
