package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.Refusal;
import io.ratestack.RemoteLimit;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The filter over a store whose state lives elsewhere (Redis): the headers come from what the store's call saw of
 * each limit, say only what is known when the store was not reached, and a refusal because the store cannot be
 * reached answers 503 (or 429, as configured).
 */
class SharedStoreResponsesTest {

    private final List<Limit> global = List.of(new Limit(10, Duration.ofSeconds(10), Duration.ZERO, "global"));
    private final RoutePolicy perRoute = new RoutePolicy("test",
            List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route")));
    private final List<String> observed = new ArrayList<>();
    private final RateLimitObserver observer = new RateLimitObserver() {
        @Override
        public void refused(Route route, String scope) {
            observed.add("refused " + scope);
        }

        @Override
        public void refunded(Route route) {
            observed.add("refunded");
        }
    };
    private AcquireResult next;
    private boolean unavailable;
    private List<RemoteLimit.State> readings = List.of();

    private final RateLimitStore store = new RateLimitStore() {
        @Override
        public Attempt tryAcquire(String client, Route route, int cost) {
            List<LimitReading> limits = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                LimitSpec spec = i == 0 ? global.get(0) : perRoute.limits().get(0);
                limits.add(readings.isEmpty() ? LimitReading.unknown(spec, i == 0)
                        : LimitReading.of(spec, i == 0, readings.get(i).remaining(), readings.get(i).resetInNanos()));
            }
            return new Attempt(next, limits, unavailable);
        }

        @Override
        public Attempt tryAcquireGlobal(String client, int cost) {
            throw new UnsupportedOperationException("no limit here is in shadow mode");
        }

        @Override
        public List<LimitSpec> globalSpecs() {
            return List.copyOf(global);
        }
    };

    private MockHttpServletResponse call(int unavailableStatus, int status) throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder(request -> new Route("/test", perRoute), store, perRoute)
                .clientKeys(request -> null).observer(observer).unavailableStatus(unavailableStatus).build();
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/test");
        request.setRemoteAddr("192.0.2.1");
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> ((HttpServletResponse) res).setStatus(status));
        return response;
    }

    @Test
    void theStoresReadingsMakeTheRateLimitHeaderAndTheViolatedPolicies() throws Exception {
        next = new Refusal(Duration.ofMillis(600).toNanos(), 0);
        readings = List.of(new RemoteLimit.State(7, Duration.ofMillis(9400).toNanos()),
                new RemoteLimit.State(0, Duration.ofMillis(600).toNanos()));

        MockHttpServletResponse refused = call(503, 200);

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("RateLimit")).isEqualTo("\"global\";r=7;t=10, \"route\";r=0;t=1");
        assertThat(refused.getContentAsString()).endsWith(",\"violated-policies\":[\"route\"]}");
        assertThat(observed).containsExactly("refused route");
    }

    @Test
    void aRefusalWithoutReadingsCarriesThePoliciesAndRetryAfterButNoRemainingItDoesNotKnow() throws Exception {
        next = new Refusal(Duration.ofMillis(2500).toNanos(), 0);

        MockHttpServletResponse refused = call(503, 200);

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("3");
        assertThat(refused.getHeader("RateLimit-Policy")).isEqualTo("\"global\";q=10;w=10, \"route\";q=1;w=1");
        assertThat(refused.getHeader("RateLimit")).isNull();
        assertThat(refused.getContentAsString()).isEqualTo("{"
                + "\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\","
                + "\"status\":429,\"detail\":\"rate limited\",\"instance\":\"/test\"}");
        assertThat(observed).containsExactly("refused unknown");
    }

    @Test
    void anAdmittedRequestIsRefundedOnA500AsWithTheMemoryStore() throws Exception {
        List<String> ended = new ArrayList<>();
        next = new Permit() {
            @Override
            public void close() {
                ended.add("closed");
            }

            @Override
            public void close(int actualCost) {
                ended.add("closed " + actualCost);
            }

            @Override
            public void cancel() {
                ended.add("cancelled");
            }
        };

        MockHttpServletResponse failed = call(503, 500);

        assertThat(failed.getStatus()).isEqualTo(500);
        assertThat(failed.getHeader("RateLimit-Policy")).isNotNull();
        assertThat(failed.getHeader("RateLimit")).isNull();
        assertThat(ended).containsExactly("cancelled");
        assertThat(observed).containsExactly("refunded");
    }

    @Test
    void aFailClosedRefusalIsA503SayingTheLimiterIsUnavailable() throws Exception {
        next = new Refusal(Duration.ofSeconds(1).toNanos(), 0);
        unavailable = true;

        MockHttpServletResponse refused = call(503, 200);

        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        assertThat(refused.getContentType()).isEqualTo("application/problem+json");
        assertThat(refused.getContentAsString()).isEqualTo("{\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"detail\":\"rate limiter unavailable\",\"instance\":\"/test\"}");
        assertThat(observed).containsExactly("refused store");
    }

    @Test
    void aFailClosedRefusalIsA429WhenConfigured() throws Exception {
        next = new Refusal(Duration.ofSeconds(1).toNanos(), 0);
        unavailable = true;

        MockHttpServletResponse refused = call(429, 200);

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        assertThat(observed).containsExactly("refused store");
    }
}
