package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisLimits#limiter}: Redis limits as core limiters, over two instances sharing one server. */
class RedisLimiterTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private StatefulRedisConnection<String, String> first;
    private StatefulRedisConnection<String, String> second;
    private final FakeClock clock = new FakeClock();

    @BeforeEach
    void connect() {
        first = redis.connect();
        second = redis.connect();
        first.sync().flushall();
    }

    @Test
    void aWaiterOnOneInstanceIsAdmittedWhenTheSharedWindowEnds() {
        List<Limit> limits = List.of(Limit.of(2, Duration.ofSeconds(1)).named("calls"));
        RateLimiter here = RedisLimits.builder(first).clock(clock).build().limiter("c", limits);
        RateLimiter there = RedisLimits.builder(second).clock(clock).build().limiter("c", limits);
        there.tryAcquire().permit().close();
        there.tryAcquire().permit().close();

        CompletableFuture<Permit> waiter = here.acquireAsync(0, Duration.ofSeconds(5));
        assertThat(here.remaining()).isZero();
        clock.advance(Duration.ofMillis(999));
        assertThat(waiter).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(waiter).isCompleted();
        assertThat(there.remaining()).isEqualTo(1);
    }

    @Test
    void aWaiterIsAdmittedAtTheRetryAfterAndTimesOutWhenItWouldNotFit() {
        List<Limit> limits = List.of(Limit.of(1, Duration.ofSeconds(1)).named("route"));
        RateLimiter limiter = RedisLimits.builder(first).clock(clock).build().limiter("c", limits);
        limiter.tryAcquire().permit().close();
        clock.advance(Duration.ofMillis(400));

        CompletableFuture<Permit> tooShort = limiter.acquireAsync(0, Duration.ofMillis(599));
        CompletableFuture<Permit> waiter = limiter.acquireAsync(0, Duration.ofSeconds(5));
        clock.advance(Duration.ofMillis(599));
        assertThat(tooShort).isCompletedExceptionally();
        assertThat(waiter).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(waiter).isCompleted();
    }

    @Test
    void aWaiterTriesAgainWhenAnotherInstanceTookTheRoomThatFreed() {
        List<Limit> limits = List.of(Limit.of(1, Duration.ofSeconds(1)).named("route"));
        RateLimiter here = RedisLimits.builder(first).clock(clock).build().limiter("c", limits);
        RateLimiter there = RedisLimits.builder(second).clock(clock).build().limiter("c", limits);
        here.tryAcquire().permit().close();
        // Runs at the window's end before the waiter's own timer (scheduled later for the same moment).
        clock.schedule(Duration.ofSeconds(1).toNanos(), () -> there.tryAcquire().permit().close());

        CompletableFuture<Permit> waiter = here.acquireAsync(0, Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(1));
        assertThat(waiter).as("the other instance took the room").isNotDone();
        clock.advance(Duration.ofSeconds(1));

        assertThat(waiter).isCompleted();
    }

    @Test
    void anAllLimiterGivesBackItsRedisSlotWhenAnInMemoryPartRefuses() {
        RedisLimits limits = RedisLimits.builder(first).clock(clock).build();
        RateLimiter shared = limits.limiter("c", List.of(Limit.of(5, Duration.ofSeconds(1)).named("calls")));
        RateLimiter local = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        RateLimiter both = RateLimiters.all(shared, local);
        both.tryAcquire().permit().close();
        Permit held = local.tryAcquire() instanceof Permit p ? p : null; // nothing left in memory

        AcquireResult refused = both.tryAcquire();

        assertThat(held).isNull();
        assertThat(refused).isInstanceOf(Refusal.class);
        assertThat(shared.remaining()).isEqualTo(4);
    }

    @Test
    void realThreadsOnTwoInstancesNeverHoldMoreThanTheLimit() throws Exception {
        // A window of zero caps the uses in flight across both instances; the windows and the waiters' timers run on
        // real time, the server's and this JVM's.
        List<Limit> limits = List.of(Limit.of(3, Duration.ofMillis(1)).withResetOffset(Duration.ofMillis(-1))
                .named("slots"));
        RedisLimits[] stores = {
            RedisLimits.builder(first).commandTimeout(Duration.ofSeconds(2)).build(),
            RedisLimits.builder(second).commandTimeout(Duration.ofSeconds(2)).build()};
        RateLimiter[] instances = {stores[0].limiter("c", limits), stores[1].limiter("c", limits)};
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            RateLimiter limiter = instances[t % 2];
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 40; i++) {
                    Permit permit = limiter.acquire(i % 2, Duration.ofSeconds(30));
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    inFlight.decrementAndGet();
                    if (i % 3 == 0) {
                        permit.cancel();
                    } else {
                        permit.close();
                    }
                    done.incrementAndGet();
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(60).toMillis());
        }

        assertThat(done.get()).isEqualTo(6 * 40);
        assertThat(most.get()).isLessThanOrEqualTo(3);
        assertThat(stores[1].awaitEnds()).as("the other instance's ends reached Redis").isTrue();
        assertThat(instances[0].remaining()).isEqualTo(3);
    }
}
