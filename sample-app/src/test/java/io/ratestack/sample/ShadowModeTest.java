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
 * {@code ratelimit.mode=shadow} over real HTTP: the sample app's limits count and observe, and refuse nothing; the
 * clock is the tests' fake one and does not move.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "ratelimit.mode=shadow")
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class ShadowModeTest {

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    private int port;

    @Test
    void nothingIsRefusedAndWhatWouldBeCarriesNoHeaders() throws Exception {
        HttpResponse<String> first = get("/test");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"global\";r=9, \"route\";r=0");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> over = get("/test"); // 1 per 1s: each of these would be refused
            assertThat(over.statusCode()).isEqualTo(200);
            assertThat(over.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
