package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Import;

/**
 * A flood of new client keys over real HTTP, ten times the caches' bound, minted through a trusted proxy (Tomcat
 * takes the client's address from {@code X-Forwarded-For} sent from loopback): a client that spent its global budget
 * stays refused until its window ends, and the keys the caches have no room for share one overflow budget.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1", "server.forward-headers-strategy=native",
        "ratelimit.global.limit=10", "ratelimit.global.per=300s",
        "ratelimit.per-route.limit=1000", "ratelimit.per-route.per=1s",
        "ratelimit.cache.global.maximum-size=200", "ratelimit.cache.global.expire-after-access=0s",
        "ratelimit.cache.per-route.maximum-size=200", "ratelimit.cache.per-route.expire-after-access=0s"})
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class ClientFloodTest {

    private static final String QUIET = "198.51.100.7";

    @LocalServerPort
    private int port;

    @Autowired
    private FakeClock clock;

    @Autowired
    private FilterRegistrationBean<SampleApplicationTest.RequestsInFlight> requestsInFlight;

    @Test
    void aQuietClientStaysRefusedThroughAFloodAndTheFloodSharesOneOverflowBudget() throws Exception {
        for (int i = 1; i <= 10; i++) {
            assertThat(get(QUIET).statusCode()).as("quiet's request #%d", i).isEqualTo(200);
        }
        assertThat(get(QUIET).statusCode()).isEqualTo(429);

        // 2,000 one-shot keys: the first 199 fill the caches (quiet holds one place in each), the rest overflow.
        int ownAdmitted = 0;
        int overflowAdmitted = 0;
        int overflowRefused = 0;
        for (int i = 0; i < 2_000; i++) {
            HttpResponse<String> response = get("10.0." + (i / 250) + "." + (i % 250));
            if (i < 199) {
                assertThat(response.statusCode()).as("flood key #%d", i).isEqualTo(200);
                assertThat(header(response, "RateLimit")).as("flood key #%d", i).startsWith("\"global\";r=9");
                ownAdmitted++;
            } else if (response.statusCode() == 200) {
                overflowAdmitted++;
            } else {
                assertThat(response.statusCode()).isEqualTo(429);
                assertThat(header(response, "RateLimit")).as("flood key #%d", i).startsWith("\"global\";r=0;");
                overflowRefused++;
            }
        }
        HttpResponse<String> quiet = get(QUIET);
        assertThat(quiet.statusCode()).as("quiet's window runs until t=300s").isEqualTo(429);
        assertThat(header(quiet, "RateLimit")).startsWith("\"global\";r=0;t=300");
        assertThat(ownAdmitted).isEqualTo(199);
        assertThat(overflowAdmitted).as("the overflow budget: the global limit, once for all of them").isEqualTo(10);
        assertThat(overflowRefused).isEqualTo(2_000 - 199 - 10);

        requestsInFlight.getFilter().awaitNone();
        clock.advance(Duration.ofSeconds(300));

        HttpResponse<String> again = get(QUIET);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(header(again, "RateLimit")).startsWith("\"global\";r=9");
        HttpResponse<String> newcomer = get("203.0.113.1");
        assertThat(newcomer.statusCode()).isEqualTo(200);
        assertThat(header(newcomer, "RateLimit")).as("limiters of its own: the flood's expired")
                .startsWith("\"global\";r=9");
    }

    private HttpResponse<String> get(String client) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test"))
                .header("X-Forwarded-For", client)
                .timeout(Duration.ofSeconds(10))
                .build();
        return SampleInstances.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse("");
    }
}
