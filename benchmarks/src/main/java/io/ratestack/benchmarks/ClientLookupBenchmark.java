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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * What one call of {@code /actuator/ratelimits/{client}} costs the store ({@code MemoryRateLimitStore.describe}) with
 * 100,000 clients on two routes each (200,000 client-route pairs): routes keyed by pattern ({@code routes = 2}, the
 * same two keys for every client) and keyed by path ({@code routes = 200000}, a path per pair). Either way it reads
 * the one entry of the client, with its routes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClientLookupBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ClientLookupBenchmark {

    private static final int CLIENTS = 100_000;

    @Param({"2", "200000"})
    int routes;

    private MemoryRateLimitStore store;

    @Setup(Level.Trial)
    public void fill() {
        store = new MemoryRateLimitStore(Clock.system(),
                List.of(new Limit(1_000_000, Duration.ofHours(1), Duration.ZERO, "global")),
                new MemoryRateLimitStore.CacheBounds(CLIENTS, Duration.ofHours(1)),
                new MemoryRateLimitStore.CacheBounds(2L * CLIENTS, Duration.ofHours(1)));
        RoutePolicy policy = new RoutePolicy("bench", List.of(new Limit(1_000_000, Duration.ofHours(1),
                Duration.ZERO, "route")));
        int pair = 0;
        for (int client = 0; client < CLIENTS; client++) {
            for (int i = 0; i < 2; i++, pair++) {
                String path = routes == 2 ? "/route/" + i : "/route/" + pair;
                if (store.tryAcquire("client-" + client, new Route(path, policy)).result() instanceof Permit permit) {
                    permit.close();
                }
            }
        }
    }

    @Benchmark
    public Object describe() {
        return store.describe("client-4242");
    }
}
