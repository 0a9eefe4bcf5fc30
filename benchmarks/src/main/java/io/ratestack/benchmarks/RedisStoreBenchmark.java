package io.ratestack.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The filter's case, a global and a per-route limit per client, through three stores in one run: this project's
 * Redis store (one script call to take both limits, all or nothing, and one to complete), its in-memory limiters,
 * and Bucket4j's Lettuce backend (one compare-and-swap bucket per limit; it has no all-or-nothing across buckets).
 * The limits never bind, so every operation is an admitted request; clients rotate over 1,000 keys.
 *
 * <p>{@link #directPipelined} is the machine's limit for this design: the same script, the same two limits, an
 * acquire and its completion per operation, sent straight through Lettuce in batches of {@value #BATCH} pairs on a
 * connection of its own (flushed once per batch, every answer awaited), with nothing of the store around it;
 * {@link #directWindowed} keeps {@value #WINDOW} pairs in flight at all times instead, each command flushed as
 * sent. Run them with one thread ({@code -t 1}) and {@link #ratestackRedis} with the request threads to compare
 * ({@code -t 16}).
 *
 * <p>Redis is {@code redis-server} from the PATH, else an embedded Redis 6.2, on loopback, or with
 * {@code -jvmArgsAppend -Dbenchmark.redis.port=N} a Redis already running on 127.0.0.1:N (the same server for every
 * run): the numbers are round trips on one machine, a floor for a real network.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisStoreBenchmark {

    private static final int CLIENTS = 1000;
    /** Acquire and completion pairs sent at once by {@link #directPipelined}. */
    static final int BATCH = 64;
    /** Acquire and completion pairs kept in flight by {@link #directWindowed}. */
    static final int WINDOW = 64;
    private static final Limit GLOBAL = Limit.of(1_000_000_000, Duration.ofHours(1)).named("global");
    private static final Limit ROUTE = Limit.of(1_000_000_000, Duration.ofHours(1)).named("route:/test");

    @State(Scope.Benchmark)
    public static class Stores {
        private TestRedis server; // null with benchmark.redis.port
        private RedisClient client;
        private StatefulRedisConnection<String, String> strings;
        private StatefulRedisConnection<String, byte[]> bytes;
        RedisLimits redisLimits;
        ProxyManager<String> bucket4j;
        BucketConfiguration bucketConfiguration;
        final ConcurrentHashMap<String, RateLimiter> inMemory = new ConcurrentHashMap<>();
        final String[] clients = new String[CLIENTS];
        final AtomicInteger next = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws IOException, InterruptedException {
            Integer port = Integer.getInteger("benchmark.redis.port");
            if (port == null) {
                server = TestRedis.start();
                client = server.client();
            } else {
                client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                        .withTimeout(Duration.ofSeconds(5)).build());
            }
            strings = client.connect();
            bytes = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            redisLimits = RedisLimits.builder(strings).prefix("rs:").commandTimeout(Duration.ofSeconds(2)).build();
            bucket4j = Bucket4jLettuce.casBasedBuilder(bytes)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofMinutes(1)))
                    .build();
            bucketConfiguration = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L,
                            Duration.ofHours(1)).build())
                    .build();
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = "10.0." + (i / 256) + "." + (i % 256);
            }
        }

        String nextClient() {
            return clients[Math.floorMod(next.getAndIncrement(), CLIENTS)];
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException, InterruptedException {
            redisLimits.awaitEnds(); // the ends still on their way, before their connection closes
            strings.close();
            bytes.close();
            client.shutdown();
            if (server != null) {
                server.close();
            }
        }
    }

    /**
     * A connection of one thread's own that sends the store's script straight, {@value #BATCH} acquire and
     * completion pairs per flush: the keys and arguments {@code RedisLimits} sends for {@code GLOBAL} and
     * {@code ROUTE} under the prefix {@code rs:}.
     */
    @State(Scope.Thread)
    public static class Pipeline {
        private StatefulRedisConnection<String, String> connection;
        private RedisAsyncCommands<String, String> commands;
        private String sha;
        private final String[] terms = {
            "t", Integer.toString(GLOBAL.maxCost()), Integer.toString(GLOBAL.limit()), micros(GLOBAL.window()),
            "0", "0", "0",
            "t", Integer.toString(ROUTE.maxCost()), Integer.toString(ROUTE.limit()), micros(ROUTE.window()),
            "0", "0", "0"};
        private final String lease = micros(RedisLimits.DEFAULT_LEASE);
        private long token;
        private final List<RedisFuture<List<Object>>> pending = new ArrayList<>(2 * BATCH);
        private StatefulRedisConnection<String, String> flushing;
        private RedisAsyncCommands<String, String> flushed;
        private final Semaphore window = new Semaphore(WINDOW);

        @Setup(Level.Trial)
        public void connect(Stores stores) throws IOException {
            connection = stores.client.connect();
            commands = connection.async();
            try (InputStream in = RedisLimits.class.getResourceAsStream("limits.lua")) {
                if (in == null) {
                    throw new IOException("limits.lua is not next to RedisLimits");
                }
                sha = connection.sync().scriptLoad(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            connection.setAutoFlushCommands(false);
            flushing = stores.client.connect();
            flushed = flushing.async();
        }

        /** One pair sent once fewer than {@link #WINDOW} are in flight; its room frees when its completion is answered. */
        void windowed(String[] clients, AtomicInteger next) throws InterruptedException {
            window.acquire();
            String client = clients[Math.floorMod(next.getAndIncrement(), CLIENTS)];
            String[] keys = {"rs:{" + client + "}:global:s", "rs:{" + client + "}:global:l",
                "rs:{" + client + "}:route:/test:s", "rs:{" + client + "}:route:/test:l"};
            String use = "windowed:" + (++token);
            var unused = flushed.evalsha(sha, ScriptOutputType.MULTI, keys, args("a", use, lease));
            flushed.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args("r", use, "0"))
                    .whenComplete((reply, failure) -> window.release());
        }

        /** One batch: each pair's acquire, then its completion, flushed together; waits for every answer. */
        void batch(String[] clients, AtomicInteger next) throws Exception {
            for (int i = 0; i < BATCH; i++) {
                String client = clients[Math.floorMod(next.getAndIncrement(), CLIENTS)];
                String[] keys = {"rs:{" + client + "}:global:s", "rs:{" + client + "}:global:l",
                    "rs:{" + client + "}:route:/test:s", "rs:{" + client + "}:route:/test:l"};
                String use = "pipelined:" + (++token);
                pending.add(commands.evalsha(sha, ScriptOutputType.MULTI, keys, args("a", use, lease)));
                pending.add(commands.evalsha(sha, ScriptOutputType.MULTI, keys, args("r", use, "0")));
            }
            connection.flushCommands();
            for (RedisFuture<List<Object>> answer : pending) {
                answer.get(5, TimeUnit.SECONDS);
            }
            pending.clear();
        }

        private String[] args(String op, String use, String leaseArgument) {
            String[] args = new String[6 + terms.length];
            args[0] = op;
            args[1] = "T";
            args[2] = use;
            args[3] = leaseArgument;
            args[4] = "1";
            args[5] = "1";
            System.arraycopy(terms, 0, args, 6, terms.length);
            return args;
        }

        private static String micros(Duration duration) {
            return Long.toString(duration.toNanos() / 1000);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            window.acquire(WINDOW); // every pair answered
            connection.close();
            flushing.close();
        }
    }

    /** Both limits in one script call, then the completion in one more. */
    @Benchmark
    public boolean ratestackRedis(Stores stores) {
        // attempt: what the starter's filter calls (the result and each limit's remaining uses, for the headers)
        if (stores.redisLimits.attempt(stores.nextClient(), List.of(GLOBAL, ROUTE)).result() instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    /**
     * The same script and limits called straight in a pipelined loop, {@value #BATCH} requests (an acquire and its
     * completion each) per round trip: what Redis itself can do for this design on this machine.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void directPipelined(Stores stores, Pipeline pipeline) throws Exception {
        pipeline.batch(stores.clients, stores.next);
    }

    /**
     * The same script and limits called straight with {@value #WINDOW} requests (an acquire and its completion each)
     * in flight at all times: the other shape of Redis's own limit for this design on this machine.
     */
    @Benchmark
    public void directWindowed(Stores stores, Pipeline pipeline) throws InterruptedException {
        pipeline.windowed(stores.clients, stores.next);
    }

    /** The same two limits in memory: what one instance pays without Redis. */
    @Benchmark
    public boolean ratestackInMemory(Stores stores) {
        RateLimiter limiter = stores.inMemory.computeIfAbsent(stores.nextClient(), c -> RateLimiters.all(
                RateLimiters.timesPer(GLOBAL.limit(), GLOBAL.per()), RateLimiters.timesPer(ROUTE.limit(), ROUTE.per())));
        if (limiter.tryAcquire() instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    /** Bucket4j's Lettuce backend: a bucket per limit, each a compare-and-swap round trip (or more under contention). */
    @Benchmark
    public boolean bucket4jLettuce(Stores stores) {
        String client = stores.nextClient();
        return stores.bucket4j.getProxy(client + ":global", () -> stores.bucketConfiguration).tryConsume(1)
                && stores.bucket4j.getProxy(client + ":route:/test", () -> stores.bucketConfiguration).tryConsume(1);
    }
}
