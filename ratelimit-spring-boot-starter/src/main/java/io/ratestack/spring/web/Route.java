package io.ratestack.spring.web;

import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the filter applies to one request: the per-route limiter key and policy, or an exemption.
 *
 * @param key identifies the route within one client: the matched pattern ({@code /users/{id}}), or the literal path
 *     when routes are keyed by path; one longer than {@value #LONGEST_KEY} characters is replaced by
 *     {@code sha256:} and its base64url SHA-256
 * @param policy the per-route limits; {@code null} only for {@link #EXEMPT}
 * @param pattern the matched pattern, whatever the key: a bounded name for metrics
 */
public record Route(String key, @Nullable RoutePolicy policy, String pattern) {

    /** The longest key a route keeps as it is. */
    public static final int LONGEST_KEY = 256;

    /** @throws NullPointerException if the key or the pattern is null */
    public Route {
        key = Keys.bounded(key, LONGEST_KEY);
        Objects.requireNonNull(pattern, "pattern");
    }

    /** Not rate limited at all. */
    public static final Route EXEMPT = new Route("(exempt)", null);

    /**
     * A route keyed by its pattern.
     *
     * @param key the pattern
     * @param policy the per-route limits
     */
    public Route(String key, @Nullable RoutePolicy policy) {
        this(key, policy, key);
    }

    /** The key of requests that match no handler: they share one limiter per client. */
    public static final String UNMATCHED = "(unmatched)";

    /**
     * Whether the request matched a handler, so that a failure is the handler's and may be refunded. A request that
     * matched none (a 404, a 405, or one whose route could not be resolved, such as a bad {@code X-Forwarded-Prefix})
     * fails before any handler runs, and its use counts whatever its status.
     */
    boolean matchedHandler() {
        return !pattern.equals(UNMATCHED);
    }

    /**
     * The key for a store whose keys must be shorter: the key itself up to {@code longest} characters, else
     * {@code sha256:} and the 64 hex digits of its SHA-256.
     *
     * @param longest the longest key kept as it is
     * @return the key, bounded
     */
    public String key(int longest) {
        return key.length() <= longest ? key : "sha256:" + HexFormat.of().formatHex(Keys.sha256(key));
    }

    /** Whether the request skips rate limiting. */
    public boolean isExempt() {
        return policy == null;
    }
}
