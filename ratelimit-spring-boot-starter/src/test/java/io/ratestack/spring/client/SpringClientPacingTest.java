package io.ratestack.spring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import io.ratestack.client.RequestKey;
import io.ratestack.client.RequestPacer;
import io.ratestack.client.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@link RateLimitingInterceptor} on a {@link RestClient} and {@link RateLimitingExchangeFilter} on a
 * {@link WebClient}, against a real local server ({@code /fail} answers 500, {@code /busy} 429 with
 * {@code Retry-After: 3}). The pacer runs on a fake clock; HTTP is real, so results are awaited with bounds.
 */
class SpringClientPacingTest {

    private static final long BOUND_SECONDS = 10;

    private final FakeClock clock = new FakeClock();
    private final TestServer server = new TestServer();
    private final RequestPacer pacer = RequestPacer.builder()
            .global(Limit.of(10, Duration.ofSeconds(10)))
            .perKey(Limit.of(1, Duration.ofSeconds(1)))
            .clock(clock)
            .build();
    private final PacedTargets targets = PacedTargets.of(new PacedTarget("test", server.uri("/"), pacer,
            RequestKey.PATH, Duration.ofMinutes(1)));
    private final RestClient rest = RestClient.builder().baseUrl(server.uri("").toString())
            .requestInterceptor(new RateLimitingInterceptor(targets)).build();
    // No pooled connections: each test's server is new, and a pooled keep-alive connection to an earlier test's
    // server (stopped, its port reused) could take a request that is never answered.
    private final WebClient web = WebClient.builder().baseUrl(server.uri("").toString())
            .clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())
                    .responseTimeout(Duration.ofSeconds(BOUND_SECONDS))))
            .filter(new RateLimitingExchangeFilter(targets)).build();

    SpringClientPacingTest() throws Exception {
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int restGet(String path) {
        return rest.get().uri(path).retrieve().onStatus(status -> true, (request, response) -> { })
                .toBodilessEntity().getStatusCode().value();
    }

    private CompletableFuture<Integer> restGetAsync(String path) {
        return CompletableFuture.supplyAsync(() -> restGet(path));
    }

    private CompletableFuture<Integer> webGet(String path) {
        return web.get().uri(path).exchangeToMono(response -> response.releaseBody()
                        .thenReturn(response.statusCode().value()))
                .toFuture();
    }

    @Test
    void restClientRequestsAreSpacedByTheLimits() throws Exception {
        assertThat(restGet("/a")).isEqualTo(200);

        CompletableFuture<Integer> second = restGetAsync("/a");
        awaitWaiting("/a", 1);
        clock.advance(Duration.ofMillis(999));
        assertThat(second).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(second.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(server.hits("/a")).isEqualTo(2);
    }

    @Test
    void restClientRefundsAServerError() {
        assertThat(restGet("/fail")).isEqualTo(500);
        assertThat(restGet("/fail")).as("went at once: the 500 did not count").isEqualTo(500);
        assertThat(pacer.limiterFor("/fail").remaining()).isEqualTo(1);
    }

    @Test
    void restClientFailsUnsentWhenTheWaitTimesOut() {
        restGet("/a");

        assertThatThrownBy(() -> rest.get().uri("/a").attribute(RateLimitingInterceptor.MAX_WAIT, Duration.ZERO)
                .retrieve().toBodilessEntity()).isInstanceOf(RateLimitedException.class);
        assertThat(server.hits("/a")).isEqualTo(1);
    }

    @Test
    void restClientHoldsBackAfterA429WithRetryAfter() throws Exception {
        assertThat(restGet("/busy")).isEqualTo(429);

        CompletableFuture<Integer> other = restGetAsync("/other");
        awaitWaiting("/other", 1);
        clock.advance(Duration.ofMillis(2999));
        assertThat(other).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(other.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);
    }

    @Test
    void restTemplateIsPacedByTheSameInterceptor() {
        org.springframework.web.client.RestTemplate template = new org.springframework.web.client.RestTemplate();
        template.getInterceptors().add(new RateLimitingInterceptor(targets));
        template.setErrorHandler(new org.springframework.web.client.NoOpResponseErrorHandler());

        assertThat(template.getForEntity(server.uri("/fail"), String.class).getStatusCode().value()).isEqualTo(500);
        assertThat(template.getForEntity(server.uri("/a"), String.class).getStatusCode().value()).isEqualTo(200);

        assertThat(pacer.limiterFor("/fail").remaining()).as("refunded").isEqualTo(1);
        assertThat(pacer.limiterFor("/a").remaining()).isZero();
    }

    @Test
    void requestsToOtherServersAreNotPaced() {
        RestClient elsewhere = RestClient.builder().requestInterceptor(new RateLimitingInterceptor(
                PacedTargets.of(new PacedTarget("other", java.net.URI.create("http://other.example"), pacer,
                        RequestKey.PATH, Duration.ZERO)))).build();
        ResponseEntity<Void> first = elsewhere.get().uri(server.uri("/a")).retrieve().toBodilessEntity();
        ResponseEntity<Void> second = elsewhere.get().uri(server.uri("/a")).retrieve().toBodilessEntity();

        assertThat(first.getStatusCode().value()).isEqualTo(200);
        assertThat(second.getStatusCode().value()).isEqualTo(200);
        assertThat(pacer.keyCount()).isZero();
    }

    @Test
    void webClientRequestsWaitWithoutAThreadAndAreSpaced() throws Exception {
        assertThat(webGet("/a").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);

        CompletableFuture<Integer> second = webGet("/a");
        assertThat(pacer.limiterFor("/a").waiting()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));

        assertThat(second.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);
    }

    @Test
    void webClientRefundsAServerErrorAndHonoursRetryAfter() throws Exception {
        assertThat(webGet("/fail").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(500);
        assertThat(pacer.limiterFor("/fail").remaining()).isEqualTo(1);

        assertThat(webGet("/busy").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(429);
        CompletableFuture<Integer> other = webGet("/other");
        clock.advance(Duration.ofMillis(2999));
        assertThat(other).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(other.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);
    }

    @Test
    void webClientCancellationLeavesNoWaiterBehind() throws Exception {
        assertThat(webGet("/a").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);
        Disposable subscription = web.get().uri("/a").retrieve().toBodilessEntity().subscribe();
        assertThat(pacer.limiterFor("/a").waiting()).isEqualTo(1);

        subscription.dispose();

        assertThat(pacer.limiterFor("/a").waiting()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(server.hits("/a")).isEqualTo(1);
        assertThat(pacer.limiterFor("/a").remaining()).isEqualTo(1);
    }

    @Test
    void webClientFailsUnsentWhenTheWaitTimesOut() throws Exception {
        assertThat(webGet("/a").get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(200);

        CompletableFuture<Integer> late = web.get().uri("/a")
                .attribute(RateLimitingInterceptor.MAX_WAIT, Duration.ofMillis(300))
                .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()))
                .toFuture();
        clock.advance(Duration.ofMillis(300));

        assertThatThrownBy(() -> late.get(BOUND_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RateLimitedException.class);
        assertThat(server.hits("/a")).isEqualTo(1);
    }

    @Test
    void webClientCancellingAsItsSlotIsGrantedLeaksNoSlot() throws Exception {
        // The subscriber cancels while another thread's refund grants it the slot: the grant is given back.
        RequestPacer perPath = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .maximumKeys(100_000).clock(clock).build();
        URI base = URI.create("http://127.0.0.1:9");
        RateLimitingExchangeFilter filter = new RateLimitingExchangeFilter(
                PacedTargets.of(new PacedTarget("t", base, perPath, RequestKey.PATH, Duration.ofMinutes(1))));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        int leaked = 0;
        int rounds = 3000;
        try {
            for (int i = 0; i < rounds; i++) {
                String path = "/k" + i;
                Permit holder = perPath.acquire(path, 0, Duration.ZERO);
                ClientRequest request = ClientRequest.create(HttpMethod.GET, base.resolve(path)).build();
                Mono<ClientResponse> exchange = filter.filter(request,
                        r -> Mono.just(ClientResponse.create(HttpStatus.OK).build()));
                Disposable subscription = exchange.subscribe();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> refund = pool.submit(() -> {
                    go.await();
                    holder.cancel(); // frees the slot: the waiter is admitted now
                    return null;
                });
                go.countDown();
                subscription.dispose();
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

    @Test
    void restTemplateReadTimeoutOnAPostIsRefunded() throws Exception {
        // The I/O error surfaces from response.getStatusCode(), inside the interceptor.
        CountDownLatch release = new CountDownLatch(1);
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slow.setExecutor(Executors.newFixedThreadPool(4));
        slow.createContext("/", exchange -> {
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
        slow.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + slow.getAddress().getPort());
            RequestPacer slowPacer = RequestPacer.builder().global(Limit.of(10, Duration.ofSeconds(10)))
                    .perKey(Limit.of(1, Duration.ofSeconds(1))).clock(new FakeClock()).build();
            PacedTargets slowTargets = PacedTargets.of(
                    new PacedTarget("t", base, slowPacer, RequestKey.PATH, Duration.ZERO));
            SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
            factory.setReadTimeout(Duration.ofMillis(300));
            RestTemplate template = new RestTemplate(factory); // RestTemplate's default factory
            template.getInterceptors().add(new RateLimitingInterceptor(slowTargets));

            assertThatThrownBy(() -> template.postForEntity(base.resolve("/slow"), "body", String.class))
                    .isInstanceOf(ResourceAccessException.class);
            release.countDown();

            // An I/O error is refunded (docs/client-pacing.md, spec): the path's slot and the global slot are free
            // again.
            assertThat(slowPacer.limiterFor("/slow").remaining()).as("per-path + global slots after an I/O error")
                    .isEqualTo(1);
        } finally {
            release.countDown();
            slow.stop(0);
        }
    }

    private void awaitWaiting(String key, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (pacer.limiterFor(key).waiting() != count) {
            assertThat(System.nanoTime() - deadline).as("a request waits for %s", key).isNegative();
            Thread.onSpinWait();
        }
    }
}
