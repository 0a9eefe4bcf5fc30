package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Limit;
import io.ratestack.DocSnippets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The examples of {@code docs/client-pacing.md}, run against a local server; it must show them as written here. */
class DocExamplesTest {

    private final TestServer server = new TestServer();
    private final URI baseUrl = server.uri("");

    DocExamplesTest() throws IOException {
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void pacedJdkClient() throws Exception {
        // tag::jdk-client[]
        RequestPacer pacer = RequestPacer.builder()
                .global(Limit.of(10, Duration.ofSeconds(10)))   // every request to the server
                .perKey(Limit.of(1, Duration.ofSeconds(1)))     // each path on its own
                .build();                                       // refunds 500s, honours Retry-After
        PacedHttpClient client = PacedHttpClient.of(HttpClient.newHttpClient(), pacer);

        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(baseUrl.resolve("/test")).build(),
                HttpResponse.BodyHandlers.ofString());           // waits for a slot first
        // end::jdk-client[]
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShows("docs/client-pacing.md", "src/test/java/io/ratestack/client/DocExamplesTest.java", 1);
    }
}
