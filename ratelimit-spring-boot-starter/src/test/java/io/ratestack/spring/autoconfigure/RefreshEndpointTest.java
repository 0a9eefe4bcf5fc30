package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.HttpTestApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Limits changed in a configuration file and applied by Spring Cloud's {@code POST /actuator/refresh}, over real
 * HTTP, without a restart; an invalid file changes nothing. The clock is a fake one that never moves.
 */
@SpringBootTest(classes = HttpTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.health.redis.enabled=false", "management.endpoints.web.exposure.include=refresh"},
        args = "--spring.config.import=optional:file:target/refresh-endpoint-test/ratelimit.properties")
class RefreshEndpointTest {

    /** The application's configuration file, written before the application starts (the class loads first). */
    private static final Path CONFIG = config();

    private static Path config() {
        try {
            Path file = Path.of("target/refresh-endpoint-test/ratelimit.properties");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "ratelimit.per-route.limit=1\nratelimit.per-route.per=1m\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @LocalServerPort
    int port;

    @Test
    void aRefreshAppliesTheChangedFileAndAnInvalidOneChangesNothing() throws Exception {
        assertThat(HttpTestApp.statuses(port, "/test", 2)).containsExactly(200, 429);

        Files.writeString(CONFIG, "ratelimit.per-route.limit=3\nratelimit.per-route.per=1m\n");
        assertThat(refresh()).contains("ratelimit.per-route.limit");
        assertThat(HttpTestApp.statuses(port, "/test", 4)).as("the new limit, afresh").containsExactly(200, 200, 200,
                429);
        assertThat(HttpTestApp.statuses(port, "/other", 1)).containsExactly(200);

        Files.writeString(CONFIG, "ratelimit.per-route.limit=3\nratelimit.per-route.per=10\n");
        refresh();
        assertThat(HttpTestApp.statuses(port, "/other", 3)).as("rejected: the limits in force, their state kept")
                .containsExactly(200, 200, 429);
    }

    private String refresh() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
