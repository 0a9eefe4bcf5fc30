package io.ratestack.spring;

import io.ratestack.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the starter's tests over real HTTP: auto-configured as a user's would be, with a
 * {@link FakeClock} that the limiters read (it moves only when a test moves it), and routes {@code /test},
 * {@code /other}, {@code /kept} and {@code /hello} that answer 200 {@code ok}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class HttpTestApp {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Bean
    FakeClock clock() {
        return new FakeClock();
    }

    /** The routes, registered as a member of this configuration. */
    @RestController
    static class Routes {

        @GetMapping({"/test", "/other", "/kept", "/hello"})
        String ok() {
            return "ok";
        }
    }

    /**
     * The statuses of {@code times} GETs, one after the other, over loopback.
     *
     * @param port the server's port
     * @param path the path
     * @param header a header to send, or {@code null}
     * @param value the header's value for the i-th request
     * @param times how many requests
     * @return their statuses in order
     * @throws Exception if a request fails
     */
    public static List<Integer> statuses(int port, String path, @Nullable String header, IntFunction<String> value,
            int times) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10));
            if (header != null) {
                request.header(header, value.apply(i));
            }
            statuses.add(HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }

    /**
     * The statuses of {@code times} plain GETs of {@code path}.
     *
     * @param port the server's port
     * @param path the path
     * @param times how many requests
     * @return their statuses in order
     * @throws Exception if a request fails
     */
    public static List<Integer> statuses(int port, String path, int times) throws Exception {
        return statuses(port, path, null, i -> "", times);
    }
}
