package io.ratestack.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * <p>Redis is {@code redis-server} from the PATH, else an embedded Redis 6.2, on loopback: the numbers are round
 * trips on one machine, a floor for a real network.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisStoreBenchmark {

    private static final int CLIENTS = 1000;
    private static final Limit GLOBAL = Limit.of(1_000_000_000, Duration.ofHours(1)).named("global");
    private static final Limit ROUTE = Limit.of(1_000_000_000, Duration.ofHours(1)).named("route:/test");

    @State(Scope.Benchmark)
    public static class Stores {
        private TestRedis server;
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
            server = TestRedis.start();
            client = server.client();
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
            strings.close();
            bytes.close();
            client.shutdown();
            server.close();
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
