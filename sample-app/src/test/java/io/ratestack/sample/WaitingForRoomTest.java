package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.spring.web.RateLimitFilter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Import;

/**
 * Brief queueing over real HTTP: {@code /example} with the tutorial's 1 per second and a max-wait of 2 s; a second
 * request waits (on the server thread it holds; {@code VirtualThreadsTest} waits on a virtual thread) until the fake
 * clock opens the next window, and gets 200 instead of 429.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "ratelimit.routes[0].pattern=/example", "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1s",
        "ratelimit.routes[0].max-wait=2s"})
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class WaitingForRoomTest {

    @LocalServerPort
    private int port;

    @Autowired
    private FakeClock clock;

    @Autowired
    private FilterRegistrationBean<RateLimitFilter> filter;

    @Test
    void aRequestOverTheLimitWaitsForTheNextWindowInsteadOfA429() throws Exception {
        assertThat(Loopback.get(port, "/example").statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> second = SampleInstances.HTTP.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/example")).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        awaitWaiting(filter.getFilter());
        assertThat(Loopback.get(port, "/test").statusCode()).as("other routes are served meanwhile").isEqualTo(200);

        clock.advance(Duration.ofSeconds(1));

        HttpResponse<String> admitted = second.get(10, TimeUnit.SECONDS);
        assertThat(admitted.statusCode()).isEqualTo(200);
        assertThat(admitted.headers().firstValue("RateLimit")).hasValueSatisfying(value ->
                assertThat(value).contains("\"route\";r=0"));
    }

    /** Waits until a request waits for room: no time is asserted, the limiters' clock has not moved. */
    static void awaitWaiting(RateLimitFilter filter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (filter.waiting() == 0) {
            assertThat(System.nanoTime() - deadline).as("waiting within 10s").isNegative();
            Thread.sleep(1);
        }
    }
}
