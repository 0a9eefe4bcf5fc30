package io.ratestack.spring.web;

import org.jspecify.annotations.Nullable;

/**
 * What the filter applies to one request: the per-route limiter key and policy, or an exemption.
 *
 * @param key identifies the route within one client: the matched pattern ({@code /users/{id}}), or the literal path
 *     when routes are keyed by path
 * @param policy the per-route limits; {@code null} only for {@link #EXEMPT}
 */
public record Route(String key, @Nullable RoutePolicy policy) {

    /** Not rate limited at all. */
    public static final Route EXEMPT = new Route("(exempt)", null);

    /** The key of requests that match no handler: they share one limiter per client. */
    public static final String UNMATCHED = "(unmatched)";

    /** Whether the request skips rate limiting. */
    public boolean isExempt() {
        return policy == null;
    }
}
