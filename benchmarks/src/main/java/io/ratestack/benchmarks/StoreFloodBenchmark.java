package io.ratestack.benchmarks;

import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The starter's in-memory store under a flood of new client keys: one request of a client the store tracks (its
 * global and per-route limiters taken and completed, as the filter does), alone ({@code alone}) and while another
 * thread sends one request for each of an endless run of new keys ({@code flooded}: {@code tracked} is the client's
 * time, {@code newKey} the flood's). The caches (the default bounds, 100,000 clients and 200,000 client-route pairs)
 * are filled by 100,000 one-shot keys first, so every new key finds them full of running windows. The limits (an hour
 * each) never bind for the tracked client.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar StoreFloodBenchmark}; add {@code -bm sample} for
 * percentiles.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class StoreFloodBenchmark {

    private static final String TRACKED = "198.51.100.7";

    @Param("100000")
    int maximumSize;

    private MemoryRateLimitStore store;
    private Route route;
    private final AtomicLong next = new AtomicLong();

    @Setup(Level.Trial)
    public void fill() {
        store = new MemoryRateLimitStore(Clock.system(),
                List.of(new Limit(1_000_000_000, Duration.ofHours(1), Duration.ZERO, "global")),
                new MemoryRateLimitStore.CacheBounds(maximumSize, Duration.ofMinutes(1)),
                new MemoryRateLimitStore.CacheBounds(2L * maximumSize, Duration.ofMinutes(1)));
        route = new Route("/test", new RoutePolicy("per-route",
                List.of(new Limit(1_000_000_000, Duration.ofHours(1), Duration.ZERO, "route"))));
        use(TRACKED);
        for (int i = 1; i < maximumSize; i++) {
            use(nextKey());
        }
    }

    private String nextKey() {
        long i = next.getAndIncrement();
        return (10 + (i >>> 24)) + "." + ((i >>> 16) & 255) + "." + ((i >>> 8) & 255) + "." + (i & 255);
    }

    private boolean use(String client) {
        if (store.tryAcquire(client, route).result() instanceof Permit permit) {
            permit.close();
            return true;
        }
        return false;
    }

    @Benchmark
    @Group("alone")
    public boolean trackedAlone() {
        return use(TRACKED);
    }

    @Benchmark
    @Group("flooded")
    @GroupThreads(1)
    public boolean tracked() {
        return use(TRACKED);
    }

    @Benchmark
    @Group("flooded")
    @GroupThreads(1)
    public boolean newKey() {
        return use(nextKey());
    }
}
