package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.ratestack.AcquireResult;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.Refusal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * {@link RedisLimits} over a real Redis Cluster of two nodes, each serving half of the slots: each client's keys go to
 * the node of its hash tag, and each node learns the scripts the first time it is sent one.
 */
class RedisClusterTest {

    private static final List<Process> PROCESSES = new ArrayList<>();
    private static final List<RedisServer> EMBEDDED = new ArrayList<>();
    private static Path dir;
    private static int[] ports;
    private static RedisClusterClient clusterClient;
    private static StatefulRedisClusterConnection<String, String> connection;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("ratestack-cluster");
        ports = new int[] {TestRedis.freePort(), TestRedis.freePort()};
        for (int port : ports) {
            start(port);
        }
        RedisClient plain = RedisClient.create();
        try (StatefulRedisConnection<String, String> a = plain.connect(uri(ports[0]));
                StatefulRedisConnection<String, String> b = plain.connect(uri(ports[1]))) {
            a.sync().clusterAddSlots(IntStream.range(0, 8192).toArray());
            b.sync().clusterAddSlots(IntStream.range(8192, SlotHash.SLOT_COUNT).toArray());
            a.sync().clusterMeet("127.0.0.1", ports[1]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!a.sync().clusterInfo().contains("cluster_state:ok")
                    || !b.sync().clusterInfo().contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the two-node cluster did not form");
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } finally {
            plain.shutdown();
        }
        clusterClient = RedisClusterClient.create(uri(ports[0]));
        connection = clusterClient.connect();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (connection != null) {
            connection.close();
            clusterClient.shutdown();
        }
        for (Process process : PROCESSES) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (RedisServer server : EMBEDDED) {
            server.stop();
        }
    }

    @Test
    void clientsOnBothNodesAreLimitedAndEachNodeLearnsTheScripts() {
        RedisLimits limits = RedisLimits.builder(connection).prefix("cl:").clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build(); // the first call to a node also connects to it
        List<Limit> perClient = List.of(Limit.of(2, Duration.ofSeconds(1)).named("global"),
                Limit.of(1, Duration.ofSeconds(1)).named("route:/a"));
        String low = clientOnSlots(0, 8192);
        String high = clientOnSlots(8192, SlotHash.SLOT_COUNT);

        for (String client : List.of(low, high)) {
            AcquireResult first = limits.tryAcquire(client, perClient);
            assertThat(first).isInstanceOf(Permit.class);
            ((Permit) first).close();
            AcquireResult second = limits.tryAcquire(client, perClient);
            assertThat(second).isInstanceOf(Refusal.class);
            assertThat(((Refusal) second).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        }

        assertThat(limits.failures()).isZero();
        assertThat(connection.getConnection("127.0.0.1", ports[0]).sync().exists("cl:{" + low + "}:global:s"))
                .isEqualTo(1L);
        assertThat(connection.getConnection("127.0.0.1", ports[1]).sync().exists("cl:{" + high + "}:global:s"))
                .isEqualTo(1L);
    }

    @Test
    void waitingLimitersWorkOnEitherNode() {
        RedisLimits limits = RedisLimits.builder(connection).prefix("wait:").clock(clock)
                .commandTimeout(Duration.ofSeconds(5)).build();
        List<Limit> one = List.of(Limit.of(1, Duration.ofSeconds(1)).named("calls"));
        for (String client : List.of(clientOnSlots(0, 8192), clientOnSlots(8192, SlotHash.SLOT_COUNT))) {
            RateLimiter limiter = limits.limiter(client, one);
            limiter.tryAcquire().permit().close();
            var waiter = limiter.acquireAsync(0, Duration.ofSeconds(5));

            clock.advance(Duration.ofSeconds(1));

            assertThat(waiter).isCompleted();
            assertThat(limiter.remaining()).isZero();
        }
    }

    private static String clientOnSlots(int from, int to) {
        for (int i = 0; ; i++) {
            String client = "10.0.0." + i;
            int slot = SlotHash.getSlot(client);
            if (slot >= from && slot < to) {
                return client;
            }
        }
    }

    private static void start(int port) throws IOException {
        String config = dir.resolve("nodes-" + port + ".conf").toString();
        if (TestRedis.onPath("redis-server")) {
            PROCESSES.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", config,
                    "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } else {
            RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("cluster-enabled yes").setting("cluster-config-file " + config)
                    .setting("dir " + dir).build();
            server.start();
            EMBEDDED.add(server);
        }
        awaitPing(port);
    }

    private static void awaitPing(int port) {
        RedisClient plain = RedisClient.create();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (StatefulRedisConnection<String, String> c = plain.connect(uri(port))) {
                    c.sync().ping();
                    return;
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Redis did not answer on port " + port, notYet);
                    }
                    try {
                        TimeUnit.MILLISECONDS.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
        } finally {
            plain.shutdown();
        }
    }

    private static RedisURI uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(5)).build();
    }
}
