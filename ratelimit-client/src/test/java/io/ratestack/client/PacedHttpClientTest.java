package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK client, paced, against a real local server. The pacer runs on a fake clock: a request that must wait
 * waits until the test moves the clock; HTTP itself is real, so responses are awaited with generous bounds.
 */
class PacedHttpClientTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    private final FakeClock clock = new FakeClock();
    private final TestServer server = new TestServer();
    private final RequestPacer pacer = RequestPacer.builder()
            .global(Limit.of(10, Duration.ofSeconds(10)))
            .perKey(Limit.of(1, Duration.ofSeconds(1)))
            .clock(clock)
            .build();
    private final PacedHttpClient client = PacedHttpClient.of(HttpClient.newHttpClient(), pacer);

    PacedHttpClientTest() throws IOException {
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(server.uri(path)).timeout(BOUND).build();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void requestsToOnePathAreSpacedByItsLimit() throws Exception {
        CompletableFuture<HttpResponse<String>> first = client.sendAsync(get("/a"), HttpResponse.BodyHandlers.ofString());
        assertThat(await(first).statusCode()).isEqualTo(200);

        CompletableFuture<HttpResponse<String>> second =
                client.sendAsync(get("/a"), HttpResponse.BodyHandlers.ofString());
        assertThat(pacer.limiterFor("/a").waiting()).as("waits for /a's window").isEqualTo(1);
        assertThat(server.hits("/a")).isEqualTo(1);
        clock.advance(Duration.ofMillis(999));
        assertThat(second).isNotDone();

        clock.advance(Duration.ofMillis(1));
        assertThat(await(second).statusCode()).isEqualTo(200);
        assertThat(server.hits("/a")).isEqualTo(2);
    }

    @Test
    void otherPathsGoAtOnceUntilTheGlobalLimitBinds() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(client.send(get("/p" + i), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        CompletableFuture<HttpResponse<String>> eleventh =
                client.sendAsync(get("/p10"), HttpResponse.BodyHandlers.ofString());
        clock.advance(Duration.ofMillis(9999));
        assertThat(eleventh).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(await(eleventh).statusCode()).isEqualTo(200);
    }

    @Test
    void aServerErrorIsRefundedSoTheNextRequestGoesAtOnce() throws Exception {
        assertThat(client.send(get("/fail"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(500);

        assertThat(client.send(get("/fail"), HttpResponse.BodyHandlers.ofString(), 0, Duration.ZERO).statusCode())
                .isEqualTo(500);
        assertThat(pacer.limiterFor("/fail").remaining()).isEqualTo(1);
        assertThat(server.hits("/fail")).isEqualTo(2);
    }

    @Test
    void aWaitThatTimesOutFailsAndSendsNothing() throws Exception {
        client.send(get("/a"), HttpResponse.BodyHandlers.ofString());

        CompletableFuture<HttpResponse<String>> late =
                client.sendAsync(get("/a"), HttpResponse.BodyHandlers.ofString(), 0, Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(500));

        assertThat(late).isCompletedExceptionally();
        assertThatThrownBy(late::join).hasCauseInstanceOf(RateLimitedException.class);
        assertThat(server.hits("/a")).isEqualTo(1);
        assertThatThrownBy(() -> client.send(get("/a"), HttpResponse.BodyHandlers.ofString(), 0, Duration.ZERO))
                .isInstanceOf(RateLimitedException.class);
        assertThat(server.hits("/a")).isEqualTo(1);
    }

    @Test
    void aServer429WithRetryAfterHoldsEveryRequestBack() throws Exception {
        assertThat(client.send(get("/busy"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(429);

        CompletableFuture<HttpResponse<String>> other =
                client.sendAsync(get("/other"), HttpResponse.BodyHandlers.ofString());
        clock.advance(Duration.ofMillis(2999));
        assertThat(other).isNotDone();
        assertThat(server.hits("/other")).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(await(other).statusCode()).isEqualTo(200);
    }

    @Test
    void retryAfterCanBeIgnored() throws Exception {
        RequestPacer ignoring = RequestPacer.builder().global(Limit.of(10, Duration.ofSeconds(10)))
                .perKey(Limit.of(1, Duration.ofSeconds(1))).clock(clock).honourRetryAfter(false).build();
        PacedHttpClient plain = PacedHttpClient.of(HttpClient.newHttpClient(), ignoring);
        plain.send(get("/busy"), HttpResponse.BodyHandlers.ofString());

        assertThat(plain.send(get("/other"), HttpResponse.BodyHandlers.ofString(), 0, Duration.ZERO).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anIoErrorIsRefunded() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HttpRequest unreachable = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort + "/down"))
                .timeout(BOUND).build();

        assertThatThrownBy(() -> client.send(unreachable, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(ConnectException.class);
        assertThat(pacer.limiterFor("/down").remaining()).isEqualTo(1);
        CompletableFuture<HttpResponse<String>> async = client.sendAsync(unreachable,
                HttpResponse.BodyHandlers.ofString());
        assertThatThrownBy(() -> await(async)).hasRootCauseInstanceOf(IOException.class);
        assertThat(pacer.limiterFor("/down").remaining()).isEqualTo(1);
    }

    @Test
    void cancellingAnAsyncSendWhileItWaitsWithdrawsItsWaiterAndSendsNothing() throws Exception {
        client.send(get("/a"), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> waiting =
                client.sendAsync(get("/a"), HttpResponse.BodyHandlers.ofString());
        assertThat(pacer.limiterFor("/a").waiting()).isEqualTo(1);

        waiting.cancel(true);

        assertThat(pacer.limiterFor("/a").waiting()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(server.hits("/a")).isEqualTo(1);
        assertThat(pacer.limiterFor("/a").remaining()).isEqualTo(1);
    }

    @Test
    void keysCanIncludeTheHost() {
        assertThat(RequestKey.PATH.keyOf(URI.create("http://a.example:8080/x/y?q=1"))).isEqualTo("/x/y");
        assertThat(RequestKey.HOST_AND_PATH.keyOf(URI.create("http://a.example:8080/x/y?q=1")))
                .isEqualTo("a.example:8080/x/y");
        assertThat(RequestKey.HOST_AND_PATH.keyOf(URI.create("https://b.example"))).isEqualTo("b.example/");
    }

    @Test
    void cancellingAnAsyncSendAsItsSlotIsGrantedLeaksNoSlot() throws Exception {
        // The caller cancels the send while another thread's refund grants it the slot: the grant is given back.
        RequestPacer perPath = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .maximumKeys(100_000).clock(clock).build();
        int rounds = 3000;
        int leaked = 0;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            PacedHttpClient paced = PacedHttpClient.of(HttpClient.newHttpClient(), perPath);
            for (int i = 0; i < rounds; i++) {
                String path = "/k" + i;
                Permit holder = perPath.acquire(path, 0, Duration.ZERO);
                CompletableFuture<HttpResponse<Void>> sent = paced.sendAsync(
                        HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.discarding());
                CountDownLatch go = new CountDownLatch(1);
                Future<?> refund = pool.submit(() -> {
                    go.await();
                    holder.cancel();
                    return null;
                });
                go.countDown();
                sent.cancel(false);
                refund.get();
            }
            // Requests that did go out finish in their own time: poll, bounded, until every slot is back.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            do {
                clock.advance(Duration.ofSeconds(5)); // every window that a completed use started is over
                leaked = 0;
                for (int i = 0; i < rounds; i++) {
                    if (perPath.limiterFor("/k" + i).remaining() == 0) {
                        leaked++;
                    }
                }
                Thread.onSpinWait();
            } while (leaked > 0 && System.nanoTime() - deadline < 0);
        } finally {
            pool.shutdownNow();
        }
        assertThat(leaked).as("paths whose slot stays taken forever, of %d", rounds).isZero();
    }
}
