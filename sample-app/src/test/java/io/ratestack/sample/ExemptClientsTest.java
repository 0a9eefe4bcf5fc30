package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * {@code ratelimit.exempt-clients} over real HTTP: the sample app with its loopback clients exempt, every request
 * from this test passes past the tutorial's limits, without rate-limit headers.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "ratelimit.exempt-clients.addresses=127.0.0.0/8,::1")
@Import(SampleApplicationTest.FakeTimeConfiguration.class)
class ExemptClientsTest {

    @LocalServerPort
    private int port;

    @Test
    void anExemptClientPassesEveryLimitWithoutHeaders() throws Exception {
        // Without the exemption, the second request to /test (1 per 1s) and the eleventh to any route (10 per 10s)
        // would be refused: the clock is the tests' fake one and does not move.
        for (int i = 0; i < 15; i++) {
            for (String path : new String[] {"/test", "/burst", "/limited"}) {
                HttpResponse<String> response = Loopback.get(port, path);
                assertThat(response.statusCode()).as("%s #%d", path, i).isEqualTo(200);
                assertThat(response.headers().map()).doesNotContainKeys("RateLimit", "RateLimit-Policy",
                        "ratelimit", "ratelimit-policy");
            }
        }
    }
}
