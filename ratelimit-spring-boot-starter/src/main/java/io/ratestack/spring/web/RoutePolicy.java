package io.ratestack.spring.web;

import io.ratestack.Clock;
import io.ratestack.InvalidTermException;
import io.ratestack.LimitSpec;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The per-route limits that apply to a set of routes: the defaults, a YAML override, or a handler's
 * {@link RateLimit @RateLimit} annotations. Compared by identity: each policy has limiters of its own.
 */
public final class RoutePolicy {

    private final String source;
    private final String key;
    private final List<LimitSpec> limits;
    private final Duration longestRecovery;
    private final int cost;
    private final Mode mode;
    private final int maxCost;
    private final Duration maxWait;
    private volatile @Nullable Factories factories;
    /** The texts of the response headers of this policy's terms, made by the first response that needs them. */
    volatile RateLimitResponses.@Nullable HeaderTexts headerTexts;

    @SuppressWarnings("ArrayRecordComponent") // never compared: the factories of one clock
    private record Factories(Clock clock, Supplier<RateLimiter>[] factories) {
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param limits the stacked limits, of any algorithm, at least one, each named (see {@link PolicyNames})
     */
    public RoutePolicy(String source, List<? extends LimitSpec> limits) {
        this(source, source, limits);
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param key what tells this policy from every other one of the application, the same in every instance of it
     *     (a store shared between instances keys the policy's state by it): {@code source} unless two policies may
     *     share a source, as overloaded handler methods do
     * @param limits the stacked limits, of any algorithm, at least one, each named (see {@link PolicyNames})
     */
    public RoutePolicy(String source, String key, List<? extends LimitSpec> limits) {
        this(source, key, limits, 1);
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param key what tells this policy from every other one of the application, the same in every instance of it
     * @param limits the stacked limits, of any algorithm, at least one, each named (see {@link PolicyNames})
     * @param cost what a request of these routes takes of each limit (global and the route's), unless a
     *     {@link RequestCost} says otherwise: at least 1, at most what each of these limits admits at once
     * @throws io.ratestack.InvalidTermException naming {@code cost} if it is below 1 or above a limit's
     *     {@link LimitSpec#maxCost()} (no request could ever pass)
     */
    public RoutePolicy(String source, String key, List<? extends LimitSpec> limits, int cost) {
        this(source, key, limits, cost, Mode.ENFORCE);
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param key what tells this policy from every other one of the application, the same in every instance of it
     * @param limits the stacked limits, of any algorithm, at least one, each named (see {@link PolicyNames})
     * @param cost what a request of these routes takes of each limit, as above
     * @param mode whether these limits refuse ({@link Mode#ENFORCE}) or only observe ({@link Mode#SHADOW}); the
     *     global limits refuse either way, unless every limit is in shadow mode
     * @throws io.ratestack.InvalidTermException naming {@code cost} if it is below 1 or above a limit's
     *     {@link LimitSpec#maxCost()}
     */
    public RoutePolicy(String source, String key, List<? extends LimitSpec> limits, int cost, Mode mode) {
        this(source, key, limits, cost, mode, Duration.ZERO);
    }

    /**
     * @param source where the policy comes from, for messages and the actuator endpoint
     * @param key what tells this policy from every other one of the application, the same in every instance of it
     * @param limits the stacked limits, of any algorithm, at least one, each named (see {@link PolicyNames})
     * @param cost what a request of these routes takes of each limit, as above
     * @param mode whether these limits refuse or only observe, as above
     * @param maxWait how long a request these limits would refuse may wait for room before it is refused: zero (no
     *     wait) up to {@link #LONGEST_WAIT}
     * @throws io.ratestack.InvalidTermException naming {@code cost} as above, or {@code maxWait} if it is negative or
     *     longer than {@link #LONGEST_WAIT}
     */
    public RoutePolicy(String source, String key, List<? extends LimitSpec> limits, int cost, Mode mode,
            Duration maxWait) {
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("a route policy needs at least one limit: " + source);
        }
        this.source = source;
        this.key = key;
        this.limits = PolicyNames.checkAll(limits);
        this.longestRecovery = longest(this.limits);
        if (cost < 1) {
            throw new InvalidTermException("cost", cost, "must be > 0");
        }
        this.cost = checkCost(cost, this.limits, "limit");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.maxCost = maxCost(this.limits);
        if (maxWait.isNegative() || maxWait.compareTo(LONGEST_WAIT) > 0) {
            throw new InvalidTermException("maxWait", Durations.format(maxWait), "must be between 0s and "
                    + Durations.format(LONGEST_WAIT) + ": a longer wait is not brief, tell the client when to retry");
        }
        this.maxWait = maxWait;
    }

    /** The longest a refused request may wait for room. */
    public static final Duration LONGEST_WAIT = Duration.ofMinutes(1);

    /**
     * How long a request these limits would refuse may wait for room before it is refused; zero, the default, refuses
     * at once.
     */
    public Duration maxWait() {
        return maxWait;
    }

    /** The largest cost these limits admit at once: the least {@link LimitSpec#maxCost()} of them. */
    int maxCost() {
        return maxCost;
    }

    /** Whether these limits refuse or only observe. */
    public Mode mode() {
        return mode;
    }

    /**
     * Checks that a request of this policy's cost can pass the global limits too, which it is taken from as well.
     *
     * @param global the global limits
     * @throws InvalidTermException naming {@code cost} if it is above what one of them admits at once
     */
    public void checkCost(List<LimitSpec> global) {
        checkCost(cost, global, "global limit");
    }

    private static int checkCost(int cost, List<LimitSpec> limits, String whose) {
        for (LimitSpec limit : limits) {
            if (cost > limit.maxCost()) {
                throw new InvalidTermException("cost", cost, "must be <= " + limit.maxCost() + ", the most that "
                        + whose + " '" + limit.name() + "' admits at once: no request could pass it");
            }
        }
        return cost;
    }

    /** The largest cost every one of {@code limits} admits at once: the least {@link LimitSpec#maxCost()}. */
    static int maxCost(List<LimitSpec> limits) {
        int most = Integer.MAX_VALUE;
        for (LimitSpec limit : limits) {
            most = Math.min(most, limit.maxCost());
        }
        return most;
    }

    /**
     * Whether {@code other} has this policy's key, limits, cost, mode and wait: where the configuration is read anew, a
     * policy that is the same as before is kept, and with it the state of its clients' limiters.
     *
     * @param other another policy
     * @return whether the two differ in nothing but identity
     */
    public boolean hasSameTerms(RoutePolicy other) {
        return key.equals(other.key) && limits.equals(other.limits) && cost == other.cost && mode == other.mode
                && maxWait.equals(other.maxWait);
    }

    /** What a request of these routes takes of each limit, unless a {@link RequestCost} says otherwise. */
    public int cost() {
        return cost;
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
    public List<LimitSpec> limits() {
        return limits;
    }

    /**
     * The longest {@linkplain LimitSpec#recovery() recovery} of the limits: how long an idle client's limiters must
     * be kept.
     */
    Duration longestRecovery() {
        return longestRecovery;
    }

    /** Makers of this policy's limiters on {@code clock}: the limiters of one share their terms. */
    Supplier<RateLimiter>[] factories(Clock clock) {
        Factories current = factories;
        if (current == null || current.clock() != clock) {
            current = new Factories(clock, factories(limits, clock));
            factories = current;
        }
        return current.factories();
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of one generic type, never exposed to other types
    static Supplier<RateLimiter>[] factories(List<LimitSpec> limits, Clock clock) {
        Supplier<RateLimiter>[] factories = new Supplier[limits.size()];
        for (int i = 0; i < factories.length; i++) {
            factories[i] = RateLimiters.factory(limits.get(i), clock);
        }
        return factories;
    }

    static Duration longest(List<LimitSpec> limits) {
        Duration longest = Duration.ZERO;
        for (LimitSpec limit : limits) {
            if (limit.recovery().compareTo(longest) > 0) {
                longest = limit.recovery();
            }
        }
        return longest;
    }

    @Override
    public String toString() {
        return source + " " + limits + (cost == 1 ? "" : " cost " + cost) + (mode == Mode.SHADOW ? " (shadow)" : "")
                + (maxWait.isZero() ? "" : " waiting up to " + Durations.format(maxWait));
    }
}
