package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * A route's cost over real HTTP: the sample app with {@code /example} costing 4 of the tutorial's global 10 per 10s
 * and of its own 10 per 10s; the clock is the tests' fake one and does not move.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "ratelimit.routes[0].pattern=/example", "ratelimit.routes[0].limit=10", "ratelimit.routes[0].per=10s",
        "ratelimit.routes[0].cost=4"})
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class RequestCostTest {

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    private int port;

    @Test
    void aCostlyRouteTakesItsCostOfTheGlobalAndItsOwnLimit() throws Exception {
        HttpResponse<String> first = get("/example");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"global\";r=6, \"route\";r=6");
        assertThat(get("/example").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = get("/example");
        assertThat(refused.statusCode()).as("2 left of each, 4 asked").isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"global\";r=2;t=10, \"route\";r=2;t=10");
        assertThat(get("/test").statusCode()).as("a request of cost 1 still fits").isEqualTo(200);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
