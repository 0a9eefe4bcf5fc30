package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
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
    private static final List<Limit> ONE_PER_HOUR = List.of(Limit.of(1, Duration.ofHours(1)).named("global"));
    private static final List<Limit> TEN_PER_HOUR = List.of(Limit.of(10, Duration.ofHours(1)).named("global"));

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

        RedisLimits.Outcome first = limits.attempt("c", both);
        assertThat(first.result()).isInstanceOf(Permit.class);
        assertThat(first.states()).containsExactly(new RemoteLimit.State(2, 0), new RemoteLimit.State(0, 0));
        ((Permit) first.result()).close();
        clock.advance(Duration.ofMillis(400));

        RedisLimits.Outcome refused = limits.attempt("c", both);
        assertThat(refused.result()).isEqualTo(new Refusal(Duration.ofMillis(600).toNanos(), 0));
        assertThat(refused.states()).containsExactly(
                new RemoteLimit.State(2, Duration.ofMillis(9600).toNanos()),
                new RemoteLimit.State(0, Duration.ofMillis(600).toNanos()));
    }

    @Test
    void anInterruptedCallerIsNeverAdmittedUncountedEvenFailingOpen() {
        // An interrupt during the script call is no store failure: fail-open must not admit the caller uncounted.
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
    void aUseEndedByAnInterruptedThreadIsStillCountedAndTheInterruptKept() throws Exception {
        StatefulRedisConnection<String, String> own = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits ending = RedisLimits.builder(own).lease(Duration.ofMinutes(1)).build();

        AcquireResult use = ending.tryAcquire("erin", ONE_PER_HOUR);
        assertThat(use.isGranted()).isTrue();
        Thread.currentThread().interrupt(); // e.g. the request's thread was interrupted by an async timeout
        try {
            use.permit().close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(ending.awaitEnds()).isTrue();

        assertThat(admin.sync().zcard("ratelimit:{erin}:global:l")).as("the use's slot is freed").isZero();
        assertThat(admin.sync().hget("ratelimit:{erin}:global:s", "used"))
                .as("the completed use is counted in its window").isEqualTo("1");
        assertThat(ending.failures()).isZero();
    }

    @Test
    void aUseEndsWithoutWaitingForRedisAndAwaitEndsWaitsForTheAnswer() {
        StatefulRedisConnection<String, String> own = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits ending = RedisLimits.builder(own).lease(Duration.ofMinutes(1))
                .commandTimeout(Duration.ofSeconds(5)).build();
        Permit use = ending.tryAcquire("gina", ONE_PER_HOUR).permit();

        clientPause(admin, "PAUSE", "5000", "WRITE"); // Redis holds scripts back
        try {
            use.close();
            assertThat(ending.endsInFlight()).as("close() returned before Redis answered its end").isEqualTo(1);
        } finally {
            clientPause(admin, "UNPAUSE");
        }
        assertThat(ending.awaitEnds()).as("Redis answered the end").isTrue();

        assertThat(ending.endsInFlight()).isZero();
        assertThat(admin.sync().hget("ratelimit:{gina}:global:s", "used")).isEqualTo("1");
        assertThat(admin.sync().zcard("ratelimit:{gina}:global:l")).isZero();
        assertThat(ending.failures()).isZero();
    }

    @Test
    void anEndGivenUpOnAtTheCommandTimeoutIsAFailureAndStillDeliveredWhenRedisGetsToIt() {
        StatefulRedisConnection<String, String> own = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits ending = RedisLimits.builder(own).lease(Duration.ofMinutes(1))
                .commandTimeout(Duration.ofMillis(50)).build();
        Permit use = ending.tryAcquire("finn", ONE_PER_HOUR).permit();

        clientPause(admin, "PAUSE", "5000", "WRITE"); // Redis holds scripts back past the command timeout
        try {
            use.close();
            assertThat(ending.awaitEnds()).as("the end is given up on at the command timeout").isFalse();
            assertThat(ending.failures()).isEqualTo(1);
        } finally {
            clientPause(admin, "UNPAUSE");
        }
        own.sync().ping(); // on the limits' connection: answered after the end sent before it

        assertThat(admin.sync().zcard("ratelimit:{finn}:global:l")).as("the use's slot is freed").isZero();
        assertThat(admin.sync().hget("ratelimit:{finn}:global:s", "used"))
                .as("the completed use is counted, late").isEqualTo("1");
        assertThat(ending.endsInFlight()).isZero();
    }

    @Test
    void anEndFindingNoRoomAmongTheEndsInFlightIsNotSentAndItsSlotIsLeftToItsLease() {
        StatefulRedisConnection<String, String> own = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits ending = RedisLimits.builder(own).lease(Duration.ofMinutes(1))
                .commandTimeout(Duration.ofMillis(100)).maxEndsInFlight(1).build();
        List<Limit> twoPerHour = List.of(Limit.of(2, Duration.ofHours(1)).named("global"));
        Permit first = ending.tryAcquire("hana", twoPerHour).permit();
        Permit second = ending.tryAcquire("hana", twoPerHour).permit();

        clientPause(admin, "PAUSE", "5000", "WRITE"); // Redis stops answering scripts
        try {
            first.close(); // in the connection, unanswered: the only room
            second.close(); // waits for room for the command timeout, then is not sent
            ending.awaitEnds();
            assertThat(ending.failures()).as("the first given up on, the second not sent").isEqualTo(2);
            assertThat(ending.endsInFlight()).as("the first is still in the connection").isEqualTo(1);
        } finally {
            clientPause(admin, "UNPAUSE");
        }
        own.sync().ping(); // on the limits' connection: answered after the first end

        assertThat(admin.sync().hget("ratelimit:{hana}:global:s", "used")).as("the first end ran").isEqualTo("1");
        assertThat(admin.sync().zcard("ratelimit:{hana}:global:l")).as("the second's slot, until its lease")
                .isEqualTo(1);
        assertThat(ending.endsInFlight()).isZero();
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

    /** Even an empty client, or one starting with '}', keeps its keys in one cluster slot. */
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
            String tag = RedisKeys.hashTag(c);
            assertThat(tag).isNotEmpty().doesNotContain("{", "}");
            assertThat(SlotHash.getSlot("t:{" + tag + "}:global:s")).isEqualTo(SlotHash.getSlot("t:{" + tag + "}:x"));
        }
    }

    /** A shorter lease on one instance does not shorten the life of the other instances' leases. */
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

    /** A negative clock reading is a time like any other, not "use the server's clock". */
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
    void anAcquireGivenUpOnRightAfterAScriptFlushIsForgottenAndHoldsNoSlot() {
        // The forget falls back to EVAL too: release.lua is reloaded only when a use ends.
        StatefulRedisConnection<String, String> own = redis.connect();
        StatefulRedisConnection<String, String> admin = redis.connect();
        RedisLimits forgetting = RedisLimits.builder(own).clock(clock).lease(Duration.ofMinutes(1))
                .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(100)).build();

        admin.sync().scriptFlush(); // as after a restart of Redis
        // The first acquire after it loads acquire.lua by EVAL; its use is still running (a long request), so
        // release.lua has not been loaded again yet.
        AcquireResult running = forgetting.tryAcquire("warm-up", ONE_PER_HOUR);
        assertThat(running.isGranted()).isTrue();

        AcquireResult givenUp = timedOutWhileScriptsWait(forgetting, admin, "erin");
        givenUp.permit().close(); // fail-open's uncounted permit

        String leases = "ratelimit:{erin}:global:l";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (admin.sync().zcard(leases) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the acquire sent before the timeout runs now
        }
        own.sync().ping(); // on the limits' connection: answered after the forget sent behind the acquire

        assertThat(admin.sync().zrangeWithScores(leases, 0, -1))
                .as("the forget sent after the timed-out acquire should have removed its slot")
                .isEmpty();
        running.permit().close();
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
        for (RedisLimits instance : instances) {
            assertThat(instance.awaitEnds()).isTrue(); // before the connections close, which would drop ends
        }
        connections.forEach(StatefulRedisConnection::close);
        // The clock never moved, so one window holds every counted use: never more than the limit, and Redis
        // counted exactly the uses the threads completed (refunds count nothing).
        assertThat(granted.get()).isPositive().isLessThanOrEqualTo(limit);
        assertThat(connection.sync().hget("t:{c}:global:s", "used")).isEqualTo(Integer.toString(granted.get()));
        assertThat(connection.sync().zcard("t:{c}:global:l")).isZero();
    }

    /**
     * Redis is up and answers: only a failure of Redis flags it unavailable, and while it is flagged, ends of uses and
     * calls given up on still reach it.
     */
    @Nested
    class WhileRedisAnswers {

        private RedisLimits flagged;

        @BeforeEach
        void poison() {
            flagged = RedisLimits.builder(connection).clock(clock).lease(Duration.ofMinutes(1))
                    .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofSeconds(5)).build();
            // A key of the wrong type: the next call for client "poison" fails with a script error (Redis stays up).
            connection.sync().set("ratelimit:{poison}:global:s", "not a hash");
        }

        private void oneCallFails() {
            flagged.tryAcquire("poison", ONE_PER_HOUR);
            assertThat(flagged.isAvailable()).as("one failed call flags Redis unavailable").isFalse();
        }

        @Test
        void aRefundMadeWhileFlaggedUnavailableFreesTheSlotWhenRedisIsReachable() {
            Permit permit = flagged.tryAcquire("alice", ONE_PER_HOUR).permit();
            oneCallFails();

            permit.cancel(); // the request failed (500): its use is refunded; Redis is reachable

            clock.advance(Duration.ofSeconds(2)); // past the probe interval: the next call tries Redis and reaches it
            AcquireResult next = flagged.tryAcquire("alice", ONE_PER_HOUR);
            assertThat(flagged.isAvailable()).isTrue();
            assertThat(next.isGranted())
                    .as("the refunded use freed its slot (it is held until the 1-minute lease instead)").isTrue();
        }

        @Test
        void aUseCompletedWhileFlaggedUnavailableCountsInItsWindow() {
            Permit permit = flagged.tryAcquire("bob", ONE_PER_HOUR).permit();
            oneCallFails();

            permit.close(); // the request completed: its use counts in the 1-per-hour window

            clock.advance(Duration.ofMinutes(2)); // past the lease, well inside the hour
            AcquireResult next = flagged.tryAcquire("bob", ONE_PER_HOUR);
            assertThat(flagged.isAvailable()).isTrue();
            assertThat(next.isGranted()).as("1 per hour, 1 used: a second use inside the hour is over-admission")
                    .isFalse();
        }

        @Test
        void anInterruptedCallerDoesNotMakeOtherRequestsFailWhileRedisAnswers() {
            // An interrupt is the caller's, not a failure of Redis: it must not flag Redis unavailable.
            // The clock is never advanced: the probe interval never passes.
            RedisLimits closed = RedisLimits.builder(connection).clock(clock)
                    .onFailure(StoreFailurePolicy.FAIL_CLOSED).probeInterval(Duration.ofSeconds(1))
                    .commandTimeout(Duration.ofSeconds(5)).build();

            // The interrupt takes effect when Redis has not answered yet as the caller starts waiting: try a few times.
            for (int i = 0; i < 50; i++) {
                Thread.currentThread().interrupt();
                try {
                    closed.tryAcquire("interrupted-" + i, TEN_PER_HOUR);
                } finally {
                    Thread.interrupted(); // this request is over; the thread serves the next one
                }
                AcquireResult other = closed.tryAcquire("other-" + i, TEN_PER_HOUR);
                assertThat(RedisLimits.isUnavailableRefusal(other))
                        .as("attempt %d: another request, on a thread nobody interrupted, against a Redis that answers,"
                                + " is refused as if Redis were down (available=%s, failures=%d)",
                                i, closed.isAvailable(), closed.failures())
                        .isFalse();
                assertThat(other.isGranted()).isTrue();
                other.permit().close();
            }
        }

        @Test
        void anAcquireGivenUpOnHoldsNoSlotOnceRedisAnswersAgain() throws Exception {
            // The script sent before the timeout still runs; its slot must not stay held for the lease.
            StatefulRedisConnection<String, String> admin = redis.connect();
            RedisLimits slow = RedisLimits.builder(connection).clock(clock).lease(Duration.ofMinutes(1))
                    .probeInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(100)).build();
            slow.tryAcquire("warm-up", ONE_PER_HOUR).permit().cancel(); // the server knows the script

            AcquireResult givenUp = timedOutWhileScriptsWait(slow, admin, "erin");
            assertThat(givenUp.isGranted()).as("fail-open admitted it, uncounted").isTrue();
            givenUp.permit().close();

            // The script sent before the timeout runs now. Wait (bounded) until it has.
            String leases = "ratelimit:{erin}:global:l";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (admin.sync().zcard(leases) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }

            clock.advance(Duration.ofSeconds(2)); // past the probe interval; far inside the 1-minute lease
            AcquireResult next = slow.tryAcquire("erin", ONE_PER_HOUR);
            assertThat(slow.isAvailable()).as("Redis answers again").isTrue();
            assertThat(next.isGranted())
                    .as("no use of erin is in flight and none completed in Redis, yet a slot is held by the token of"
                            + " the call given up on (%s)", admin.sync().zrangeWithScores(leases, 0, -1))
                    .isTrue();
        }
    }

    /** An acquire of {@code client} that times out while Redis holds scripts back (it still runs them later). */
    private static AcquireResult timedOutWhileScriptsWait(RedisLimits limits,
            StatefulRedisConnection<String, String> admin, String client) {
        clientPause(admin, "PAUSE", "5000", "WRITE"); // scripts wait; reads and CLIENT UNPAUSE do not
        AcquireResult givenUp;
        try {
            givenUp = limits.tryAcquire(client, ONE_PER_HOUR);
        } finally {
            clientPause(admin, "UNPAUSE");
        }
        assertThat(limits.isAvailable()).as("the call timed out").isFalse();
        return givenUp;
    }

    private static void clientPause(StatefulRedisConnection<String, String> admin, String... args) {
        CommandArgs<String, String> command = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            command.add(arg);
        }
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), command);
    }
}
