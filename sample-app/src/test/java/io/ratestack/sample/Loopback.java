package io.ratestack.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Requests from this JVM to a sample app on the IPv4 loopback address, the client {@code 127.0.0.1}. */
final class Loopback {

    private Loopback() {
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return SampleInstances.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
