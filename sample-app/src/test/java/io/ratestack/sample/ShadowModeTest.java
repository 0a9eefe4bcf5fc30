package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
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

    @LocalServerPort
    private int port;

    @Test
    void nothingIsRefusedAndWhatWouldBeCarriesNoHeaders() throws Exception {
        HttpResponse<String> first = Loopback.get(port, "/test");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"global\";r=9, \"route\";r=0");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> over = Loopback.get(port, "/test"); // 1 per 1s: each of these would be refused
            assertThat(over.statusCode()).isEqualTo(200);
            assertThat(over.headers().firstValue("RateLimit")).isEmpty();
        }
    }
}
