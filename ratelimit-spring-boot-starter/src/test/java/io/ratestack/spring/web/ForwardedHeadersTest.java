package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.HttpTestApp;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Requests behind a trusted proxy, over real HTTP on loopback (a trusted proxy for both of Boot's strategies): the
 * address a proxy forwards is the key, with its port left out and anything that is not an address shared, so that no
 * spelling of {@code X-Forwarded-For} mints a fresh client; a forwarded header that makes the request fail before
 * any handler runs is charged, not refunded. The limit: 2 per 10 s per route, on a fake clock that never moves.
 */
class ForwardedHeadersTest {

    static List<Integer> statuses(int port, IntFunction<String> forwardedFor, int times) throws Exception {
        return HttpTestApp.statuses(port, "/test", "X-Forwarded-For", forwardedFor, times);
    }

    abstract static class Behaviour {

        @LocalServerPort
        int port;

        @Test
        void aPortPerRequestIsStillOneClient() throws Exception {
            assertThat(statuses(port, i -> "198.51.100.7:" + (40000 + i), 12))
                    .containsExactly(200, 200, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429);
            assertThat(statuses(port, i -> "[2001:db8:7::1]:" + (40000 + i), 12)).filteredOn(s -> s == 200)
                    .hasSize(2);
        }

        @Test
        void valuesThatAreNotAddressesShareOneKey() throws Exception {
            assertThat(statuses(port, i -> "client-" + i, 12)).filteredOn(s -> s == 200).hasSize(2);
        }

        @Test
        void anotherAddressIsAnotherClient() throws Exception {
            assertThat(statuses(port, i -> "203.0.113.9", 3)).containsExactly(200, 200, 429);
            assertThat(statuses(port, i -> "203.0.113.10", 1)).containsExactly(200);
        }
    }

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "server.forward-headers-strategy=framework", "ratelimit.per-route.limit=2", "ratelimit.per-route.per=10s"})
    class FrameworkStrategy extends Behaviour {

        @Test
        void aBadForwardedPrefixFailsBeforeAnyHandlerAndIsCharged() throws Exception {
            // Spring's ForwardedHeaderFilter rejects the prefix; these 500s were refunded, so never limited.
            List<Integer> statuses = HttpTestApp.statuses(port, "/test", "X-Forwarded-Prefix", i -> "garbage", 30);

            assertThat(statuses).doesNotContain(200);
            assertThat(statuses).filteredOn(status -> status != 429).hasSize(2);
        }
    }

    @Nested
    @SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "server.forward-headers-strategy=native", "ratelimit.per-route.limit=2", "ratelimit.per-route.per=10s"})
    class NativeStrategy extends Behaviour {
    }
}
