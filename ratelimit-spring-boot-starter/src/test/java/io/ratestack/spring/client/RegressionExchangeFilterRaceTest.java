package io.ratestack.spring.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.Permit;
import io.ratestack.client.RequestKey;
import io.ratestack.client.RequestPacer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** Review: a subscriber that cancels just as its slot is granted must not take the slot with it. */
class RegressionExchangeFilterRaceTest {

    @Test
    void cancelRacingTheGrantLeaksNoPermit() throws Exception {
        FakeClock clock = new FakeClock();
        RequestPacer pacer = RequestPacer.builder().perKey(Limit.of(1, Duration.ofSeconds(1)))
                .maximumKeys(100_000).clock(clock).build();
        URI base = URI.create("http://127.0.0.1:9");
        RateLimitingExchangeFilter filter = new RateLimitingExchangeFilter(
                PacedTargets.of(new PacedTarget("t", base, pacer, RequestKey.PATH, Duration.ofMinutes(1))));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        int leaked = 0;
        int rounds = 3000;
        try {
            for (int i = 0; i < rounds; i++) {
                String path = "/k" + i;
                Permit holder = pacer.acquire(path, 0, Duration.ZERO);
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
