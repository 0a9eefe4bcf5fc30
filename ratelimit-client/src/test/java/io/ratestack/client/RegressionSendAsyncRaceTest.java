package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Review: cancelling sendAsync's future just as the slot is granted must not take the slot with it. */
class RegressionSendAsyncRaceTest {

    @Test
    void cancelRacingTheGrantLeaksNoPermit() throws Exception {
        FakeClock clock = new FakeClock();
        RequestPacer pacer = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .maximumKeys(100_000).clock(clock).build();
        int rounds = 3000;
        int leaked = 0;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (TestServer server = new TestServer()) {
            PacedHttpClient client = PacedHttpClient.of(HttpClient.newHttpClient(), pacer);
            for (int i = 0; i < rounds; i++) {
                String path = "/k" + i;
                Permit holder = pacer.acquire(path, 0, Duration.ZERO);
                CompletableFuture<HttpResponse<Void>> sent = client.sendAsync(
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
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            do {
                clock.advance(Duration.ofSeconds(5)); // every window that a completed use started is over
                leaked = 0;
                for (int i = 0; i < rounds; i++) {
                    if (pacer.limiterFor("/k" + i).remaining() == 0) {
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
