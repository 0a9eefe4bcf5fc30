package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Limit;
import io.ratestack.ReadmeSnippets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The README's client examples, run against a local server; the README must show them as written here. */
class ReadmeExamplesTest {

    private final TestServer server = new TestServer();
    private final URI baseUrl = server.uri("");

    ReadmeExamplesTest() throws IOException {
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
    void readmeShowsEveryExampleAsWrittenHere() throws IOException {
        ReadmeSnippets.assertReadmeShows("src/test/java/io/ratestack/client/ReadmeExamplesTest.java", 1);
    }
}
