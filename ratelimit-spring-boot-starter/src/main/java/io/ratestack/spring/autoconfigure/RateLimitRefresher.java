package io.ratestack.spring.autoconfigure;

import io.ratestack.InvalidTermException;
import io.ratestack.LimitSpec;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.RequestCost;
import io.ratestack.spring.web.RoutePolicy;
import io.ratestack.spring.web.RouteResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/**
 * Changes the limits of a running application: reads {@code ratelimit.*} again and applies what it says to the
 * requests that come next, without a restart. The starter calls {@link #refresh()} when Spring Cloud's
 * {@code EnvironmentChangeEvent} names a key under {@code ratelimit} (an {@code /actuator/refresh}, a config server's
 * push); an application that changes limits itself calls {@link #set(Map)}.
 *
 * <pre>{@code
 * refresher.set(Map.of("ratelimit.plans.pro.per-route.limit", "20",
 *         "ratelimit.plans.pro.per-route.per", "1s"));
 * }</pre>
 *
 * <p>What a refresh changes: the limits (global, per-route, routes, plans), excluded paths, exempt clients, modes,
 * costs, refund statuses, the headers and the problem body. A client keeps the state of every limit whose terms did
 * not change; the limits that changed start afresh for every client (on the Redis store, their keys carry their
 * terms). A change of the global limits of a plan (or of the top level) starts that plan's clients afresh on every
 * limit when the store is in memory, since a client's limiters live together there. Requests on their way end with
 * the limits they started with. The store, Redis, cache bounds, client keys, route keys, the filter's order and
 * whether the actuator is limited are read at startup only: a refresh that changes them logs a WARN naming them and
 * keeps them as they were.
 *
 * <p>A refresh whose configuration is invalid changes nothing: it is logged at ERROR naming the property, the value
 * and why, as a bad value fails startup, and the limits in force stay.
 *
 * <p>Thread-safe: refreshes are applied one at a time.
 */
public final class RateLimitRefresher {

    private static final Log LOG = LogFactory.getLog(RateLimitRefresher.class);

    /** The name of the property source that {@link #set(Map)} writes to, ahead of every other. */
    public static final String PROPERTY_SOURCE_NAME = "ratelimitRuntime";

    private final ConfigurableEnvironment environment;
    private final ClassLoader classLoader;
    private final RouteResolver routes;
    private final RateLimitStore store;
    private final ClientKeyResolver clientKeys;
    private final RateLimitObserver observer;
    private final RequestCost costs;
    private final PlanResolver planResolver;
    private final RateLimitSettings startup;
    private final StartupOnly startupOnly;
    private final RateLimitFilter filter;
    private volatile Limits current;
    /** Overflow requests of in-memory stores that a refresh replaced: global, per-route; guarded by itself. */
    private final long[] retiredOverflow = new long[2];

    /**
     * One plan's limits and what applies them.
     *
     * @param settings its limits
     * @param routes its routes' resolver
     * @param store its clients' limiters
     */
    record Plan(RateLimitSettings.PlanSettings settings, RouteResolver routes, RateLimitStore store) {
    }

    /**
     * The limits in force.
     *
     * @param settings the settings they were made of
     * @param properties the properties those were made of
     * @param plans every plan, the default one first
     */
    record Limits(RateLimitSettings settings, RateLimitProperties properties, Map<String, Plan> plans) {

        Plan defaultPlan() {
            return Objects.requireNonNull(plans.get(PlanResolver.DEFAULT_PLAN));
        }
    }

    /** The properties read at startup only that the settings do not hold, as they were then. */
    private record StartupOnly(boolean enabled, int ipv4PrefixLength, int ipv6PrefixLength,
            RateLimitProperties.RouteKey routeKey, boolean limitManagementEndpoints, int filterOrder) {
        static StartupOnly of(RateLimitProperties properties) {
            return new StartupOnly(properties.isEnabled(), properties.getClientKey().getIpv4PrefixLength(),
                    properties.getClientKey().getIpv6PrefixLength(), properties.getRouteKey(),
                    properties.isLimitManagementEndpoints(), properties.getFilter().getOrder());
        }
    }

    RateLimitRefresher(ConfigurableEnvironment environment, ClassLoader classLoader, RateLimitSettings settings,
            RateLimitProperties properties, RouteResolver routes, RateLimitStore store, ClientKeyResolver clientKeys,
            RateLimitObserver observer, RequestCost costs, PlanResolver planResolver) {
        this.environment = environment;
        this.classLoader = classLoader;
        this.routes = routes;
        this.store = store;
        this.clientKeys = clientKeys;
        this.observer = observer;
        this.costs = costs;
        this.planResolver = planResolver;
        this.startup = settings;
        this.startupOnly = StartupOnly.of(properties);
        this.current = limits(settings, properties, null);
        this.filter = builder(current).build();
    }

