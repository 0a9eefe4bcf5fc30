package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.Refusal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisLimits} over a real Redis Cluster of two nodes, each serving half of the slots: each client's keys go to
 * the node of its hash tag, and each node learns the scripts the first time it is sent one.
 */
class RedisClusterTest {

    private static TestRedisCluster cluster;
    private static int[] ports;
    private static RedisClusterClient clusterClient;
    private static StatefulRedisClusterConnection<String, String> connection;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestRedisCluster.start();
        ports = cluster.ports();
        clusterClient = RedisClusterClient.create(TestRedisCluster.uri(ports[0]));
        connection = clusterClient.connect();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (connection != null) {
            connection.close();
            clusterClient.shutdown();
        }
        cluster.close();
    }

    @Test
    void clientsOnBothNodesAreLimitedAndEachNodeLearnsTheScripts() {
        RedisLimits limits = RedisLimits.builder(connection).prefix("cl:").clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build(); // the first call to a node also connects to it
        List<Limit> perClient = List.of(Limit.of(2, Duration.ofSeconds(1)).named("global"),
                Limit.of(1, Duration.ofSeconds(1)).named("route:/a"));
        String low = TestRedisCluster.clientOn(0);
        String high = TestRedisCluster.clientOn(1);

        for (String client : List.of(low, high)) {
            AcquireResult first = limits.tryAcquire(client, perClient);
            assertThat(first).isInstanceOf(Permit.class);
            ((Permit) first).close();
            AcquireResult second = limits.tryAcquire(client, perClient);
            assertThat(second).isInstanceOf(Refusal.class);
            assertThat(((Refusal) second).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        }

        assertThat(limits.awaitEnds()).as("both nodes answered the ends").isTrue();
        assertThat(limits.failures()).isZero();
        assertThat(connection.getConnection("127.0.0.1", ports[0]).sync().exists("cl:{" + low + "}:global:s"))
                .isEqualTo(1L);
        assertThat(connection.getConnection("127.0.0.1", ports[1]).sync().exists("cl:{" + high + "}:global:s"))
                .isEqualTo(1L);
    }

    @Test
    void everyAlgorithmsKeysOfAClientGoToTheNodeOfItsHashTag() {
        RedisLimits limits = RedisLimits.builder(connection).prefix("algo:").clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build();
        List<LimitSpec> everyAlgorithm = List.of(
                Limit.of(3, Duration.ofSeconds(1)).named("tp"),
                LimitSpec.Concurrency.of(2).named("cc"),
                LimitSpec.TokenBucket.of(2, 1, Duration.ofSeconds(1)).named("tb"),
                LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 2).named("g"),
                LimitSpec.SlidingWindow.of(2, Duration.ofSeconds(1)).named("w"));
        List<String> suffixes = List.of("tp:s", "cc:c", "cc:cl", "tb:b", "g:g", "w:w");
        for (int node = 0; node < 2; node++) {
            String client = TestRedisCluster.clientOn(node);
            limits.tryAcquire(client, everyAlgorithm, 2).permit(); // held: its leases stay
            limits.tryAcquire(client, List.of(everyAlgorithm.get(0))).permit().close(); // a window: times-per full
            assertThat(limits.awaitEnds()).isTrue();

            var own = connection.getConnection("127.0.0.1", ports[node]).sync();
            for (String suffix : suffixes) {
                assertThat(own.exists("algo:{" + client + "}:" + suffix)).as(client + " " + suffix).isEqualTo(1L);
            }
            assertThat(limits.tryAcquire(client, everyAlgorithm)).isInstanceOf(Refusal.class);
        }
        assertThat(limits.failures()).isZero();
    }

    @Test
    void waitingLimitersWorkOnEitherNode() {
        RedisLimits limits = RedisLimits.builder(connection).prefix("wait:").clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build();
        List<Limit> one = List.of(Limit.of(1, Duration.ofSeconds(1)).named("calls"));
        for (String client : List.of(TestRedisCluster.clientOn(0), TestRedisCluster.clientOn(1))) {
            RateLimiter limiter = limits.limiter(client, one);
            limiter.tryAcquire().permit().close();
            var waiter = limiter.acquireAsync(0, Duration.ofSeconds(5));

            clock.advance(Duration.ofSeconds(1));

            assertThat(waiter).isCompleted();
            assertThat(limiter.remaining()).isZero();
        }
    }
}
