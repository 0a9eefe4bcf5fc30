package io.ratestack.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisSentinel;

/**
 * A real Redis Sentinel for tests on a free port, monitoring a {@link TestRedis} as its only master:
 * {@code redis-server --sentinel} from the PATH when there is one, otherwise the embedded one of
 * {@code com.github.codemonstur:embedded-redis}. Stopped by {@link #close()}. Shared through this module's test jar.
 */
public final class TestSentinel implements AutoCloseable {

    /** The port it listens on, on 127.0.0.1. */
    public final int port;
    /** The name it knows the master by. */
    public final String master;
    private Process process;
    private RedisSentinel embedded;
    private Path dir;

    private TestSentinel(int port, String master) {
        this.port = port;
        this.master = master;
    }

    /**
     * Starts a Sentinel watching {@code redis} as master {@code master}, and waits until it names it.
     *
     * @param redis the master
     * @param master the name of the master
     * @return the running Sentinel
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static TestSentinel monitoring(TestRedis redis, String master) throws IOException, InterruptedException {
        TestSentinel sentinel = new TestSentinel(TestRedis.freePort(), master);
        if (TestRedis.onPath("redis-server")) {
            sentinel.dir = Files.createTempDirectory("sentinel");
            Path config = sentinel.dir.resolve("sentinel.conf"); // a Sentinel rewrites its file: one of its own
            Files.writeString(config, String.join("\n", List.of(
                    "port " + sentinel.port,
                    "bind 127.0.0.1",
                    "dir " + sentinel.dir,
                    "sentinel monitor " + master + " 127.0.0.1 " + redis.port + " 1",
                    "sentinel down-after-milliseconds " + master + " 60000", "")));
            sentinel.process = new ProcessBuilder("redis-server", config.toString(), "--sentinel")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } else {
            sentinel.embedded = RedisSentinel.newRedisSentinel().port(sentinel.port).bind("127.0.0.1")
                    .masterName(master).masterPort(redis.port).quorumSize(1).downAfterMilliseconds(60_000)
                    .build();
            sentinel.embedded.start();
        }
        sentinel.awaitMaster(redis.port);
        return sentinel;
    }

    /** {@code host:port}, as {@code spring.data.redis.sentinel.nodes} lists it. */
    public String node() {
        return "127.0.0.1:" + port;
    }

    private void awaitMaster(int masterPort) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(Duration.ofSeconds(5)).build());
        try {
            while (true) {
                try (var connection = client.connectSentinel()) {
                    if (connection.sync().getMasterAddrByName(master) instanceof InetSocketAddress address
                            && address.getPort() == masterPort) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Sentinel did not answer on port " + port, notYet);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Sentinel on port " + port + " does not name " + master);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } finally {
            client.shutdown();
        }
    }

    @Override
    public void close() throws IOException {
        if (process != null) {
            TestRedis.destroy(process);
            process = null;
        }
        if (embedded != null) {
            embedded.stop();
            embedded = null;
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
            dir = null;
        }
    }
}
