package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Instances of the sample app, in this JVM, each on a free port, sharing their limits through one Redis. Requests
 * name their client in {@code X-Forwarded-For} (the instances trust it, as behind a proxy), so each test phase has a
 * client of its own.
 *
 * <p>The per-route limit is raised from the tutorial's 1 per 1s to 1000 per 1s: these tests send a client's requests
 * as fast as they can, and look at the global limit (the tutorial's 10 per 10s), which a per-route refusal would hide.
 */
final class SampleInstances {

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private SampleInstances() {
    }

    /** Starts an instance with the Redis store on the Redis at {@code redisPort}, plus {@code properties}. */
    static ConfigurableApplicationContext start(int redisPort, String... properties) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off",
                "--server.forward-headers-strategy=framework", "--ratelimit.per-route.limit=1000",
                "--ratelimit.store=redis", "--ratelimit.redis.url=redis://127.0.0.1:" + redisPort));
        args.addAll(List.of(properties));
        return new SpringApplicationBuilder(SampleApplication.class).run(args.toArray(String[]::new));
    }

    static URI base(ConfigurableApplicationContext instance) {
        return URI.create("http://127.0.0.1:" + instance.getEnvironment().getProperty("local.server.port"));
    }

    static HttpResponse<String> get(ConfigurableApplicationContext instance, String path, String client)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base(instance).resolve(path))
                .header("X-Forwarded-For", client)
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static Optional<String> header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name);
    }

    /** {@code count} successful requests of a client, alternating instances and the routes /test and /example. */
    static void admitted(int count, String client, ConfigurableApplicationContext a, ConfigurableApplicationContext b)
            throws IOException, InterruptedException {
        for (int i = 0; i < count; i++) {
            ConfigurableApplicationContext instance = i % 2 == 0 ? a : b;
            String path = (i / 2) % 2 == 0 ? "/test" : "/example";
            assertThat(get(instance, path, client).statusCode())
                    .as("request #%d of %s, to %s on instance %s", i + 1, client, path, i % 2 == 0 ? "a" : "b")
                    .isEqualTo(200);
        }
    }
}
