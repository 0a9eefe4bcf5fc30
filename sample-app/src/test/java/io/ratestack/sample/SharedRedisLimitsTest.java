package io.ratestack.sample;

import static io.ratestack.sample.SampleInstances.admitted;
import static io.ratestack.sample.SampleInstances.get;
import static io.ratestack.sample.SampleInstances.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.redis.TestRedis;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the sample app sharing one Redis ({@code ratelimit.store=redis}), over real HTTP: a client's global
 * limit (10 per 10s) holds across both, whichever instance a request hits; refunds of 500s return the use to the
 * shared budget; many threads on both instances never get more than the limit admitted, even in a burst right after
 * they started. See {@link SampleInstances} for the raised per-route limit. These run on the real clock (Redis's):
 * each test finishes far inside one window.
 */
class SharedRedisLimitsTest {

    private static TestRedis redis;
    private static ConfigurableApplicationContext a;
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.start();
        a = SampleInstances.start(redis.port);
        b = SampleInstances.start(redis.port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        redis.close();
    }

    @Test
    void aClientsGlobalLimitHoldsAcrossBothInstances() throws Exception {
        String client = "203.0.113.1";
        admitted(10, client, a, b);

        for (ConfigurableApplicationContext instance : List.of(a, b)) {
            HttpResponse<String> refused = get(instance, "/test", client);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(header(refused, "Retry-After").orElseThrow())).isBetween(1L, 10L);
            assertThat(header(refused, "RateLimit-Policy"))
                    .hasValue("\"global\";q=10;w=10, \"route\";q=1000;w=1");
            assertThat(header(refused, "RateLimit").orElseThrow()).as("as Redis saw it, on either instance")
                    .matches("\"global\";r=0;t=(10|[1-9]), \"route\";r=\\d+(;t=1)?");
            assertThat(refused.body()).contains("\"status\":429").contains("\"violated-policies\":[\"global\"]");
        }
        assertThat(get(b, "/test", "203.0.113.99").statusCode()).as("another client").isEqualTo(200);
    }

    @Test
    void failedRequestsAreRefundedAcrossInstances() throws Exception {
        String client = "203.0.113.2";
        for (int i = 0; i < 12; i++) { // more than the limit: none is refused, none counts
            assertThat(get(i % 2 == 0 ? a : b, "/error", client).statusCode()).as("/error #%d", i + 1)
                    .isEqualTo(500);
        }

        admitted(10, client, a, b); // the budget is intact
        assertThat(get(b, "/example", client).statusCode()).isEqualTo(429);
    }

    @Test
    void manyThreadsOnBothInstancesNeverGetMoreThanTheLimitAdmitted() throws Exception {
        Burst burst = burst(200, "203.0.113.3", a, b);

        assertThat(burst.ok + burst.refused).as("every answer is a 200 or a 429").isEqualTo(200);
        assertThat(burst.ok).as("admitted in %ds", burst.seconds).isLessThanOrEqualTo(10);
        if (burst.seconds < 9) { // all within one window: exactly the limit, none lost to a half-taken use
            assertThat(burst.ok).isEqualTo(10);
        }
    }

    /**
     * Two instances just started, and their first traffic a burst (the global limit raised to 50 a minute): every
     * request is counted. Their first Redis commands ran while they started, not in the burst, where a cold JVM's
     * could miss the command timeout and be admitted uncounted (fail-open).
     */
    @Test
    void aBurstRightAfterStartupIsCounted() throws Exception {
        try (TestRedis fresh = TestRedis.start()) {
            String[] limit = {"--ratelimit.global.limit=50", "--ratelimit.global.per=1m"};
            try (ConfigurableApplicationContext first = SampleInstances.start(fresh.port, limit);
                    ConfigurableApplicationContext second = SampleInstances.start(fresh.port, limit)) {
                RedisClient client = fresh.client();
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    assertThat(connection.sync().scriptExists(TestRedis.limitScriptDigests()))
                            .as("the limits script, loaded before the first request").containsExactly(true);
                } finally {
                    client.shutdown();
                }

                Burst burst = burst(200, "203.0.113.4", first, second);

                assertThat(burst.ok + burst.refused).as("every answer is a 200 or a 429").isEqualTo(200);
                assertThat(burst.ok).as("admitted in %ds", burst.seconds).isLessThanOrEqualTo(50);
                if (burst.seconds < 55) {
                    assertThat(burst.ok).isEqualTo(50);
                }
            }
        }
    }

    /** What a burst got: 200s, 429s, and how long it took. */
    private record Burst(int ok, int refused, long seconds) {
    }

    /** {@code count} requests of a client from 16 threads, alternating instances and the routes /test and /example. */
    private static Burst burst(int count, String client, ConfigurableApplicationContext a,
            ConfigurableApplicationContext b) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        long start = System.nanoTime();
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ConfigurableApplicationContext instance = i % 2 == 0 ? a : b;
                String path = i % 3 == 0 ? "/test" : "/example";
                sent.add(threads.submit(() -> {
                    int status = get(instance, path, client).statusCode();
                    (status == 200 ? ok : status == 429 ? refused : new AtomicInteger()).incrementAndGet();
                    return status;
                }));
            }
            for (Future<?> request : sent) {
                request.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        return new Burst(ok.get(), refused.get(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }
}
