package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.client.RequestPacer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two instances of a program pace their calls to one server against one budget kept in Redis. */
class FleetPacingTest {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    private final FakeClock clock = new FakeClock();
    private StatefulRedisConnection<String, String> first;
    private StatefulRedisConnection<String, String> second;

    @BeforeEach
    void connect() {
        first = redis.connect();
        second = redis.connect();
        first.sync().flushall();
    }

    /** The instances' Redis limits, in the order made. */
    private final List<RedisLimits> stores = new ArrayList<>();

    private RequestPacer instance(StatefulRedisConnection<String, String> connection) {
        RedisLimits limits = RedisLimits.builder(connection).prefix("out:").clock(clock).build();
        stores.add(limits);
        return RequestPacer.builder().clock(clock)
                .shared(limits.limiter("api.example.com", List.of(Limit.of(3, Duration.ofSeconds(1)).named("fleet"))))
                .perKey(Limit.of(2, Duration.ofSeconds(1)))
                .build();
    }

    @Test
    void theFleetBudgetHoldsAcrossInstancesAndAWaiterGoesWhenItsWindowEnds() {
        RequestPacer a = instance(first);
        RequestPacer b = instance(second);
        a.completed(a.acquire("/x", 0, Duration.ZERO), "/x", 200, null);
        a.completed(a.acquire("/y", 0, Duration.ZERO), "/y", 200, null);
        b.completed(b.acquire("/x", 0, Duration.ZERO), "/x", 200, null);

        CompletableFuture<Permit> waiting = b.acquireAsync("/y", 0, Duration.ofSeconds(5));
        clock.advance(Duration.ofMillis(999));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(waiting).isCompleted();
    }

    @Test
    void aRefundedCallFreesTheFleetSlotForTheOtherInstance() {
        RequestPacer a = instance(first);
        RequestPacer b = instance(second);
        a.completed(a.acquire("/x", 0, Duration.ZERO), "/x", 200, null);
        a.completed(a.acquire("/y", 0, Duration.ZERO), "/y", 200, null);
        Permit failing = a.acquire("/z", 0, Duration.ZERO);

        a.completed(failing, "/z", 500, null);
        assertThat(stores.get(0).awaitEnds()).as("the refund reached Redis").isTrue();

        Permit next = b.acquire("/x", 0, Duration.ZERO);
        assertThat(next).isNotNull();
    }
}
