package io.ratestack.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged sample app, AOT-processed at build time ({@code process-aot}), started with
 * {@code -Dspring.aot.enabled=true}: it starts, and it limits. Runs after packaging (failsafe), on loopback.
 */
class AotProcessedAppIT {

    @Test
    void theAotProcessedAppStartsAndLimits() throws Exception {
        Path jar = Path.of("target/sample-app-0.1.0-SNAPSHOT.jar");
        assertThat(jar).exists();
        Path log = Files.createTempFile("aot-app", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process app = new ProcessBuilder(List.of(java, "-Dspring.aot.enabled=true", "-jar", jar.toString(),
                "--server.port=0", "--server.address=127.0.0.1"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // The app picks its own port (no race for a free one) and says which.
            Pattern started = Pattern.compile("Tomcat started on port (\\d+)");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Matcher port = started.matcher("");
            while (!port.find()) {
                assertThat(app.isAlive()).as("the app runs; its log: %s", log).isTrue();
                assertThat(System.nanoTime() - deadline).as("the app starts within a minute").isNegative();
                app.waitFor(200, TimeUnit.MILLISECONDS);
                port = started.matcher(Files.readString(log));
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            URI test = URI.create("http://127.0.0.1:" + port.group(1) + "/test");
            assertThat(Files.readString(log)).contains("Starting AOT-processed SampleApplication");

            int a = http.send(HttpRequest.newBuilder(test).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            int b = http.send(HttpRequest.newBuilder(test).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();

            assertThat(a).isEqualTo(200);
            assertThat(b).isEqualTo(429);
        } finally {
            app.destroy();
            if (!app.waitFor(20, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
            new File(log.toString()).delete();
        }
    }
}
