package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Regression: custom client keys share one namespace with address keys (the README's X-Api-Key resolver). */
class ClientKeyCollidesWithAddressRegressionTest {

    private final FakeClock clock = new FakeClock();
    private final RoutePolicy onePerSecond = new RoutePolicy("test",
            List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route")));
    private final MemoryRateLimitStore store = new MemoryRateLimitStore(clock,
            List.of(new Limit(3, Duration.ofSeconds(10), Duration.ZERO, "global")),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
    private final ClientKeyResolver readmeApiKeys = request -> request.getHeader("X-Api-Key");

    private int call(String address, String apiKey) throws Exception {
        RateLimitFilter filter = new RateLimitFilter(request -> new Route("/test", onePerSecond), readmeApiKeys,
                new RemoteAddressClientKeyResolver(), store, RefundStatuses.parse(List.of("500")),
                ProblemDetails.DEFAULT, true, onePerSecond, RateLimitObserver.NONE);
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/test");
        request.setRemoteAddr(address);
        if (apiKey != null) {
            request.addHeader("X-Api-Key", apiKey);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> ((HttpServletResponse) res).setStatus(200));
        return response.getStatus();
    }

    @Test
    void aClientCannotSpendAnotherClientsAddressLimitBySendingItAsAnApiKey() throws Exception {
        // The attacker (198.51.100.9) names the victim's address as its "API key".
        assertThat(call("198.51.100.9", "192.0.2.1")).isEqualTo(200);

        assertThat(call("192.0.2.1", null)).as("the victim, without an API key, keyed by its address")
                .isEqualTo(200);
    }
}