    /** The filter, which applies the limits in force. */
    RateLimitFilter filter() {
        return filter;
    }

    /** The limits in force. */
    Limits limits() {
        return current;
    }

    /**
     * Reads {@code ratelimit.*} from the environment again and applies it to the requests that come next.
     *
     * @throws RateLimitConfigurationException naming the property, the value and why, if the configuration is
     *     invalid: the limits in force stay, and the reason is logged at ERROR
     */
    public synchronized void refresh() {
        Limits next;
        try {
            BindHandler handler = new RateLimitKeyCheck().apply(new RateLimitWrittenValueCheck(environment)
                    .apply(new IgnoreTopLevelConverterNotFoundBindHandler()));
            Binder binder = Binder.get(environment);
            RateLimitProperties properties = binder.bindOrCreate("ratelimit",
                    Bindable.of(RateLimitProperties.class), handler);
            RateLimitRedisProperties redis = binder.bindOrCreate("ratelimit.redis",
                    Bindable.of(RateLimitRedisProperties.class), handler);
            RateLimitSettings settings = new RateLimitSettings(properties, redis, classLoader);
            next = limits(settings, properties, current);
            checkAnnotations(next);
        } catch (RuntimeException invalid) {
            RateLimitConfigurationException problem = RateLimitFailureAnalyzer.firstProblem(invalid);
            LOG.error("Rate limits not changed: the refreshed configuration is invalid, so the limits in force stay: "
                    + (problem != null ? problem.getMessage() : invalid.toString()));
            throw problem != null ? problem : invalid;
        }
        List<String> ignored = startupOnlyChanges(next);
        if (!ignored.isEmpty()) {
            LOG.warn("Rate limit properties read at startup only changed and are kept as they were until a restart: "
                    + String.join(", ", ignored));
        }
        filter.apply(builder(next));
        synchronized (retiredOverflow) { // a metrics scrape sees the old stores or the new ones, never both or neither
            List<MemoryRateLimitStore> before = memoryStores();
            current = next;
            List<MemoryRateLimitStore> after = memoryStores();
            for (MemoryRateLimitStore retired : before) {
                if (!after.contains(retired)) {
                    retiredOverflow[0] += retired.globalCacheState().overflowRequests();
                    retiredOverflow[1] += retired.routeCacheState().overflowRequests();
                }
            }
        }
        LOG.info("Rate limits changed (clients keep the state of limits whose terms did not change): "
                + next.settings().describe());
    }

    /**
     * Sets properties under {@code ratelimit} (in a property source of its own, {@value #PROPERTY_SOURCE_NAME},
     * ahead of every other and kept by later refreshes) and refreshes. Values are written as in a properties file
     * ({@code "20"}, {@code "1s"}); a {@code null} value removes the key set before, so that the configuration's own
     * value applies again. Spring Boot's {@code RateLimitProperties} bean keeps the values it was bound with.
     *
     * @param properties the keys, each starting with {@code ratelimit.}, and their values
     * @throws IllegalArgumentException if a key is not under {@code ratelimit}
     * @throws RateLimitConfigurationException if the configuration they make is invalid: nothing is set, and the
     *     limits in force stay
     */
    public synchronized void set(Map<String, ?> properties) {
        for (String key : properties.keySet()) {
            if (!key.startsWith("ratelimit.")) {
                throw new IllegalArgumentException("not a rate limit property: " + key);
            }
        }
        MutablePropertySources sources = environment.getPropertySources();
        var before = sources.get(PROPERTY_SOURCE_NAME);
        Map<String, Object> values = new LinkedHashMap<>();
        if (before instanceof MapPropertySource map) {
            values.putAll(map.getSource());
        }
        properties.forEach((key, value) -> {
            if (value == null) {
                values.remove(key);
            } else {
                values.put(key, value);
            }
        });
        MapPropertySource after = new MapPropertySource(PROPERTY_SOURCE_NAME, values);
        if (before == null) {
            sources.addFirst(after);
        } else {
            sources.replace(PROPERTY_SOURCE_NAME, after);
        }
        try {
            refresh();
        } catch (RuntimeException invalid) {
            if (before == null) {
                sources.remove(PROPERTY_SOURCE_NAME);
            } else {
                sources.replace(PROPERTY_SOURCE_NAME, before);
            }
            throw invalid;
        }
    }

    /**
     * Checks every {@code @RateLimit}'s cost against the global limits of every plan, which its requests take too.
     *
     * @throws RateLimitConfigurationException naming the method if one could never pass
     */
    void checkAnnotations() {
        checkAnnotations(current);
    }

