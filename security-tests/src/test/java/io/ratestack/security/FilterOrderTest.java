package io.ratestack.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * Where the rate limit filter sits relative to Spring Security's chain, over real HTTP: by default before it, so that
 * guessing passwords is limited too; with {@code ratelimit.filter.order} after Security's (-100), so that a
 * {@code ClientKeyResolver} can key by the authenticated user. Per route: 2 per second.
 */
class FilterOrderTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static int get(int port, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/me"));
        if (user != null) {
            String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            request.header("Authorization", "Basic " + basic);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @TestConfiguration
    static class FakeTime {
        @Bean
        FakeClock clock() {
            return new FakeClock();
        }
    }

    /** Default order: limited before authentication, keyed by address. */
    @Nested
    @SpringBootTest(classes = {SecuredApp.class, FakeTime.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"server.address=127.0.0.1", "ratelimit.per-route.limit=2", "ratelimit.per-route.per=1s",
                    "ratelimit.global.limit=100", "ratelimit.global.per=1s"})
    class BeforeAuthentication {

        @LocalServerPort
        int port;

        @Autowired
        FakeClock clock;

        @BeforeEach
        void freshWindows() {
            clock.advance(Duration.ofHours(1));
        }

        /** Wrong passwords are refused by the rate limit once the route's budget is spent: no brute force. */
        @Test
        void passwordGuessesAreRateLimited() throws Exception {
            assertThat(get(port, "alice", "guess-1")).isEqualTo(401);
            assertThat(get(port, "alice", "guess-2")).isEqualTo(401);

            assertThat(get(port, "alice", "guess-3")).isEqualTo(429);
            assertThat(get(port, "alice", "alice-secret")).as("even the right password waits").isEqualTo(429);
        }

        /** Keyed before authentication, two users behind one address share its budget. */
        @Test
        void usersBehindOneAddressShareIt() throws Exception {
            assertThat(get(port, "alice", "alice-secret")).isEqualTo(200);
            assertThat(get(port, "bob", "bob-secret")).isEqualTo(200);

            assertThat(get(port, "bob", "bob-secret")).isEqualTo(429);
        }
    }

    /** Moved after Spring Security: the principal is known, and each user has a budget of their own. */
    @Nested
    @SpringBootTest(classes = {SecuredApp.class, FakeTime.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"server.address=127.0.0.1", "ratelimit.per-route.limit=2", "ratelimit.per-route.per=1s",
                    "ratelimit.global.limit=100", "ratelimit.global.per=1s", "ratelimit.filter.order=0"})
    class AfterAuthentication {

        @LocalServerPort
        int port;

        @Autowired
        FakeClock clock;

        @BeforeEach
        void freshWindows() {
            clock.advance(Duration.ofHours(1));
        }

        @Test
        void eachUserHasABudgetOfTheirOwn() throws Exception {
            assertThat(get(port, "alice", "alice-secret")).isEqualTo(200);
            assertThat(get(port, "alice", "alice-secret")).isEqualTo(200);
            assertThat(get(port, "alice", "alice-secret")).isEqualTo(429);

            assertThat(get(port, "bob", "bob-secret")).as("bob, from the same address").isEqualTo(200);
        }

        /** Unauthenticated requests never reach the rate limit filter: Security answers them first. */
        @Test
        void unauthenticatedRequestsAreAnsweredBySecurity() throws Exception {
            for (int i = 0; i < 5; i++) {
                assertThat(get(port, null, null)).isEqualTo(401);
            }
        }
    }
}
