package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.spring.client.PacedTarget;
import io.ratestack.spring.client.PacedTargets;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * The tutorial's client against the tutorial's server, in one application: the server limits per client (10 per
 * 10s, 1 per 1s per route, 500s refunded) and the client, through Spring Boot's {@code RestClient.Builder} paced by
 * {@code ratelimit.client.targets}, keeps to the same limits. Both read one fake clock, which the test moves while
 * the burst runs; HTTP is real.
 */
@SpringBootTest(webEnvironment = WebEnvironment.DEFINED_PORT, properties = {
        "ratelimit.client.targets.tutorial.base-url=${tutorial.base-url}",
        "ratelimit.client.targets.tutorial.global.limit=10",
        "ratelimit.client.targets.tutorial.global.per=10s",
        "ratelimit.client.targets.tutorial.per-path.limit=1",
        "ratelimit.client.targets.tutorial.per-path.per=1s",
        "ratelimit.client.targets.tutorial.refund-statuses=500"})
class TutorialClientTest {

    private static final int PORT = freePort();

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("tutorial.base-url", () -> "http://127.0.0.1:" + PORT);
    }

    @Autowired
    private FakeClock clock;

    @Autowired
    private RestClient.Builder builder;

    @Autowired
    private PacedTargets targets;

    /** Twenty requests at once through the paced client: none is refused by the server. */
    @Test
    void thePacedClientGetsNo429() throws Exception {
        TutorialClient client = new TutorialClient(builder.baseUrl("http://127.0.0.1:" + PORT).build());
        Duration start = clock.elapsed();

        AtomicInteger answered = new AtomicInteger();
        CompletableFuture<Map<Integer, Integer>> burst = CompletableFuture.supplyAsync(() -> {
            try {
                return client.burst(20, status -> answered.incrementAndGet());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Time moves only while no request is on the wire: every one is either answered or waiting for a slot.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!burst.isDone()) {
            assertThat(System.nanoTime() - deadline).as("the burst ends").isNegative();
            if (answered.get() + waiting() == 20) {
                clock.advance(Duration.ofMillis(10));
            }
            Thread.onSpinWait();
        }
        Map<Integer, Integer> counts = burst.join();

        assertThat(counts).doesNotContainKey(429);
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(20);
        assertThat(counts.keySet()).isSubsetOf(200, 500);
        if (counts.getOrDefault(200, 0) > 10) {
            assertThat(clock.elapsed().minus(start)).as("more than ten successes span two global windows")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        }
    }

    /** The same burst unpaced: the server refuses some of it. */
    @Test
    void anUnpacedBurstIsRefusedInPart() throws Exception {
        clock.advance(Duration.ofHours(1));
        TutorialClient client = new TutorialClient(RestClient.builder().baseUrl("http://127.0.0.1:" + PORT).build());

        Map<Integer, Integer> counts = client.burst(20);

        assertThat(counts.get(429)).isPositive();
        assertThat(TutorialClient.format(counts)).contains("429 -> ");
    }

    private int waiting() {
        PacedTarget target = targets.targets().get(0);
        int waiting = 0;
        for (String path : TutorialClient.PATHS) {
            waiting += target.pacer().limiterFor(path).waiting();
        }
        return waiting;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestConfiguration
    static class FakeTime {
        @Bean
        FakeClock clock() {
            return new FakeClock();
        }
    }
}
