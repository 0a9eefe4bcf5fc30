package io.ratestack.spring.client;

import io.ratestack.Permit;
import io.ratestack.RateLimitedException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Paces the requests of a {@code RestClient} or {@code RestTemplate}: each request to a {@link PacedTarget} waits
 * for a slot of its pacer (global and per path) before it is sent; its response completes the use, or refunds it on
 * a refund status or an I/O error; a 429's {@code Retry-After} holds the target back. A request that cannot get a
 * slot within its maximum wait fails with {@link RateLimitedException} and is not sent.
 *
 * <p>Per request, the attributes {@link #PRIORITY} (an {@link Integer}, lower goes first) and {@link #MAX_WAIT}
 * (a {@link Duration}) override the defaults:
 *
 * <pre>{@code
 * restClient.get().uri("/reports").attribute(RateLimitingInterceptor.PRIORITY, 10).retrieve().body(String.class);
 * }</pre>
 */
public final class RateLimitingInterceptor implements ClientHttpRequestInterceptor {

    /** The request attribute of its priority, an {@link Integer}; 0 by default. */
    public static final String PRIORITY = "io.ratestack.priority";

    /** The request attribute of its maximum wait for a slot, a {@link Duration}. */
    public static final String MAX_WAIT = "io.ratestack.max-wait";

    private final PacedTargets targets;

    /**
     * @param targets the servers whose requests are paced
     */
    public RateLimitingInterceptor(PacedTargets targets) {
        this.targets = targets;
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        PacedTarget target = targets.find(request.getURI());
        if (target == null) {
            return execution.execute(request, body);
        }
        String key = target.key().keyOf(request.getURI());
        Map<String, Object> attributes = request.getAttributes();
        Permit permit = target.pacer().acquire(key, priority(attributes), maxWait(attributes, target));
        ClientHttpResponse response = null;
        try {
            response = execution.execute(request, body);
            // Reading the status may be what waits for the answer (and times out), so it is inside the try too.
            int status = response.getStatusCode().value();
            target.pacer().completed(permit, key, status, response.getHeaders().getFirst("Retry-After"));
            return response;
        } catch (IOException | RuntimeException | Error failure) {
            target.pacer().failed(permit);
            if (response != null) {
                response.close();
            }
            throw failure;
        }
    }

    static int priority(Map<String, Object> attributes) {
        return attributes.get(PRIORITY) instanceof Integer priority ? priority : 0;
    }

    static Duration maxWait(Map<String, Object> attributes, PacedTarget target) {
        return attributes.get(MAX_WAIT) instanceof Duration wait ? wait : target.maxWait();
    }
}
