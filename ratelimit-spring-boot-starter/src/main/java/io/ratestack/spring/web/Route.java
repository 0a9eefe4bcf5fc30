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
 * @param plan the plan whose limits apply ({@link PlanResolver}): {@value PlanResolver#DEFAULT_PLAN} unless the
 *     request's client is on another; the filter sets it after the route is resolved
 */
public record Route(String key, @Nullable RoutePolicy policy, String pattern, String plan) {

    /** The longest key a route keeps as it is. */
    public static final int LONGEST_KEY = 256;

    /** @throws NullPointerException if the key or the pattern is null */
    public Route {
        key = Keys.bounded(key, LONGEST_KEY);
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(plan, "plan");
    }

    /**
     * A route of the default plan.
     *
     * @param key identifies the route within one client
     * @param policy the per-route limits; {@code null} only for {@link #EXEMPT}
     * @param pattern the matched pattern
     */
    public Route(String key, @Nullable RoutePolicy policy, String pattern) {
        this(key, policy, pattern, PlanResolver.DEFAULT_PLAN);
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

    /**
     * This route for the clients of a plan.
     *
     * @param name the plan's name
     * @return this route if it is already of that plan, else a copy of it in that plan
     */
    public Route inPlan(String name) {
        return plan.equals(name) ? this : new Route(key, policy, pattern, name);
    }

    /** Whether the request skips rate limiting. */
    public boolean isExempt() {
        return policy == null;
    }
}
