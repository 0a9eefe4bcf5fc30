package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.Refusal;
import io.ratestack.RemoteLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisLimitsTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final FakeClock clock = new FakeClock();
    private StatefulRedisConnection<String, String> connection;
    private RedisLimits limits;

    private static final Limit GLOBAL = Limit.of(3, Duration.ofSeconds(10)).named("global");
    private static final Limit ROUTE = Limit.of(1, Duration.ofSeconds(1)).named("route:/test");

    @BeforeEach
    void connect() {
        connection = redis.connect();
        connection.sync().flushall();
        limits = RedisLimits.builder(connection).prefix("t:").lease(Duration.ofSeconds(30)).clock(clock).build();
    }

    @Test
    void admitsUpToTheLimitThenRefusesUntilTheWindowThatStartedAtTheFirstCompletionEnds() {
        List<Limit> global = List.of(GLOBAL);
        for (int i = 0; i < 3; i++) {
            Permit permit = limits.tryAcquire("c", global).permit();
            clock.advance(Duration.ofSeconds(1));
            permit.close();
        }
        // The window started when the first use completed, at 1 s, so it ends at 11 s; now is 3 s.
        AcquireResult refused = limits.tryAcquire("c", global);
        assertThat(refused).isEqualTo(new Refusal(Duration.ofSeconds(8).toNanos(), 0));
        clock.advance(Duration.ofSeconds(8));
        assertThat(limits.tryAcquire("c", global).isGranted()).isTrue();
    }

    @Test
    void anAttemptReportsWhatRemainsOfEachLimitAndWhenItsWindowEnds() {
        List<Limit> both = List.of(GLOBAL, ROUTE);

        RedisLimits.Attempt first = limits.attempt("c", both);
        assertThat(first.result()).isInstanceOf(Permit.class);
        assertThat(first.states()).containsExactly(new RemoteLimit.State(2, 0), new RemoteLimit.State(0, 0));
        ((Permit) first.result()).close();
        clock.advance(Duration.ofMillis(400));

        RedisLimits.Attempt refused = limits.attempt("c", both);
        assertThat(refused.result()).isEqualTo(new Refusal(Duration.ofMillis(600).toNanos(), 0));
        assertThat(refused.states()).containsExactly(
                new RemoteLimit.State(2, Duration.ofMillis(9600).toNanos()),
                new RemoteLimit.State(0, Duration.ofMillis(600).toNanos()));
    }

    @Test
    void anInterruptedCallerIsNeverAdmittedUncountedEvenFailingOpen() {
        // Regression: an interrupt during the script call got the failure policy's answer, so under fail-open a
        // waiting limiter's pass on the interrupted thread admitted its head uncounted (seen in the contract test).
        RedisLimits open = RedisLimits.builder(connection).prefix("i:").onFailure(StoreFailurePolicy.FAIL_OPEN)
                .clock(clock).build();
        for (int i = 0; i < 20; i++) {
            Thread.currentThread().interrupt();
            AcquireResult result;
            try {
                result = open.tryAcquire("c" + i, List.of(GLOBAL));
            } finally {
                Thread.interrupted();
            }
            if (result instanceof Permit permit) { // Redis answered before the wait began: a counted use
                assertThat(connection.sync().zcard("i:{c" + i + "}:global:l")).isEqualTo(1L);
                permit.cancel();
            } else {
                assertThat(result).isInstanceOf(Refusal.class);
            }
        }
        assertThat(open.failures()).isZero();
        assertThat(open.isAvailable()).isTrue();
    }

    @Test
    void takesEveryLimitOrNone() {
        List<Limit> both = List.of(GLOBAL, ROUTE);
        limits.tryAcquire("c", both).permit().close();
        assertThat(limits.tryAcquire("c", both)).isInstanceOf(Refusal.class);
        // The refusal by the route limit took nothing from the global one: two global uses are left.
        assertThat(limits.tryAcquire("c", List.of(GLOBAL)).isGranted()).isTrue();
        assertThat(limits.tryAcquire("c", List.of(GLOBAL))).isInstanceOf(Permit.class);
        assertThat(limits.tryAcquire("c", List.of(GLOBAL))).isInstanceOf(Refusal.class);
    }

    @Test
    void cancelFreesTheSlotAndCountsNothing() {
        List<Limit> route = List.of(ROUTE);
        limits.tryAcquire("c", route).permit().cancel();
        Permit second = limits.tryAcquire("c", route).permit();
        second.cancel();
        second.close(); // the first of cancel and close wins
        assertThat(limits.tryAcquire("c", route).isGranted()).isTrue();
    }

    @Test
    void anInFlightSlotIsFreedWhenItsLeaseRunsOut() {
        List<Limit> route = List.of(ROUTE);
        Permit abandoned = limits.tryAcquire("c", route).permit();
        Refusal whileHeld = (Refusal) limits.tryAcquire("c", route);
        assertThat(whileHeld.retryAfter()).isEqualTo(Duration.ofSeconds(1)); // one period, shorter than the lease
        clock.advance(Duration.ofSeconds(30));
        Permit next = limits.tryAcquire("c", route).permit();
        next.close();
        abandoned.close(); // late: its limit is full, so it does not count again
        clock.advance(Duration.ofMillis(999));
        assertThat(limits.tryAcquire("c", route)).isInstanceOf(Refusal.class);
        clock.advance(Duration.ofMillis(1));
        assertThat(limits.tryAcquire("c", route).isGranted()).isTrue();
    }

    @Test
    void clientsAreIndependentAndTheirKeysShareAHashTagAndExpire() {
        limits.tryAcquire("a", List.of(ROUTE)).permit().close();
        assertThat(limits.tryAcquire("b", List.of(ROUTE)).isGranted()).isTrue();
        var sync = connection.sync();
        assertThat(sync.keys("t:*")).containsExactlyInAnyOrder(
                "t:{a}:route:/test:s", "t:{b}:route:/test:s", "t:{b}:route:/test:l");
        assertThat(sync.hgetall("t:{a}:route:/test:s")).containsOnlyKeys("used", "end"); // a window, nothing held
        assertThat(sync.pttl("t:{a}:route:/test:s")).isBetween(1001L, 2000L); // the window, and a second of grace
        assertThat(sync.hgetall("t:{b}:route:/test:s")).containsOnlyKeys("held"); // the lease's cost, no window
        assertThat(sync.pttl("t:{b}:route:/test:s")).isBetween(30_001L, 31_000L);
        assertThat(sync.pttl("t:{b}:route:/test:l")).isBetween(30_001L, 31_000L);
    }

    /** Review finding: an empty tag, or a client starting with '}', spread one client's keys over cluster slots. */
    @Test
    void everyClientsKeysShareOneClusterSlot() {
        List<String> clients = List.of("", "}x", "a{b}", "{", "%", "%7B", "plain");
        for (String c : clients) {
            limits.tryAcquire(c, List.of(GLOBAL, ROUTE)).permit().close();
        }
        List<String> keys = connection.sync().keys("t:*");
        assertThat(keys).hasSize(clients.size() * 2); // distinct clients never share keys
        assertThat(keys.stream().map(SlotHash::getSlot).distinct()).hasSize(clients.size());
        for (String c : clients) {
            String tag = RedisLimits.hashTag(c);
            assertThat(tag).isNotEmpty().doesNotContain("{", "}");
            assertThat(SlotHash.getSlot("t:{" + tag + "}:global:s")).isEqualTo(SlotHash.getSlot("t:{" + tag + "}:x"));
        }
    }

    /** Review finding: a shorter lease on one instance shortened the life of every lease in the set. */
    @Test
    void theLeaseSetLivesAsLongAsItsLatestLease() {
        Limit two = Limit.of(2, Duration.ofSeconds(1)).named("global");
        RedisLimits longLease = RedisLimits.builder(connection).prefix("t:").lease(Duration.ofMinutes(10)).clock(clock)
                .build();
        RedisLimits shortLease = RedisLimits.builder(connection).prefix("t:").lease(Duration.ofSeconds(1)).clock(clock)
                .build();
        longLease.tryAcquire("c", List.of(two)).permit();
        shortLease.tryAcquire("c", List.of(two)).permit();
        assertThat(connection.sync().pttl("t:{c}:global:l")).isGreaterThan(Duration.ofMinutes(9).toMillis());
    }

    /** Review finding: a negative fake-clock reading was taken for "use the server's clock". */
    @Test
    void negativeClockReadingsAreTimesLikeAnyOther() {
        FakeClock negative = new FakeClock(-Duration.ofSeconds(20).toNanos());
        RedisLimits early = RedisLimits.builder(connection).prefix("n:").clock(negative).build();
        early.tryAcquire("c", List.of(ROUTE)).permit().close();
        assertThat(early.tryAcquire("c", List.of(ROUTE))).isEqualTo(new Refusal(Duration.ofSeconds(1).toNanos(), 0));
        negative.advance(Duration.ofSeconds(1));
        assertThat(early.tryAcquire("c", List.of(ROUTE)).isGranted()).isTrue();
    }

    @Test
    void aWarmUpLoadsTheScriptAndLeavesNothingInRedis() throws Exception {
        connection.sync().scriptFlush();

        assertThat(limits.warmUp(Duration.ofSeconds(5))).isTrue();

        assertThat(connection.sync().scriptExists(TestRedis.limitScriptDigests())).containsExactly(true);
        assertThat(connection.sync().keys("*")).as("the warm-up's keys are gone, and no client's was touched").isEmpty();
        assertThat(limits.failures()).isZero();
        assertThat(limits.tryAcquire("c", List.of(ROUTE)).isGranted()).isTrue();
    }

    @Test
    void reloadsItsScriptsWhenTheServerForgetsThem() {
        limits.tryAcquire("c", List.of(GLOBAL)).permit().close();
        connection.sync().scriptFlush();
        limits.tryAcquire("c", List.of(GLOBAL)).permit().close();
        assertThat(connection.sync().hget("t:{c}:global:s", "used")).isEqualTo("2");
    }

    @Test
    void measuresWindowsOnTheServerClockByDefault() {
        RedisLimits serverTime = RedisLimits.builder(connection).prefix("s:").build();
        serverTime.tryAcquire("c", List.of(ROUTE)).permit().close();
        Refusal refused = (Refusal) serverTime.tryAcquire("c", List.of(ROUTE));
        assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> limits.tryAcquire("c", List.of())).hasMessageContaining("no limits");
        assertThatThrownBy(() -> limits.tryAcquire("c", List.of(Limit.of(1, Duration.ofSeconds(1)))))
                .hasMessageContaining("needs a name");
        assertThatThrownBy(() -> RedisLimits.builder(connection).prefix("a{b}")).hasMessageContaining("a{b}");
    }

    /** Two instances, each with its own connection, and many threads: never more uses than the limit. */
    @Test
    void manyThreadsOverTwoInstancesNeverOverAdmit() throws Exception {
        int limit = 25;
        List<Limit> shared = List.of(Limit.of(limit, Duration.ofHours(1)).named("global"));
        List<StatefulRedisConnection<String, String>> connections = List.of(redis.connect(), redis.connect());
        List<RedisLimits> instances = new ArrayList<>();
        for (var c : connections) {
            instances.add(RedisLimits.builder(c).prefix("t:").clock(clock).build());
        }
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger refunded = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RedisLimits instance = instances.get(t % 2);
            boolean refunds = t % 4 == 0;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20; i++) {
                    if (instance.tryAcquire("c", shared) instanceof Permit permit) {
                        if (refunds && i % 2 == 0) {
                            permit.cancel();
                            refunded.incrementAndGet();
                        } else {
                            granted.incrementAndGet();
                            permit.close();
                        }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        connections.forEach(StatefulRedisConnection::close);
        // The clock never moved, so one window holds every counted use: never more than the limit, and Redis
        // counted exactly the uses the threads completed (refunds count nothing).
        assertThat(granted.get()).isPositive().isLessThanOrEqualTo(limit);
        assertThat(connection.sync().hget("t:{c}:global:s", "used")).isEqualTo(Integer.toString(granted.get()));
        assertThat(connection.sync().zcard("t:{c}:global:l")).isZero();
    }
}
