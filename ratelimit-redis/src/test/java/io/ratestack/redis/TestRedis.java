package io.ratestack.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests on a free port: {@code redis-server} from the PATH when there is one, otherwise the
 * embedded server of {@code com.github.codemonstur:embedded-redis}. Stopped by {@link #close()}. Shared through this
 * module's test jar (the benchmarks start their Redis with it).
 */
public final class TestRedis implements AutoCloseable {

    /** The port it listens on, on 127.0.0.1. */
    public final int port;
    private Process process;
    private RedisServer embedded;

    private TestRedis(int port) {
        this.port = port;
    }

    /**
     * Starts a Redis on a free port and waits until it answers.
     *
     * @return the running server
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static TestRedis start() throws IOException, InterruptedException {
        TestRedis redis = new TestRedis(freePort());
        redis.restart();
        return redis;
    }

    /** Starts the server again on its port, empty, after {@link #stop()}. */
    public void restart() throws IOException, InterruptedException {
        if (onPath("redis-server")) {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } else {
            embedded = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
            embedded.start();
        }
        awaitReady();
    }

    /** Stops the server; its clients see a dead Redis until {@link #restart()}. */
    public void stop() throws IOException {
        if (process != null) {
            destroy(process);
            process = null;
        }
        if (embedded != null) {
            embedded.stop();
            embedded = null;
        }
    }

    /** @return a new client for this server (the caller shuts it down) */
    public RedisClient client() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(Duration.ofSeconds(5)).build());
        return client;
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        RedisClient client = client();
        try {
            while (true) {
                try (var connection = client.connect()) {
                    connection.sync().ping();
                    return;
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Redis did not answer on port " + port, notYet);
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
        } finally {
            client.shutdown();
        }
    }

    /**
     * Ends a {@code redis-server} process and waits up to ten seconds for it; interrupted, it kills the process
     * at once and keeps the interrupt for the caller.
     */
    static void destroy(Process process) {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** @return the digest of {@link RedisLimits}' script, as {@code SCRIPT EXISTS} takes it */
    public static String[] limitScriptDigests() throws IOException {
        List<String> digests = new ArrayList<>();
        for (String script : List.of("limits.lua")) {
            try (InputStream in = RedisLimits.class.getResourceAsStream(script)) {
                if (in == null) {
                    throw new IOException("no script " + script + " next to RedisLimits");
                }
                digests.add(HexFormat.of().formatHex(sha1().digest(in.readAllBytes())));
            }
        }
        return digests.toArray(String[]::new);
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    /** @return a port nothing listens on now */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** @return whether {@code command} is an executable on the PATH */
    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, command).canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
