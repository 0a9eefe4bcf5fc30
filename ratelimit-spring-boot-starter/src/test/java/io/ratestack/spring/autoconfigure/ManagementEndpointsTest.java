package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.HttpTestApp;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The actuator's endpoints over real HTTP: not limited by default, whatever their base path, on the additional
 * health paths too, and limited like any route with {@code ratelimit.limit-management-endpoints=true}. The limits:
 * 1 per second per route, on a fake clock that never moves, so a second request to any limited route is a 429.
 * (Spring Data Redis is on the test classpath for the Redis store's tests: its health indicator, which would report
 * the Redis these applications do not have, is off.)
 */
class ManagementEndpointsTest {

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
            "management.health.redis.enabled=false", "management.endpoints.web.exposure.include=health,ratelimits",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.probes.add-additional-paths=true"})
    class ByDefault {

        @LocalServerPort
        int port;

        @Test
        void healthProbesAndTheEndpointsAreNotLimited() throws Exception {
            assertThat(HttpTestApp.statuses(port, "/actuator/health", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/actuator/health/liveness", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/livez", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/actuator/ratelimits", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/actuator", 5)).containsOnly(200);
        }

        @Test
        void theApplicationsRoutesAndUnknownManagementPathsStillAre() throws Exception {
            assertThat(HttpTestApp.statuses(port, "/hello", 2)).containsExactly(200, 429);
            assertThat(HttpTestApp.statuses(port, "/actuator/no-such-endpoint", 2)).endsWith(429);
        }
    }

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
            "management.endpoints.web.base-path=/", "management.health.redis.enabled=false", "management.endpoints.web.exposure.include=health,ratelimits"})
    class AtTheRoot {

        @LocalServerPort
        int port;

        @Test
        void endpointsMappedAtTheRootAreNotLimitedButTheApplicationIs() throws Exception {
            assertThat(HttpTestApp.statuses(port, "/health", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/ratelimits", 5)).containsOnly(200);
            assertThat(HttpTestApp.statuses(port, "/hello", 2)).containsExactly(200, 429);
        }
    }

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.limit-management-endpoints=true",
            "management.health.redis.enabled=false", "management.endpoints.web.exposure.include=health"})
    class LimitedOnRequest {

        @LocalServerPort
        int port;

        @Test
        void endpointsAreLimitedLikeAnyRoute() throws Exception {
            assertThat(HttpTestApp.statuses(port, "/actuator/health", 2)).containsExactly(200, 429);
        }
    }

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.limit-management-endpoints=true",
            "management.server.port=0", "management.health.redis.enabled=false", "management.endpoints.web.exposure.include=health"})
    class OnASeparatePort {

        @LocalManagementPort
        int managementPort;

        @Test
        void endpointsOnTheManagementPortAreNeverLimited() throws Exception {
            assertThat(HttpTestApp.statuses(managementPort, "/actuator/health", 5)).containsOnly(200);
        }
    }
}
