package io.ratestack.spring.autoconfigure;

import io.ratestack.InvalidTermException;
import io.ratestack.LimitSpec;
import io.ratestack.spring.web.Algorithm;
import io.ratestack.spring.web.Durations;
import io.ratestack.spring.web.ExemptClients;
import io.ratestack.spring.web.LimitTerms;
import io.ratestack.spring.web.Mode;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.PolicyNames;
import io.ratestack.spring.web.ProblemDetails;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RefundStatuses;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.RoutePolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.util.ClassUtils;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * {@link RateLimitProperties} and {@link RateLimitRedisProperties}, checked and turned into the filter's parts. A
 * limit's terms are checked by the core's rules, whose {@link InvalidTermException} names the term; the term is
 * mapped to its key under the limit's property. Every configuration error is made here,
 * as a {@link RateLimitConfigurationException} that names the property and the value; so is the reason for what
 * Spring Boot itself fails to bind (an unknown key, a value of the wrong type), which
 * {@link RateLimitFailureAnalyzer} reports in the same form.
 */
final class RateLimitSettings {

    final List<LimitSpec> global;
    final RoutePolicy perRoute;
    final List<MvcRouteResolver.PathOverride> overrides;
    final List<String> excludedPaths;
    /** How many requests may wait for room at once ({@code ratelimit.queue.max-waiting}). */
    final int maxWaiting;
    /** The priority of the default plan's waiting requests. */
    final int defaultPriority;
    /** The plans of {@code ratelimit.plans} by name, in their order; the default plan (the top level) not among them. */
    final Map<String, PlanSettings> plans;
    /** Whether every limit is in shadow mode ({@code ratelimit.mode=shadow}). */
    final Mode mode;
    final ExemptClients exemptClients;
    final RefundStatuses refundStatuses;
    final MemoryRateLimitStore.CacheBounds globalCache;
    final MemoryRateLimitStore.CacheBounds routeCache;
    final ProblemDetails problem;
    final RemoteAddressClientKeyResolver addresses;
    /** Whether the limits live in Redis ({@code ratelimit.store=redis}). */
    final boolean redisStore;
    /** The Redis store's settings, checked whatever the store. */
    final RedisSettings redis;

    /**
     * One plan's limits, the top level's filling in what it does not set.
     *
     * @param name the plan's name
     * @param global its global limits
     * @param perRoute its per-route defaults
     * @param overrides its own routes, then the top level's
     * @param priority the order its waiting requests get room in: higher first
     */
    record PlanSettings(String name, List<LimitSpec> global, RoutePolicy perRoute,
            List<MvcRouteResolver.PathOverride> overrides, int priority) {
    }

    /** What a plan's name may hold: it is a metric's tag and what a {@code PlanResolver} returns. */
    private static final java.util.regex.Pattern PLAN_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** {@code ratelimit.redis.*}, checked. */
    record RedisSettings(@Nullable String url, String prefix, Duration lease, Duration commandTimeout,
            Duration probeInterval, RateLimitRedisProperties.FailurePolicy onFailure, int failClosedStatus) {
    }

    /** The classes the Redis store needs, with the artifact that brings each. */
    static final String[][] REDIS_CLASSES = {
            {"io.ratestack.redis.RedisLimits", "io.ratestack:ratelimit-redis"},
            {"io.lettuce.core.RedisClient", "io.lettuce:lettuce-core"}};

    RateLimitSettings(RateLimitProperties properties, RateLimitRedisProperties redis) {
        this(properties, redis, RateLimitSettings.class.getClassLoader());
    }

