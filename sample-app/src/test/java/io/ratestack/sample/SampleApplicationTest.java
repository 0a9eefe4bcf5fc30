package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * End-to-end tests of the sample app over real HTTP, with the limits of {@code application.yml}: per client, 10 per
 * 10s across every route ({@code global}), 1 per 1s on each route ({@code route}), 500s refunded.
 *
 * <p>Time is a {@link FakeClock} that the limiters read: the tests move it instead of sleeping. Every request comes
 * from the same address, so each test starts an hour later than the last, when every window has ended. Each request
 * returns only once the server has finished it ({@link RequestsInFlight}), so that its use is completed or refunded
 * at the time the test expects.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTest {

    private static final String PROBLEM_TYPE = "https://iana.org/assignments/http-problem-types#quota-exceeded";
    private static final String PROBLEM_TITLE = "Request cannot be satisfied as assigned quota has been exceeded";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    private int port;

    @Autowired
    private FakeClock clock;

    @Autowired
    private FilterRegistrationBean<RequestsInFlight> requestsInFlight;

    @BeforeEach
    void startAfterEveryWindowHasEnded() {
        clock.advance(Duration.ofHours(1));
    }

    /** The per-route limit (1 per 1s) refuses a second request at once and admits again once its window ends. */
    @Test
    void perRouteLimitRefusesUntilItsWindowEnds() throws Exception {
        assertThat(get("/test").statusCode()).isEqualTo(200);
        assertThat(get("/test").statusCode()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(1));

        HttpResponse<String> again = get("/test");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("test ok");
    }

    /** A refusal is a 429 with Retry-After, the IETF RateLimit headers and an RFC 9457 problem body. */
    @Test
    void refusalHasRetryAfterRateLimitHeadersAndProblemBody() throws Exception {
        get("/test");
        HttpResponse<String> refused = get("/test");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "Content-Type")).isEqualTo("application/problem+json");
        assertThat(header(refused, "Retry-After")).isEqualTo("1");
        assertThat(header(refused, "Cache-Control")).isEqualTo("no-store");
        assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"global\";q=10;w=10, \"route\";q=1;w=1");
        assertThat(header(refused, "RateLimit")).isEqualTo("\"global\";r=9;t=10, \"route\";r=0;t=1");

        JsonNode problem = json(refused);
        assertThat(problem.get("type").asString()).isEqualTo(PROBLEM_TYPE);
        assertThat(problem.get("title").asString()).isEqualTo(PROBLEM_TITLE);
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("detail").asString()).isEqualTo("rate limited");
        assertThat(problem.get("instance").asString()).isEqualTo("/test");
        assertThat(violatedPolicies(problem)).containsExactly("route");
        assertThat(refused.body()).isEqualTo("{\"type\":\"" + PROBLEM_TYPE + "\",\"title\":\"" + PROBLEM_TITLE
                + "\",\"status\":429,\"detail\":\"rate limited\",\"instance\":\"/test\","
                + "\"violated-policies\":[\"route\"]}");
    }

    /** Failed requests (500) are refunded: more of them than the global limit never earn a 429, nor use a slot. */
    @Test
    void failedRequestsAreRefundedAndNeverRefused() throws Exception {
        for (int i = 1; i <= 15; i++) {
            assertThat(get("/error").statusCode()).as("/error request #%d", i).isEqualTo(500);
        }

        HttpResponse<String> afterwards = get("/test");
        assertThat(afterwards.statusCode()).isEqualTo(200);
        // Read while it runs: this request is the client's only use, and no completed use has started a window.
        assertThat(header(afterwards, "RateLimit")).isEqualTo("\"global\";r=9, \"route\";r=0");
    }

    /**
     * Ten successes across two routes, one of each per second, exhaust the global limit (10 per 10s) though no route
     * reaches its own: the global window starts at the first completion (t=0), so the 11th request at t=5 is refused
     * by "global" alone, and at t=10 the window ends.
     */
    @Test
    void globalLimitBindsAcrossRoutes() throws Exception {
        for (int second = 0; second < 5; second++) {
            assertThat(get("/test").statusCode()).as("/test at t=%ds", second).isEqualTo(200);
            assertThat(get("/example").statusCode()).as("/example at t=%ds", second).isEqualTo(200);
            clock.advance(Duration.ofSeconds(1));
        }

        // t=5: /test's own window (from t=4) has ended, the global one (from t=0) runs until t=10.
        HttpResponse<String> refused = get("/test");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(violatedPolicies(json(refused))).containsExactly("global");
        assertThat(header(refused, "Retry-After")).isEqualTo("5");
        assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"global\";q=10;w=10, \"route\";q=1;w=1");
        assertThat(header(refused, "RateLimit")).isEqualTo("\"global\";r=0;t=5, \"route\";r=1");

        clock.advance(Duration.ofSeconds(4)); // t=9: still inside the global window
        assertThat(get("/example").statusCode()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(1)); // t=10: the global window ends
        assertThat(get("/test").statusCode()).isEqualTo(200);
    }

    /**
     * {@code @RateLimit(limit = 2, per = "10s")} replaces the per-route default of 1 per 1s: two requests at once
     * pass, the third is refused by the route's own policy, for the rest of its 10s window.
     */
    @Test
    void rateLimitAnnotationReplacesThePerRouteDefault() throws Exception {
        assertThat(get("/limited").statusCode()).isEqualTo(200);
        assertThat(get("/limited").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = get("/limited");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"global\";q=10;w=10, \"route\";q=2;w=10");
        assertThat(header(refused, "Retry-After")).isEqualTo("10");
        assertThat(violatedPolicies(json(refused))).containsExactly("route");

        clock.advance(Duration.ofSeconds(9));
        assertThat(get("/limited").statusCode()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(1));
        assertThat(get("/limited").statusCode()).isEqualTo(200);
    }

    /** {@code /burst} is a token bucket in YAML: its capacity at once, then one token per period. */
    @Test
    void aTokenBucketRouteAdmitsABurstThenOnePerPeriod() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> admitted = get("/burst");
            assertThat(admitted.statusCode()).isEqualTo(200);
            assertThat(header(admitted, "RateLimit")).endsWith("\"route\";r=" + (2 - i) + ";t=" + (2 * (i + 1)));
        }
        HttpResponse<String> refused = get("/burst");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"global\";q=10;w=10, \"route\";q=3;w=6");
        assertThat(header(refused, "Retry-After")).isEqualTo("2");
        assertThat(violatedPolicies(json(refused))).containsExactly("route");

        clock.advance(Duration.ofSeconds(2));
        assertThat(get("/burst").statusCode()).as("one token back").isEqualTo(200);
        assertThat(get("/burst").statusCode()).isEqualTo(429);
    }

    /** Clients are keyed by their peer address: a spoofed X-Forwarded-For does not buy a fresh limiter. */
    @Test
    void spoofedForwardedForDoesNotEscapeTheLimit() throws Exception {
        assertThat(get("/test").statusCode()).isEqualTo(200);
        assertThat(get("/test").statusCode()).isEqualTo(429);

        HttpResponse<String> spoofed = send(request("/test").header("X-Forwarded-For", "203.0.113.9"));
        assertThat(spoofed.statusCode()).isEqualTo(429);
    }

    /**
     * Routes are keyed by the pattern Spring MVC matches, so variants of /test that reach its handler share its
     * limiter: none is let through while /test has used its request of the second, and a variant's use blocks /test.
     * {@code //test} reaches no handler at all (Spring MVC does not collapse the slashes): a 404, never a 200.
     */
    @Test
    void pathVariantsShareTheRoutesLimiter() throws Exception {
        assertThat(get("/test").statusCode()).isEqualTo(200);

        assertThat(get("/test;jsessionid=abc").statusCode()).isEqualTo(429);
        assertThat(get("/%74est").statusCode()).isEqualTo(429);
        assertThat(get("//test").statusCode()).isEqualTo(404);

        clock.advance(Duration.ofSeconds(1));

        HttpResponse<String> variant = get("/%74est");
        assertThat(variant.statusCode()).isEqualTo(200);
        assertThat(variant.body()).isEqualTo("test ok");
        assertThat(get("/test").statusCode()).isEqualTo(429);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .GET();
    }

    /** Sends a request and returns once the server is done with it, its use completed or refunded. */
    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        requestsInFlight.getFilter().awaitNone();
        return response;
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    private static List<String> violatedPolicies(JsonNode problem) {
        List<String> names = new ArrayList<>();
        problem.get("violated-policies").forEach(name -> names.add(name.asString()));
        return names;
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FakeTimeConfiguration {

        /** Replaces the starter's system clock: the auto-configuration backs off when a Clock bean exists. */
        @Bean
        FakeClock fakeClock() {
            return new FakeClock();
        }

        /** Outermost, so that it sees a request end only after the rate limit filter has closed its permit. */
        @Bean
        FilterRegistrationBean<RequestsInFlight> requestsInFlight() {
            var registration = new FilterRegistrationBean<>(new RequestsInFlight());
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            return registration;
        }
    }

    /**
     * Counts the requests the server is still processing. The client has a response as soon as the body is flushed,
     * which is before the rate limit filter completes (or refunds) the request's use: a test must wait for that
     * before it moves the clock, or the use would start its window at the later time.
     */
    static final class RequestsInFlight extends OncePerRequestFilter {

        private int count;

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            synchronized (this) {
                count++;
            }
            try {
                chain.doFilter(request, response);
            } finally {
                synchronized (this) {
                    count--;
                    notifyAll();
                }
            }
        }

        /** Waits until no request is being processed. */
        synchronized void awaitNone() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (count > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(count + " request(s) still in flight");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}
