package io.ratestack.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import redis.embedded.RedisServer;

/**
 * A real Redis Cluster of two nodes on free ports, each serving half of the slots ({@code redis-server} from the
 * PATH, else the embedded one), for tests; {@link #close()} stops it. Shared through this module's test jar.
 */
public final class TestRedisCluster implements AutoCloseable {

    /** The first slot the second node serves; the first node serves those below. */
    public static final int SPLIT = SlotHash.SLOT_COUNT / 2;

    private final List<Process> processes = new ArrayList<>();
    private final List<RedisServer> embedded = new ArrayList<>();
    private final Path dir;
    private final int[] ports;

    private TestRedisCluster() throws IOException {
        this.dir = Files.createTempDirectory("ratestack-cluster");
        this.ports = new int[] {TestRedis.freePort(), TestRedis.freePort()};
    }

    /**
     * Starts both nodes, gives each half of the slots, and waits until the cluster is ready.
     *
     * @return the running cluster
     * @throws IOException if a node cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static TestRedisCluster start() throws IOException, InterruptedException {
        TestRedisCluster cluster = new TestRedisCluster();
        try {
            cluster.form();
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** @return the ports of the two nodes, on 127.0.0.1 */
    public int[] ports() {
        return ports.clone();
    }

    /** @return the nodes as {@code host:port}, as {@code spring.data.redis.cluster.nodes} takes them */
    public String nodes() {
        return "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    }

    /**
     * A client whose hash slot the given node serves.
     *
     * @param node 0 or 1
     * @return an address-like client key
     */
    public static String clientOn(int node) {
        for (int i = 0; ; i++) {
            String client = "10.0.0." + i;
            if ((SlotHash.getSlot(client) >= SPLIT) == (node == 1)) {
                return client;
            }
        }
    }

    /**
     * @param port a node's port
     * @return its address for Lettuce
     */
    public static RedisURI uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(5)).build();
    }

    private void form() throws IOException, InterruptedException {
        for (int port : ports) {
            startNode(port);
        }
        RedisClient plain = RedisClient.create();
        try {
            try (StatefulRedisConnection<String, String> a = connectWhenUp(plain, ports[0]);
                    StatefulRedisConnection<String, String> b = connectWhenUp(plain, ports[1])) {
                a.sync().clusterAddSlots(IntStream.range(0, SPLIT).toArray());
                b.sync().clusterAddSlots(IntStream.range(SPLIT, SlotHash.SLOT_COUNT).toArray());
                a.sync().clusterMeet("127.0.0.1", ports[1]);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!a.sync().clusterInfo().contains("cluster_state:ok")
                        || !b.sync().clusterInfo().contains("cluster_state:ok")) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the two-node cluster did not form");
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
        } finally {
            plain.shutdown();
        }
    }

    private void startNode(int port) throws IOException {
        String config = dir.resolve("nodes-" + port + ".conf").toString();
        if (TestRedis.onPath("redis-server")) {
            processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", config,
                    "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } else {
            RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("cluster-enabled yes").setting("cluster-config-file " + config)
                    .setting("dir " + dir).build();
            server.start();
            embedded.add(server);
        }
    }

    private static StatefulRedisConnection<String, String> connectWhenUp(RedisClient plain, int port)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return plain.connect(uri(port));
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redis did not answer on port " + port, notYet);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (Process process : processes) {
            TestRedis.destroy(process);
        }
        for (RedisServer server : embedded) {
            server.stop();
        }
    }
}