    private void checkAnnotations(Limits limits) {
        if (!(routes instanceof MvcRouteResolver mvc)) {
            return;
        }
        for (RoutePolicy policy : mvc.annotatedPolicies().values()) {
            for (Plan plan : limits.plans().values()) {
                try {
                    policy.checkCost(plan.store().globalSpecs());
                } catch (InvalidTermException bad) {
                    String name = plan.settings().name();
                    throw new RateLimitConfigurationException(policy.source(), "cost = " + policy.cost(), "cost "
                            + bad.rule() + (name.equals(PlanResolver.DEFAULT_PLAN) ? "" : " (in plan " + name + ")"));
                }
            }
        }
    }

    /**
     * The plans of {@code settings}, each with its resolver and store. Policies of the same terms as before are the
     * ones before, and stores of the same configured global limits too, so their clients keep their state. Stores are
     * known by the global limits configured for them, not by what they hold: the application's store is the top
     * level's, whatever its own global limits, until the configured ones change.
     */
    private Limits limits(RateLimitSettings settings, RateLimitProperties properties, @Nullable Limits previous) {
        Map<String, RoutePolicy> policies = new HashMap<>();
        Map<List<LimitSpec>, RateLimitStore> stores = new HashMap<>();
        if (previous == null) {
            stores.put(settings.global, store);
        } else {
            for (Plan plan : previous.plans().values()) {
                stores.putIfAbsent(plan.settings().global(), plan.store());
                policies.putIfAbsent(plan.settings().perRoute().key(), plan.settings().perRoute());
                for (MvcRouteResolver.PathOverride override : plan.settings().overrides()) {
                    RoutePolicy policy = override.policy();
                    if (policy != null) {
                        policies.putIfAbsent(policy.key(), policy);
                    }
                }
            }
        }
        List<RateLimitSettings.PlanSettings> all = new ArrayList<>();
        all.add(new RateLimitSettings.PlanSettings(PlanResolver.DEFAULT_PLAN, settings.global, settings.perRoute,
                settings.overrides, settings.defaultPriority));
        all.addAll(settings.plans.values());
        Map<String, Plan> plans = new LinkedHashMap<>();
        for (RateLimitSettings.PlanSettings plan : all) {
            RoutePolicy perRoute = kept(policies, plan.perRoute());
            List<MvcRouteResolver.PathOverride> overrides = new ArrayList<>();
            for (MvcRouteResolver.PathOverride override : plan.overrides()) {
                RoutePolicy policy = override.policy();
                overrides.add(policy == null ? override
                        : new MvcRouteResolver.PathOverride(override.pattern(), kept(policies, policy)));
            }
            RateLimitSettings.PlanSettings kept =
                    new RateLimitSettings.PlanSettings(plan.name(), plan.global(), perRoute, List.copyOf(overrides),
                            plan.priority());
            boolean startupDefault = previous == null && plan.name().equals(PlanResolver.DEFAULT_PLAN);
            checkOwnRoutes(plan, settings);
            plans.put(plan.name(), new Plan(kept, planRoutes(kept, settings, startupDefault),
                    stores.computeIfAbsent(plan.global(), global -> store(plan.name(), global))));
        }
        return new Limits(settings, properties, Collections.unmodifiableMap(plans));
    }

    /** The policy before of the same terms, or {@code policy}. */
    private static RoutePolicy kept(Map<String, RoutePolicy> before, RoutePolicy policy) {
        RoutePolicy known = before.get(policy.key());
        if (known != null && known.hasSameTerms(policy)) {
            return known;
        }
        before.put(policy.key(), policy);
        return policy;
    }

    /** A plan's route resolver: the starter's with the plan's limits, or the application's own. */
    private RouteResolver planRoutes(RateLimitSettings.PlanSettings plan, RateLimitSettings settings,
            boolean startupDefault) {
        if (routes instanceof MvcRouteResolver mvc) {
            return startupDefault ? mvc : mvc.withLimits(plan.perRoute(), settings.excludedPaths, plan.overrides());
        }
        return routes;
    }