    /**
     * @param properties the properties
     * @param redis the Redis store's properties, checked whatever the store
     * @param classLoader the application's class loader, to check that the chosen store's classes are there
     */
    RateLimitSettings(RateLimitProperties properties, RateLimitRedisProperties redis, ClassLoader classLoader) {
        this.global = scope("ratelimit.global", properties.getGlobal(), "global");
        this.perRoute = policy("ratelimit.per-route", "ratelimit.per-route", "ratelimit.per-route",
                properties.getPerRoute(),
                scope("ratelimit.per-route", properties.getPerRoute(), "route"), this.global);
        this.overrides = overrides("ratelimit.routes", properties.getRoutes(), this.global);
        this.plans = plans(properties.getPlans());
        this.maxWaiting = properties.getQueue().getMaxWaiting();
        if (maxWaiting < 0) {
            throw new RateLimitConfigurationException("ratelimit.queue.max-waiting", String.valueOf(maxWaiting),
                    "must be >= 0 (0: no request waits)");
        }
        this.defaultPriority = properties.getQueue().getDefaultPriority();
        this.mode = required("ratelimit.mode", properties.getMode());
        this.excludedPaths = patterns("ratelimit.excluded-paths", properties.getExcludedPaths());
        this.exemptClients = exemptClients("ratelimit.exempt-clients", properties.getExemptClients());
        this.refundStatuses = refundStatuses("ratelimit.refund-statuses", properties.getRefundStatuses());
        this.globalCache = cache("ratelimit.cache.global", properties.getCache().getGlobal());
        this.routeCache = cache("ratelimit.cache.per-route", properties.getCache().getPerRoute());
        RateLimitProperties.Problem problem = properties.getProblem();
        this.problem = new ProblemDetails(required("ratelimit.problem.type", problem.getType()),
                required("ratelimit.problem.title", problem.getTitle()),
                required("ratelimit.problem.detail", problem.getDetail()));
        RateLimitProperties.ClientKey clientKey = properties.getClientKey();
        int v4 = clientKey.getIpv4PrefixLength();
        int v6 = clientKey.getIpv6PrefixLength();
        if (v4 < 1 || v4 > 32) {
            throw new RateLimitConfigurationException("ratelimit.client-key.ipv4-prefix-length", String.valueOf(v4),
                    "must be between 1 and 32");
        }
        if (v6 < 1 || v6 > 128) {
            throw new RateLimitConfigurationException("ratelimit.client-key.ipv6-prefix-length", String.valueOf(v6),
                    "must be between 1 and 128");
        }
        this.addresses = new RemoteAddressClientKeyResolver(v4, v6);
        this.redisStore = store("ratelimit.store", properties.getStore(), classLoader);
        this.redis = redis("ratelimit.redis", redis);
    }

    private static boolean store(String property, RateLimitProperties.Store store, ClassLoader classLoader) {
        if (store != RateLimitProperties.Store.REDIS) {
            return false;
        }
        for (String[] needed : REDIS_CLASSES) {
            if (!ClassUtils.isPresent(needed[0], classLoader)) {
                throw new RateLimitConfigurationException(property, constant(store), "the Redis store needs "
                        + needed[1] + " on the classpath (" + needed[0] + " is missing); add the dependency or use"
                        + " memory");
            }
        }
        return true;
    }

