package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
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

    @LocalServerPort
    private int port;

    @Test
    void aCostlyRouteTakesItsCostOfTheGlobalAndItsOwnLimit() throws Exception {
        HttpResponse<String> first = Loopback.get(port, "/example");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"global\";r=6, \"route\";r=6");
        assertThat(Loopback.get(port, "/example").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = Loopback.get(port, "/example");
        assertThat(refused.statusCode()).as("2 left of each, 4 asked").isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"global\";r=2;t=10, \"route\";r=2;t=10");
        assertThat(Loopback.get(port, "/test").statusCode()).as("a request of cost 1 still fits").isEqualTo(200);
    }
}