    /**
     * Fails if a named plan sets per-route limits or routes of its own while the application's route resolver decides
     * routes' limits: they would apply to nothing.
     *
     * @param plan the plan as the settings give it (its policies the settings' own, not ones kept from before)
     */
    private void checkOwnRoutes(RateLimitSettings.PlanSettings plan, RateLimitSettings settings) {
        if (routes instanceof MvcRouteResolver || plan.name().equals(PlanResolver.DEFAULT_PLAN)) {
            return;
        }
        boolean ownPerRoute = plan.perRoute() != settings.perRoute; // the settings' own objects: a plan's are its own
        if (ownPerRoute || plan.overrides().size() != settings.overrides.size()) {
            String property = "ratelimit.plans." + plan.name() + (ownPerRoute ? ".per-route" : ".routes");
            throw new RateLimitConfigurationException(property, ownPerRoute ? plan.perRoute().toString()
                    : plan.overrides().size() - settings.overrides.size() + " route(s)",
                    "a plan's per-route limits and routes apply to the starter's route resolver, but the application's"
                            + " RouteResolver (" + routes.getClass().getName() + ") decides routes' limits");
        }
    }

    /** A store of other global limits, of the kind of the application's store. */
    private RateLimitStore store(String plan, List<LimitSpec> global) {
        try {
            return store.withGlobalLimits(global);
        } catch (UnsupportedOperationException unsupported) {
            throw new RateLimitConfigurationException(
                    plan.equals(PlanResolver.DEFAULT_PLAN) ? "ratelimit.global" : "ratelimit.plans." + plan + ".global",
                    RateLimitSettings.describe(global), "needs a store that takes other global limits than "
                            + RateLimitSettings.describe(store.globalSpecs()) + ": " + unsupported.getMessage());
        }
    }

    private RateLimitFilter.Builder builder(Limits limits) {
        RateLimitSettings settings = limits.settings();
        Plan main = limits.defaultPlan();
        RateLimitFilter.Builder builder = RateLimitFilter.builder(main.routes(), main.store(),
                        main.settings().perRoute())
                .clientKeys(clientKeys)
                .addresses(startup.addresses)
                .refundStatuses(settings.refundStatuses)
                .problem(settings.problem)
                .headers(limits.properties().getHeaders().isEnabled())
                .partitionKeys(limits.properties().getHeaders().isPartitionKey())
                .observer(observer)
                .unavailableStatus(startup.redis.failClosedStatus())
                .exemptClients(settings.exemptClients)
                .costs(costs)
                .mode(settings.mode)
                .planResolver(planResolver)
                .defaultPriority(settings.defaultPriority)
                .maxWaiting(settings.maxWaiting);
        for (Plan plan : limits.plans().values()) {
            if (!plan.settings().name().equals(PlanResolver.DEFAULT_PLAN)) {
                builder.plan(plan.settings().name(), plan.routes(), plan.store(), plan.settings().perRoute(),
                        plan.settings().priority());
            }
        }
        return builder;
    }

    /** The keys read at startup only whose values differ from startup's. */
    private List<String> startupOnlyChanges(Limits next) {
        RateLimitSettings settings = next.settings();
        StartupOnly now = StartupOnly.of(next.properties());
        StartupOnly then = startupOnly;
        List<String> changed = new ArrayList<>();
        add(changed, "ratelimit.enabled", then.enabled() != now.enabled());
        add(changed, "ratelimit.store", startup.redisStore != settings.redisStore);
        add(changed, "ratelimit.redis", !startup.redis.equals(settings.redis));
        add(changed, "ratelimit.cache", !startup.globalCache.equals(settings.globalCache)
                || !startup.routeCache.equals(settings.routeCache));
        add(changed, "ratelimit.client-key", then.ipv4PrefixLength() != now.ipv4PrefixLength()
                || then.ipv6PrefixLength() != now.ipv6PrefixLength());
        add(changed, "ratelimit.route-key", then.routeKey() != now.routeKey());
        add(changed, "ratelimit.limit-management-endpoints",
                then.limitManagementEndpoints() != now.limitManagementEndpoints());
        add(changed, "ratelimit.filter.order", then.filterOrder() != now.filterOrder());
        return changed;
    }

    private static void add(List<String> changed, String key, boolean differs) {
        if (differs) {
            changed.add(key);
        }
    }

    /**
     * How many requests found a bound of an in-memory store reached since startup, replaced stores' included.
     *
     * @param global the clients' bound, else the client-route pairs'
     */
    long overflowRequests(boolean global) {
        synchronized (retiredOverflow) {
            long sum = retiredOverflow[global ? 0 : 1];
            for (MemoryRateLimitStore store : memoryStores()) {
                sum += (global ? store.globalCacheState() : store.routeCacheState()).overflowRequests();
            }
            return sum;
        }
    }

    /** Every distinct in-memory store of the limits in force, the default plan's first. */
    List<MemoryRateLimitStore> memoryStores() {
        List<MemoryRateLimitStore> memory = new ArrayList<>();
        for (Plan plan : current.plans().values()) {
            if (plan.store() instanceof MemoryRateLimitStore stored && !memory.contains(stored)) {
                memory.add(stored);
            }
        }
        return memory;
    }
}