    /** An enum constant as the configuration writes it: {@code fail-open}. */
    static String constant(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * A Redis URL fit for messages and logs: its user information ({@code user:password@}, up to the last
     * {@code @}, since a password may hold {@code /}, {@code ?} or {@code #}) masked.
     */
    static String withoutCredentials(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + "***" + url.substring(at) : url;
    }

    private static RedisSettings redis(String property, RateLimitRedisProperties redis) {
        String url = redis.getUrl();
        if (url != null && !url.isBlank()) {
            String scheme;
            try {
                scheme = new URI(url.trim()).getScheme();
            } catch (URISyntaxException bad) {
                throw new RateLimitConfigurationException(property + ".url", withoutCredentials(url),
                        "is not a URI: " + bad.getReason() + " at index " + bad.getIndex());
            }
            if (scheme == null || !List.of("redis", "rediss", "redis-socket", "redis-sentinel", "rediss-sentinel")
                    .contains(scheme)) {
                throw new RateLimitConfigurationException(property + ".url", withoutCredentials(url),
                        "must be a redis://, rediss://, redis-socket:// or redis-sentinel:// URI");
            }
        } else {
            url = null;
        }
        String prefix = required(property + ".prefix", redis.getPrefix());
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new RateLimitConfigurationException(property + ".prefix", prefix,
                    "must not hold '{' or '}', which would move the Redis Cluster hash tag");
        }
        Duration lease = atLeastOneMilli(property + ".lease", redis.getLease());
        Duration commandTimeout = atLeastOneMilli(property + ".command-timeout", redis.getCommandTimeout());
        Duration probeInterval = redis.getProbeInterval();
        if (probeInterval == null || probeInterval.isNegative()) {
            throw new RateLimitConfigurationException(property + ".probe-interval", text(probeInterval),
                    "must be >= 0");
        }
        RateLimitRedisProperties.FailurePolicy policy = required(property + ".on-failure", redis.getOnFailure());
        int status = redis.getFailClosedStatus();
        if (status != 503 && status != 429) {
            throw new RateLimitConfigurationException(property + ".fail-closed-status", String.valueOf(status),
                    "must be 503 or 429");
        }
        return new RedisSettings(url, prefix, lease, commandTimeout, probeInterval, policy, status);
    }

    /**
     * Checks a duration under {@code ratelimit} as it was written, while it is bound (see
     * {@link RateLimitWrittenValueCheck}): it needs a unit and must not be longer than {@link Durations#LONGEST}.
     *
     * @param property the property's name
     * @param written the value as configured, a {@link String} or, from YAML, a {@link Number}
     * @param duration what Spring Boot converted it to
     */
    static void duration(String property, Object written, Duration duration) {
        try {
            Durations.check(written, duration);
        } catch (IllegalArgumentException bad) {
            throw new RateLimitConfigurationException(property, String.valueOf(written), String.valueOf(bad.getMessage()));
        }
    }

    /** A value in an error as the configuration writes it, a duration as {@code -5s}, or {@code null}. */
    private static String text(@Nullable Object value) {
        return value instanceof Duration duration ? Durations.format(duration) : String.valueOf(value);
    }

    private static Duration atLeastOneMilli(String property, Duration duration) {
        if (duration == null || duration.toMillis() < 1) {
            throw new RateLimitConfigurationException(property, text(duration), "must be at least 1ms");
        }
        return duration;
    }

    static List<LimitSpec> scope(String property, RateLimitProperties.Scope scope, String defaultName) {
        return scope(property, scope, scope.getStacked(), defaultName);
    }

    /**
     * A scope's limits: {@code first}, then the {@code stacked} ones, named {@code defaultName-2}, {@code -3}...
     * unless they have names; a limit that is not a {@link RateLimitProperties.Limit} is times-per.
     */
    static List<LimitSpec> scope(String property, RateLimitProperties.TimesPerLimit first,
            List<? extends RateLimitProperties.TimesPerLimit> stacked, String defaultName) {
        List<LimitSpec> limits = new ArrayList<>();
        limits.add(limit(property, first, defaultName));
        for (int i = 0; i < stacked.size(); i++) {
            limits.add(limit(property + ".stacked[" + i + "]", stacked.get(i), defaultName + "-" + (i + 2)));
        }
        return limits;
    }

    /**
     * A limit's terms, checked by {@link LimitTerms}' rules (the core's, and which keys each algorithm takes); a term
     * out of range fails naming its key under {@code property}. A scope's default {@code per} is not a written one:
     * a concurrency limit, which takes none, does not refuse it.
     */
    private static LimitSpec limit(String property, RateLimitProperties.TimesPerLimit limit, String defaultName) {
        RateLimitProperties.Limit any = limit instanceof RateLimitProperties.Limit keys ? keys : null;
        Algorithm algorithm = any == null ? Algorithm.TIMES_PER : required(property + ".algorithm", any.getAlgorithm());
        Duration per = algorithm == Algorithm.CONCURRENCY && !limit.perWritten() ? null : limit.getPer();
        Duration offset = limit.getResetOffset() == null ? Duration.ZERO : limit.getResetOffset();
        String name = limit.getName() == null ? defaultName : limit.getName();
        try {
            return (any == null
                    ? new LimitTerms(algorithm, limit.getLimit(), per, offset, null, null, null, null, null, name)
                    : new LimitTerms(algorithm, limit.getLimit(), per, offset, any.getCapacity(), any.getRefill(),
                            any.getInitialTokens(), any.getBurst(), any.getRetryAfter(), name)).toSpec();
        } catch (InvalidTermException bad) {
            Object value = bad.value();
            throw new RateLimitConfigurationException(
                    property + "." + DataObjectPropertyName.toDashedForm(bad.term()),
                    value instanceof Enum<?> constant ? constant(constant) : text(value), bad.rule());
        }
    }

    /**
     * A route policy of YAML: its limits, and its cost checked against them and the global limits, a bad cost
     * failing naming {@code property.cost}.
     */
    private static RoutePolicy policy(String property, String source, String key,
            RateLimitProperties.RouteScope scope, List<LimitSpec> limits, List<LimitSpec> global) {
        Mode mode = required(property + ".mode", scope.getMode());
        Duration maxWait = required(property + ".max-wait", scope.getMaxWait());
        try {
            RoutePolicy policy = new RoutePolicy(source, key, limits, scope.getCost(), mode, maxWait);
            policy.checkCost(global);
            return policy;
        } catch (InvalidTermException bad) {
            if (bad.term().equals("maxWait")) {
                throw new RateLimitConfigurationException(property + ".max-wait", text(maxWait), bad.rule());
            }
            throw new RateLimitConfigurationException(property + ".cost", String.valueOf(scope.getCost()), bad.rule());
        }
    }

    private static List<MvcRouteResolver.PathOverride> overrides(String prefix,
            List<RateLimitProperties.RouteOverride> routes, List<LimitSpec> global) {
        List<MvcRouteResolver.PathOverride> overrides = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            String property = prefix + "[" + i + "]";
            RateLimitProperties.RouteOverride route = routes.get(i);
            String pattern = pattern(property + ".pattern", route.getPattern());
            RoutePolicy policy = route.isExempt() ? null
                    : policy(property, property + " (" + pattern + ")", prefix + " (" + pattern + ")", route,
                            scope(property, route, "route"), global); // keyed by pattern: reordering keeps state
            overrides.add(new MvcRouteResolver.PathOverride(pattern, policy));
        }
        return overrides;
    }

    /**
     * The plans: each one's own limits, and the top level's where it sets none. A top-level policy a plan takes is
     * the same policy (its clients' state in a shared store is the same), its cost checked against the plan's global
     * limits too.
     */
    private Map<String, PlanSettings> plans(Map<String, RateLimitProperties.Plan> plans) {
        Map<String, PlanSettings> checked = new LinkedHashMap<>();
        for (Map.Entry<String, RateLimitProperties.Plan> entry : plans.entrySet()) {
            String name = entry.getKey();
            String property = "ratelimit.plans." + name;
            if (name.equals(PlanResolver.DEFAULT_PLAN)) {
                throw new RateLimitConfigurationException(property, name, "is the plan of the top-level limits:"
                        + " set them as ratelimit.global, ratelimit.per-route and ratelimit.routes");
            }
            if (!PLAN_NAME.matcher(name).matches()) {
                throw new RateLimitConfigurationException("ratelimit.plans", name,
                        "a plan's name must be 1 to 64 letters, digits, '_' or '-'");
            }
            RateLimitProperties.Plan plan = entry.getValue();
            List<LimitSpec> planGlobal = plan.getGlobal() == null ? global
                    : scope(property + ".global", plan.getGlobal(), "global");
            RoutePolicy planPerRoute = plan.getPerRoute() == null ? perRoute
                    : policy(property + ".per-route", property + ".per-route", property + ".per-route",
                            plan.getPerRoute(), scope(property + ".per-route", plan.getPerRoute(), "route"),
                            planGlobal);
            List<MvcRouteResolver.PathOverride> planRoutes =
                    new ArrayList<>(overrides(property + ".routes", plan.getRoutes(), planGlobal));
            if (planGlobal != global) { // the top-level policies it takes are taken with other global limits
                if (plan.getPerRoute() == null) {
                    checkCost(perRoute, "ratelimit.per-route", name, planGlobal);
                }
                for (int i = 0; i < overrides.size(); i++) {
                    RoutePolicy policy = overrides.get(i).policy();
                    if (policy != null && !hasPattern(planRoutes, overrides.get(i).pattern())) {
                        checkCost(policy, "ratelimit.routes[" + i + "]", name, planGlobal);
                    }
                }
            }
            planRoutes.addAll(overrides);
            checked.put(name, new PlanSettings(name, planGlobal, planPerRoute, List.copyOf(planRoutes),
                    plan.getPriority()));
        }
        return Collections.unmodifiableMap(checked);
    }

    /** Whether a plan's own routes have a pattern: one of the top level's of that pattern is never reached then. */
    private static boolean hasPattern(List<MvcRouteResolver.PathOverride> routes, String pattern) {
        for (MvcRouteResolver.PathOverride route : routes) {
            if (route.pattern().equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** Checks a top-level policy's cost against a plan's global limits, which it is taken from too. */
    private static void checkCost(RoutePolicy policy, String property, String plan, List<LimitSpec> global) {
        try {
            policy.checkCost(global);
        } catch (InvalidTermException bad) {
            throw new RateLimitConfigurationException(property + ".cost", String.valueOf(policy.cost()),
                    bad.rule() + " (in plan " + plan + ")");
        }
    }

    private static ExemptClients exemptClients(String property, RateLimitProperties.ExemptClients exempt) {
        List<String> addresses = exempt.getAddresses();
        for (int i = 0; i < addresses.size(); i++) {
            try {
                ExemptClients.of(List.of(addresses.get(i)), List.of());
            } catch (IllegalArgumentException bad) {
                throw new RateLimitConfigurationException(property + ".addresses[" + i + "]",
                        String.valueOf(addresses.get(i)), String.valueOf(bad.getMessage()));
            }
        }
        List<String> keys = exempt.getKeys();
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || keys.get(i).isBlank()) {
                throw new RateLimitConfigurationException(property + ".keys[" + i + "]", String.valueOf(keys.get(i)),
                        "must not be blank");
            }
        }
        return ExemptClients.of(addresses, keys);
    }

    private static List<String> patterns(String property, List<String> patterns) {
        List<String> checked = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            checked.add(pattern(property + "[" + i + "]", patterns.get(i)));
        }
        return checked;
    }

    private static String pattern(String property, @Nullable String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new RateLimitConfigurationException(property, String.valueOf(pattern), "must be a path pattern");
        }
        if (!pattern.startsWith("/")) {
            // Spring's parser takes anything as literal text ("test", "["): such a pattern would match no path.
            throw new RateLimitConfigurationException(property, pattern,
                    "must start with /, as the paths it is matched against do, e.g. /" + pattern.strip());
        }
        try {
            PathPatternParser.defaultInstance.parse(pattern);
        } catch (PatternParseException bad) {
            throw new RateLimitConfigurationException(property, pattern,
                    "is not a valid path pattern: " + bad.getMessage());
        }
        return pattern;
    }

