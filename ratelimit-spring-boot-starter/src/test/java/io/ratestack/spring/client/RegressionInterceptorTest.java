package io.ratestack.spring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.client.RequestKey;
import io.ratestack.client.RequestPacer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestTemplate;

/** Review: an I/O error raised by response.getStatusCode() leaks the permit. */
class RegressionInterceptorTest {

    @Test
    void readTimeoutOnAPostWithTheDefaultRestTemplateFactoryIsRefunded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            try {
                release.await(5, TimeUnit.SECONDS); // answers too late for the client's read timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            RequestPacer pacer = RequestPacer.builder().global(Limit.of(10, Duration.ofSeconds(10)))
                    .perKey(Limit.of(1, Duration.ofSeconds(1))).clock(new FakeClock()).build();
            PacedTargets targets = PacedTargets.of(new PacedTarget("t", base, pacer, RequestKey.PATH, Duration.ZERO));
            SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
            factory.setReadTimeout(Duration.ofMillis(300));
            RestTemplate template = new RestTemplate(factory); // RestTemplate's default factory
            template.getInterceptors().add(new RateLimitingInterceptor(targets));

            assertThatThrownBy(() -> template.postForEntity(base.resolve("/slow"), "body", String.class))
                    .isInstanceOf(ResourceAccessException.class);
            release.countDown();

            // An I/O error is refunded (docs/client-pacing.md, spec): the path's slot and the global slot must be free again.
            assertThat(pacer.limiterFor("/slow").remaining()).as("per-path + global slots after an I/O error")
                    .isEqualTo(1);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
