package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * Plans over real HTTP: the sample app's two API keys, on its {@code free} plan (2 per second per route) and its
 * {@code pro} plan (100 per 10 s, 10 per second per route); a request without an issued key has the tutorial's limits.
 * The clock is the tests' fake one and does not move.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class PlansTest {

    @LocalServerPort
    private int port;

    @Test
    void eachApiKeyHasItsPlansLimitsAndNoKeyTheTutorials() throws Exception {
        assertThat(statuses("demo-pro-key", 11)).as("10 per second per route")
                .containsExactly(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429);
        HttpResponse<String> pro = get("/example", "demo-pro-key");
        assertThat(pro.headers().firstValue("RateLimit-Policy")).hasValue("\"global\";q=100;w=10, \"route\";q=10;w=1");
        assertThat(statuses("demo-free-key", 3)).as("2 per second per route").containsExactly(200, 200, 429);
        assertThat(statuses(null, 2)).as("the tutorial's 1 per second per route").containsExactly(200, 429);
        assertThat(statuses("made-up-key", 1)).as("a key not issued: the address's client, whose slot is used")
                .containsExactly(429);
    }

    private int[] statuses(String key, int requests) throws Exception {
        int[] statuses = new int[requests];
        for (int i = 0; i < requests; i++) {
            statuses[i] = get("/test", key).statusCode();
        }
        return statuses;
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            request.header(ApiKeyPlans.HEADER, key);
        }
        return SampleInstances.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