    static RefundStatuses refundStatuses(String property, List<String> specs) {
        for (int i = 0; i < specs.size(); i++) {
            if (!RefundStatuses.isValid(specs.get(i))) {
                throw new RateLimitConfigurationException(property + "[" + i + "]", String.valueOf(specs.get(i)),
                        RefundStatuses.SPEC_RULE);
            }
        }
        return RefundStatuses.parse(specs);
    }

    private static MemoryRateLimitStore.CacheBounds cache(String property, RateLimitProperties.CacheBounds bounds) {
        if (bounds.getMaximumSize() <= 0) {
            throw new RateLimitConfigurationException(property + ".maximum-size",
                    String.valueOf(bounds.getMaximumSize()), "must be > 0");
        }
        Duration expire = bounds.getExpireAfterAccess();
        if (expire == null || expire.isNegative()) {
            throw new RateLimitConfigurationException(property + ".expire-after-access", text(expire),
                    "must be >= 0");
        }
        return new MemoryRateLimitStore.CacheBounds(bounds.getMaximumSize(), expire);
    }

    private static <T> T required(String property, T value) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            throw new RateLimitConfigurationException(property, String.valueOf(value), "must be set");
        }
        return value;
    }

    /**
     * Why a key under {@code ratelimit} bound nothing: it is not a rate limit property, with the nearest valid key
     * when one is close, else the keys where it stopped matching.
     *
     * @param unknown the key, as configured
     */
    static String unknownKey(ConfigurationPropertyName unknown) {
        String nearest = PropertyKeys.nearest(unknown);
        if (nearest != null) {
            return "is not a rate limit property; did you mean `" + nearest + "`?";
        }
        Map.Entry<String, PropertyKeys.Group> known = PropertyKeys.deepestMatch(unknown);
        return "is not a rate limit property; the keys under " + known.getKey() + " are "
                + String.join(", ", known.getValue().keys().keySet());
    }

    /** What an enum property takes: {@code must be one of memory, redis}. */
    static String choices(Class<?> enumType) {
        List<String> constants = new ArrayList<>();
        for (Object constant : enumType.getEnumConstants()) {
            constants.add(constant((Enum<?>) constant));
        }
        return "must be one of " + String.join(", ", constants);
    }

    /**
     * Why Spring Boot could not bind a value under {@code ratelimit} to its property's type.
     *
     * @param name the property
     * @param value the value as configured
     * @param type the property's type
     * @param failure what the conversion threw
     */
    static String unconvertible(ConfigurationPropertyName name, @Nullable Object value, Class<?> type,
            Throwable failure) {
        PropertyKeys.Key key = PropertyKeys.find(name);
        if (key != null && key.kind() != PropertyKeys.Kind.VALUE) {
            return "takes no value of its own, only the keys below it: "
                    + String.join(", ", key.group().keys().keySet());
        }
        if (type.isEnum()) {
            return choices(type);
        }
        if (type == boolean.class || type == Boolean.class) {
            return "must be true or false";
        }
        if (type == int.class || type == Integer.class) {
            return "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (type == long.class || type == Long.class) {
            return "must be a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        }
        if (type == Duration.class) {
            try {
                Durations.parse(String.valueOf(value));
            } catch (IllegalArgumentException bad) {
                return String.valueOf(bad.getMessage());
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return (type == URI.class ? "must be a URI: " : "cannot be read as " + type.getSimpleName() + ": ")
                + root.getMessage();
    }

    /** One line for the startup log. */
    String describe() {
        return (mode == Mode.SHADOW ? "in shadow mode (nothing refused), " : "") + "global " + describe(global) + ", per route " + describe(perRoute.limits())
                + (overrides.isEmpty() ? "" : ", " + overrides.size() + " route override(s)")
                + (plans.isEmpty() ? "" : ", plans " + plans.keySet())
                + (excludedPaths.isEmpty() ? "" : ", excluding " + excludedPaths)
                + (exemptClients.isEmpty() ? "" : ", exempt clients: " + exemptClients)
                + ", refund on " + refundStatuses
                + (redisStore ? ", shared through Redis (on failure: " + constant(redis.onFailure()) + ")"
                        : "");
    }

    static String describe(List<LimitSpec> limits) {
        StringBuilder text = new StringBuilder();
        for (LimitSpec limit : limits) {
            text.append(text.isEmpty() ? "" : " and ").append(LimitTerms.of(limit).describe());
        }
        return text.toString();
    }
}
