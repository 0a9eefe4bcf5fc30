package io.ratestack.client;

import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The JDK's {@link HttpClient}, paced by a {@link RequestPacer}: each request waits for a slot first (or fails with
 * {@link RateLimitedException}, unsent, when its wait times out), and reports its response or I/O error afterwards.
 *
 * <pre>{@code
 * PacedHttpClient client = PacedHttpClient.of(HttpClient.newHttpClient(), pacer);
 * HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
 * }</pre>
 */
public final class PacedHttpClient {

    private final HttpClient client;
    private final RequestPacer pacer;
    private final RequestKey key;
    private final Duration maxWait;

    private PacedHttpClient(HttpClient client, RequestPacer pacer, RequestKey key, Duration maxWait) {
        this.client = Objects.requireNonNull(client, "client");
        this.pacer = Objects.requireNonNull(pacer, "pacer");
        this.key = Objects.requireNonNull(key, "key");
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
    }

    /**
     * Paces {@code client}'s requests by path, waiting as long as it takes.
     *
     * @param client the client that sends
     * @param pacer the pacer
     * @return the paced client
     */
    public static PacedHttpClient of(HttpClient client, RequestPacer pacer) {
        return new PacedHttpClient(client, pacer, RequestKey.PATH, RequestPacer.FOREVER);
    }

    /**
     * This client, keyed by {@code key} instead.
     *
     * @param requestKey which requests share a per-key limiter
     * @return a copy
     */
    public PacedHttpClient keyedBy(RequestKey requestKey) {
        return new PacedHttpClient(client, pacer, requestKey, maxWait);
    }

    /**
     * This client, waiting at most {@code wait} for a slot by default.
     *
     * @param wait the longest wait
     * @return a copy
     */
    public PacedHttpClient withMaxWait(Duration wait) {
        return new PacedHttpClient(client, pacer, key, wait);
    }

    /** The client that sends. */
    public HttpClient delegate() {
        return client;
    }

    /**
     * Waits for a slot, then sends.
     *
     * @param request the request
     * @param handler the body handler
     * @param <T> the body type
     * @return the response
     * @throws IOException as {@link HttpClient#send}; the use is refunded
     * @throws InterruptedException as {@link HttpClient#send}
     * @throws RateLimitedException if no slot came within the maximum wait; nothing was sent
     */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return send(request, handler, 0, maxWait);
    }

    /**
     * Waits for a slot, by priority and at most {@code wait}, then sends.
     *
     * @param request the request
     * @param handler the body handler
     * @param priority lower goes first
     * @param wait the longest wait for a slot
     * @param <T> the body type
     * @return the response
     * @throws IOException as {@link HttpClient#send}; the use is refunded
     * @throws InterruptedException as {@link HttpClient#send}
     * @throws RateLimitedException if no slot came within {@code wait}; nothing was sent
     */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, int priority,
            Duration wait) throws IOException, InterruptedException {
        String requestKey = key.keyOf(request.uri());
        Permit permit = pacer.acquire(requestKey, priority, wait);
        HttpResponse<T> response;
        try {
            response = client.send(request, handler);
        } catch (IOException | InterruptedException | RuntimeException | Error failure) {
            pacer.failed(permit);
            throw failure;
        }
        pacer.completed(permit, requestKey, response.statusCode(),
                response.headers().firstValue("Retry-After").orElse(null));
        return response;
    }

    /**
     * Waits for a slot without blocking a thread, then sends asynchronously.
     *
     * @param request the request
     * @param handler the body handler
     * @param <T> the body type
     * @return the future response; failed with {@link RateLimitedException} if no slot came in time
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
            HttpResponse.BodyHandler<T> handler) {
        return sendAsync(request, handler, 0, maxWait);
    }

    /**
     * Waits for a slot, by priority and at most {@code wait}, without blocking a thread, then sends asynchronously.
     *
     * @param request the request
     * @param handler the body handler
     * @param priority lower goes first
     * @param wait the longest wait for a slot
     * @param <T> the body type
     * @return the future response; failed with {@link RateLimitedException} if no slot came in time; cancelling it
     *     while it waits for a slot withdraws the waiter
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
            int priority, Duration wait) {
        String requestKey = key.keyOf(request.uri());
        CompletableFuture<Permit> acquiring = pacer.acquireAsync(requestKey, priority, wait);
        CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
        acquiring.whenComplete((permit, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            if (result.isDone()) {
                permit.cancel(); // cancelled while the slot was being granted: nothing is sent
                return;
            }
            CompletableFuture<HttpResponse<T>> sent;
            try {
                sent = client.sendAsync(request, handler);
            } catch (RuntimeException | Error sendFailed) {
                pacer.failed(permit);
                result.completeExceptionally(sendFailed);
                return;
            }
            sent.whenComplete((response, sendFailure) -> {
                if (sendFailure != null) {
                    pacer.failed(permit);
                    result.completeExceptionally(sendFailure);
                } else {
                    pacer.completed(permit, requestKey, response.statusCode(),
                            response.headers().firstValue("Retry-After").orElse(null));
                    result.complete(response);
                }
            }).exceptionally(RequestPacer.failing(result));
        }).exceptionally(RequestPacer.failing(result));
        // Cancelling the result while it waits withdraws the waiter (cancellation does not travel upstream).
        result.exceptionally(failure -> {
            if (failure instanceof CancellationException) {
                acquiring.cancel(false);
            }
            return null;
        });
        return result;
    }
}
