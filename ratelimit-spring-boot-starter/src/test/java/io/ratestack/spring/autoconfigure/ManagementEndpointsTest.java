package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The actuator's endpoints over real HTTP: not limited by default, whatever their base path, on the additional
 * health paths too, and limited like any route with {@code ratelimit.limit-management-endpoints=true}. The limits:
 * 1 per second per route, on a fake clock that never moves, so a second request to any limited route is a 429.
 */
class ManagementEndpointsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static List<Integer> statuses(int port, String path, int times) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build();
            statuses.add(HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }

    @Nested
    @SpringBootTest(classes = App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
            "management.endpoints.web.exposure.include=health,ratelimits",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.probes.add-additional-paths=true"})
    class ByDefault {

        @LocalServerPort
        int port;

        @Test
        void healthProbesAndTheEndpointsAreNotLimited() throws Exception {
            assertThat(statuses(port, "/actuator/health", 5)).containsOnly(200);
            assertThat(statuses(port, "/actuator/health/liveness", 5)).containsOnly(200);
            assertThat(statuses(port, "/livez", 5)).containsOnly(200);
            assertThat(statuses(port, "/actuator/ratelimits", 5)).containsOnly(200);
            assertThat(statuses(port, "/actuator", 5)).containsOnly(200);
        }

        @Test
        void theApplicationsRoutesAndUnknownManagementPathsStillAre() throws Exception {
            assertThat(statuses(port, "/hello", 2)).containsExactly(200, 429);
            assertThat(statuses(port, "/actuator/no-such-endpoint", 2)).endsWith(429);
        }
    }

    @Nested
    @SpringBootTest(classes = App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
            "management.endpoints.web.base-path=/", "management.endpoints.web.exposure.include=health,ratelimits"})
    class AtTheRoot {

        @LocalServerPort
        int port;

        @Test
        void endpointsMappedAtTheRootAreNotLimitedButTheApplicationIs() throws Exception {
            assertThat(statuses(port, "/health", 5)).containsOnly(200);
            assertThat(statuses(port, "/ratelimits", 5)).containsOnly(200);
            assertThat(statuses(port, "/hello", 2)).containsExactly(200, 429);
        }
    }

    @Nested
    @SpringBootTest(classes = App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.limit-management-endpoints=true",
            "management.endpoints.web.exposure.include=health"})
    class LimitedOnRequest {

        @LocalServerPort
        int port;

        @Test
        void endpointsAreLimitedLikeAnyRoute() throws Exception {
            assertThat(statuses(port, "/actuator/health", 2)).containsExactly(200, 429);
        }
    }

    @Nested
    @SpringBootTest(classes = App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.limit-management-endpoints=true",
            "management.server.port=0", "management.endpoints.web.exposure.include=health"})
    class OnASeparatePort {

        @LocalManagementPort
        int managementPort;

        @Test
        void endpointsOnTheManagementPortAreNeverLimited() throws Exception {
            assertThat(statuses(managementPort, "/actuator/health", 5)).containsOnly(200);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        FakeClock clock() {
            return new FakeClock();
        }

        @Bean
        Hello hello() {
            return new Hello();
        }
    }

    @RestController
    static class Hello {

        @GetMapping("/hello")
        String hello() {
            return "hello";
        }
    }
}
