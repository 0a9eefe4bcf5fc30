package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * With {@code spring.threads.virtual.enabled=true} (Java 21+; the build runs this on Temurin 25 when it is
 * installed), the filter limits as on platform threads, waiting acquires on virtual threads are served, a request
 * that waits for room ({@code /example}, max-wait 2 s) waits on its virtual thread, and no virtual thread pins its
 * carrier in this project's code while it waits.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.threads.virtual.enabled=true", "server.address=127.0.0.1",
                "ratelimit.routes[0].pattern=/example", "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1s",
                "ratelimit.routes[0].max-wait=2s"})
class VirtualThreadsTest {

    @LocalServerPort
    private int port;

    @Autowired
    private FakeClock clock;

    @Autowired
    private org.springframework.boot.web.servlet.FilterRegistrationBean<io.ratestack.spring.web.RateLimitFilter> filter;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void freshWindows() {
        clock.advance(Duration.ofHours(1));
    }

    private int get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void theFilterLimitsOnVirtualThreads() throws Exception {
        assertThat(get("/test")).isEqualTo(200);
        assertThat(get("/test")).isEqualTo(429);
        assertThat(get("/error")).isEqualTo(500);
        assertThat(get("/error")).as("refunded").isEqualTo(500);
    }

    @Test
    void waitingAcquiresOnVirtualThreadsAreServedWithoutPinning() throws Exception {
        assertThat(pinnedWhile(() -> {
            RateLimiter limiter = RateLimiters.timesPerBuilder(2, Duration.ofSeconds(1)).clock(clock).build();
            AtomicInteger served = new AtomicInteger();
            ExecutorService threads = virtualThreads();
            List<Future<?>> users = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                users.add(threads.submit(() -> {
                    try (Permit permit = limiter.acquire(java.time.temporal.ChronoUnit.FOREVER.getDuration())) {
                        permit.isGranted();
                    }
                    served.incrementAndGet(); // counted once its use is complete: its window has started
                }));
            }
            // Time moves only when every user is either served (use completed) or waiting for a slot.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (served.get() < 20) {
                assertThat(System.nanoTime() - deadline).as("every waiter is served").isNegative();
                if (served.get() + limiter.waiting() == 20) {
                    clock.advance(Duration.ofSeconds(1));
                }
                Thread.yield();
            }
            for (Future<?> user : users) {
                user.get(10, TimeUnit.SECONDS);
            }
            threads.shutdown();
        })).as("virtual threads pinned in this project's code").isEmpty();
    }

    @Test
    void aRequestWaitingForRoomWaitsOnItsVirtualThreadWithoutPinning() throws Exception {
        assertThat(pinnedWhile(() -> {
            assertThat(get("/example")).isEqualTo(200);
            java.util.concurrent.CompletableFuture<HttpResponse<Void>> second = http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/example")).build(),
                    HttpResponse.BodyHandlers.discarding());
            WaitingForRoomTest.awaitWaiting(filter.getFilter());
            clock.advance(Duration.ofSeconds(1));
            assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        })).as("virtual threads pinned in this project's code").isEmpty();
    }

    /** Work that may throw. */
    private interface Body {
        void run() throws Exception;
    }

    /** The pinning events of virtual threads in this project's code while {@code body} runs. */
    private static List<String> pinnedWhile(Body body) throws Exception {
        List<String> pinned = new ArrayList<>();
        try (RecordingStream recording = new RecordingStream()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.onEvent("jdk.VirtualThreadPinned", event -> {
                if (inThisProject(event)) {
                    synchronized (pinned) {
                        pinned.add(event.toString());
                    }
                }
            });
            recording.startAsync();
            body.run();
        }
        synchronized (pinned) {
            return List.copyOf(pinned);
        }
    }

    private static boolean inThisProject(RecordedEvent event) {
        if (event.getStackTrace() == null) {
            return false;
        }
        for (RecordedFrame frame : event.getStackTrace().getFrames()) {
            if (frame.getMethod().getType().getName().startsWith("io.ratestack.")
                    && !frame.getMethod().getType().getName().startsWith("io.ratestack.sample.")) {
                return true;
            }
        }
        return false;
    }

    /** Executors.newVirtualThreadPerTaskExecutor(), which this Java 17 build cannot name directly. */
    private static ExecutorService virtualThreads() throws Exception {
        return (ExecutorService) java.util.concurrent.Executors.class
                .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    }

    @TestConfiguration
    static class FakeTime {
        @Bean
        FakeClock clock() {
            return new FakeClock();
        }
    }
}
