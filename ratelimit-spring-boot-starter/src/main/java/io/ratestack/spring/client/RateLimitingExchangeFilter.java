package io.ratestack.spring.client;

import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Paces the requests of a {@code WebClient}, as {@link RateLimitingInterceptor} does, without blocking a thread: the
 * exchange starts when the pacer admits it. A subscriber that cancels while the request waits withdraws its waiter;
 * one that cancels after the request was sent lets the use count (the server may have served it). A wait that times
 * out fails with {@link RateLimitedException}, and nothing is sent.
 *
 * <p>The request attributes {@link RateLimitingInterceptor#PRIORITY} and {@link RateLimitingInterceptor#MAX_WAIT}
 * apply here too.
 */
public final class RateLimitingExchangeFilter implements ExchangeFilterFunction {

    private final PacedTargets targets;

    /**
     * @param targets the servers whose requests are paced
     */
    public RateLimitingExchangeFilter(PacedTargets targets) {
        this.targets = targets;
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        PacedTarget target = targets.find(request.url());
        if (target == null) {
            return next.exchange(request);
        }
        String key = target.key().keyOf(request.url());
        int priority = RateLimitingInterceptor.priority(request.attributes());
        return Mono.fromFuture(() -> target.pacer().acquireAsync(key, priority,
                        RateLimitingInterceptor.maxWait(request.attributes(), target)))
                .flatMap(permit -> exchange(request, next, target, key, permit))
                // A permit granted just as the subscriber cancels is dropped by Reactor: give it back.
                .doOnDiscard(Permit.class, Permit::cancel);
    }

    private static Mono<ClientResponse> exchange(ClientRequest request, ExchangeFunction next, PacedTarget target,
            String key, Permit permit) {
        return next.exchange(request)
                .doOnNext(response -> target.pacer().completed(permit, key, response.statusCode().value(),
                        response.headers().asHttpHeaders().getFirst("Retry-After")))
                .doOnError(failure -> target.pacer().failed(permit))
                .doOnCancel(permit::close)
                .doOnSuccess(response -> {
                    if (response == null) {
                        permit.close();
                    }
                });
    }
}
