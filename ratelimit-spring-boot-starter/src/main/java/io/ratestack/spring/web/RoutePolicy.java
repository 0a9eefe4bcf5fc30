package io.ratestack.spring.web;

import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The per-route limits that apply to a set of routes: the defaults, a YAML override, or a handler's
 * {@link RateLimit @RateLimit} annotations. Compared by identity: each policy has limiters of its own.
 */
public final class RoutePolicy {

    private final String source;
    private final String key;
    private final List<Limit> limits;
    private final Duration longestWindow;
    private volatile @Nullable Builders builders;
    /** The texts of the response headers of this policy's terms, made by the first response that needs them. */
    volatile RateLimitResponses.@Nullable HeaderTexts headerTexts;

    @SuppressWarnings("ArrayRecordComponent") // never compared: the builders of one clock
    private record Builders(Clock clock, RateLimiters.TimesPerBuilder[] builders) {
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param limits the stacked limits, at least one, each named (see {@link PolicyNames})
     */
    public RoutePolicy(String source, List<Limit> limits) {
        this(source, source, limits);
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param key what tells this policy from every other one of the application, the same in every instance of it
     *     (a store shared between instances keys the policy's state by it): {@code source} unless two policies may
     *     share a source, as overloaded handler methods do
     * @param limits the stacked limits, at least one, each named (see {@link PolicyNames})
     */
    public RoutePolicy(String source, String key, List<Limit> limits) {
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("a route policy needs at least one limit: " + source);
        }
        this.source = source;
        this.key = key;
        this.limits = PolicyNames.checkAll(limits);
        this.longestWindow = longest(this.limits);
    }

    /** Where the policy comes from. */
    public String source() {
        return source;
    }

    /** What tells this policy from the application's others, the same in every instance. */
    public String key() {
        return key;
    }

    /**
     * A short tag of {@link #key()}: 8 hex digits of its SHA-256, for names that a shared store keys the policy's
     * state by.
     */
    public String tag() {
        return HexFormat.of().formatHex(Keys.sha256(key), 0, 4);
    }

    /** The stacked limits. */
    public List<Limit> limits() {
        return limits;
    }

    /** The longest window of the limits: how long an idle client's limiters must be kept. */
    Duration longestWindow() {
        return longestWindow;
    }

    /** Builders of this policy's limiters on {@code clock}: limiters built by one share their terms. */
    RateLimiters.TimesPerBuilder[] builders(Clock clock) {
        Builders current = builders;
        if (current == null || current.clock() != clock) {
            current = new Builders(clock, builders(limits, clock));
            builders = current;
        }
        return current.builders();
    }

    static RateLimiters.TimesPerBuilder[] builders(List<Limit> limits, Clock clock) {
        RateLimiters.TimesPerBuilder[] builders = new RateLimiters.TimesPerBuilder[limits.size()];
        for (int i = 0; i < builders.length; i++) {
            builders[i] = RateLimiters.timesPerBuilder(limits.get(i)).clock(clock);
            builders[i].build(); // fixes the shared terms before the builder is shared between threads
        }
        return builders;
    }

    static Duration longest(List<Limit> limits) {
        Duration longest = Duration.ZERO;
        for (Limit limit : limits) {
            if (limit.window().compareTo(longest) > 0) {
                longest = limit.window();
            }
        }
        return longest;
    }

    @Override
    public String toString() {
        return source + " " + limits;
    }
}
