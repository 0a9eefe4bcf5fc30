package io.ratestack.benchmarks;

import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

/**
 * The heap one tracked client costs: the starter's memory store after a million distinct clients have each made one
 * request to one route (the tutorial's limits), measured as retained heap after full collections, per client. The
 * client keys are IPv4 address strings, as the filter makes them.
 *
 * <p>Given a maximum size below the number of clients (both bounds get it), the clients are a flood of one-shot keys
 * past the bounds: the retained heap is then that of the clients kept, and the rest share the overflow budget.
 *
 * <p>Run: {@code java -Xmx4g -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.MemoryPerClient [clients]
 * [maximum-size]}.
 */
public final class MemoryPerClient {

    private MemoryPerClient() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long maximumSize = args.length > 1 ? Long.parseLong(args[1]) : 2L * clients;
        MemoryRateLimitStore store = new MemoryRateLimitStore(Clock.system(),
                List.of(new Limit(10, Duration.ofSeconds(10), Duration.ZERO, "global")),
                new MemoryRateLimitStore.CacheBounds(maximumSize, Duration.ofHours(1)),
                new MemoryRateLimitStore.CacheBounds(maximumSize, Duration.ofHours(1)));
        Route route = new Route("/test", new RoutePolicy("per-route",
                List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route"))));
        long before = retained();
        for (int i = 0; i < clients; i++) {
            String client = (10 + (i >>> 24)) + "." + ((i >>> 16) & 255) + "." + ((i >>> 8) & 255) + "." + (i & 255);
            if (store.tryAcquire(client, route).result() instanceof Permit permit) {
                permit.close();
            }
        }
        long after = retained();
        long kept = Math.min(clients, maximumSize);
        if (store.clientCount() != kept || store.routeCount() != kept) {
            throw new IllegalStateException("expected " + kept + " clients kept, found " + store.clientCount()
                    + " and " + store.routeCount() + " routes");
        }
        System.out.printf("clients: %d%nkept: %d%nretained: %.1f MiB%nbytes per client: %.0f%n", clients, kept,
                (after - before) / 1048576.0, (after - before) / (double) kept);
    }

    private static long retained() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
