package io.ratestack.spring.autoconfigure;

import io.ratestack.LimitSpec;
import io.ratestack.spring.web.ExemptClients;
import io.ratestack.spring.web.LimitTerms;
import io.ratestack.spring.web.Durations;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.RoutePolicy;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The actuator endpoint {@code ratelimits}: the effective policies (durations written as in YAML: {@code 10s}), the
 * {@code @RateLimit.Exempt} handlers, the exempt clients' address ranges (and how many keys, never the keys), the
 * caches' sizes, bounds and overflow budgets (what new clients share while a
 * bound is reached), and, given a client key
 * ({@code /actuator/ratelimits/203.0.113.5}, an IPv6 prefix such as {@code /actuator/ratelimits/2001:db8::/64}),
 * that client's limiters as they stand. The listing never names a client.
 */
@Endpoint(id = "ratelimits")
public class RateLimitsEndpoint {

    private final RateLimitRefresher limits;
    private final RemoteAddressClientKeyResolver addresses;

    /**
     * @param limits the limits in force, of every plan
     * @param addresses how addresses become keys, to find a client by any spelling of its address
     */
    public RateLimitsEndpoint(RateLimitRefresher limits, RemoteAddressClientKeyResolver addresses) {
        this.limits = limits;
        this.addresses = addresses;
    }

    /**
     * The effective policies, and the caches' sizes, bounds and overflow budgets: the default plan's at the top, and
     * each other plan's under {@code plans}.
     */
    @ReadOperation
    public Map<String, Object> policies() {
        RateLimitRefresher.Limits current = limits.limits();
        RateLimitRefresher.Plan main = current.defaultPlan();
        Map<String, Object> result = plan(main, null);
        if (main.routes() instanceof MvcRouteResolver routes) {
            Map<String, Object> annotated = new TreeMap<>();
            for (Map.Entry<Method, RoutePolicy> entry : routes.annotatedPolicies().entrySet()) {
                Method method = entry.getKey();
                annotated.put(entry.getValue().source() + signature(method),
                        limits(entry.getValue().limits()));
            }
            result.put("annotated", annotated);
            result.put("exemptHandlers", routes.exemptHandlers().stream()
                    .map(method -> method.getDeclaringClass().getName() + "." + method.getName() + signature(method))
                    .sorted().toList());
            result.put("excludedPaths", routes.excludedPaths());
        }
        Map<String, Object> queue = new LinkedHashMap<>();
        queue.put("waiting", limits.filter().waiting());
        queue.put("maxWaiting", current.settings().maxWaiting);
        result.put("queue", queue);
        ExemptClients exempt = current.settings().exemptClients;
        Map<String, Object> exemptClients = new LinkedHashMap<>();
        exemptClients.put("addresses", exempt.addresses());
        exemptClients.put("keys", exempt.keyCount());
        result.put("exemptClients", exemptClients);
        if (current.plans().size() > 1) {
            Map<String, Object> plans = new LinkedHashMap<>();
            for (RateLimitRefresher.Plan plan : current.plans().values()) {
                if (!plan.settings().name().equals(PlanResolver.DEFAULT_PLAN)) {
                    plans.put(plan.settings().name(), plan(plan, main.store()));
                }
            }
            result.put("plans", plans);
        }
        Map<String, Object> summary = main.store().summary();
        if (!summary.isEmpty()) {
            result.put("store", summary);
        }
        return result;
    }

    /** A plan's global, per-route and route limits, and its store's caches unless they are {@code shared}'s. */
    private static Map<String, Object> plan(RateLimitRefresher.Plan plan, @Nullable RateLimitStore shared) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("global", limits(plan.store().globalSpecs()));
        result.put("priority", plan.settings().priority());
        if (plan.routes() instanceof MvcRouteResolver) {
            result.put("perRoute", limits(plan.settings().perRoute().limits()));
            result.put("perRouteMaxWait", Durations.format(plan.settings().perRoute().maxWait()));
            List<Map<String, Object>> overrides = new ArrayList<>();
            for (MvcRouteResolver.PathOverride override : plan.settings().overrides()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("pattern", override.pattern());
                entry.put("exempt", override.policy() == null);
                RoutePolicy policy = override.policy();
                if (policy != null) {
                    entry.put("limits", limits(policy.limits()));
                    entry.put("cost", policy.cost());
                    entry.put("maxWait", Durations.format(policy.maxWait()));
                }
                overrides.add(entry);
            }
            result.put("routes", overrides);
        }
        if (plan.store() != shared && plan.store() instanceof MemoryRateLimitStore memory) {
            Map<String, Object> caches = new LinkedHashMap<>();
            caches.put("clients", memory.clientCount());
            caches.put("clientRoutes", memory.routeCount());
            caches.put("global", memory.globalCacheState());
            caches.put("perRoute", memory.routeCacheState());
            caches.put("overflow", memory.overflow());
            result.put("caches", caches);
        }
        return result;
    }

    /**
     * One client's limiters, found by its key as the filter keeps it, by any spelling of its address (an IPv6
     * address or prefix is grouped as the filter groups it), or by the key a {@code ClientKeyResolver} returned.
     *
     * @param key the client key, in parts when it holds a slash (an IPv6 prefix)
     * @return its limiters; with plans, by the names of the plans that share each store that keeps it
     *     ({@code {"default, internal": {...}, "pro": {...}}}); {@code null} (404) when none is kept, or when the store
     *     keeps no state in this instance (Redis)
     */
    @ReadOperation
    public @Nullable Object client(@Selector(match = Selector.Match.ALL_REMAINING) String[] key) {
        String client = String.join("/", key);
        RateLimitRefresher.Limits current = limits.limits();
        if (current.plans().size() == 1) {
            return current.defaultPlan().store() instanceof MemoryRateLimitStore memory
                    ? memory.find(client, addresses) : null;
        }
        Map<RateLimitStore, List<String>> plansOfStore = new LinkedHashMap<>();
        for (RateLimitRefresher.Plan plan : current.plans().values()) {
            plansOfStore.computeIfAbsent(plan.store(), store -> new ArrayList<>()).add(plan.settings().name());
        }
        Map<String, MemoryRateLimitStore.ClientState> states = new LinkedHashMap<>();
        plansOfStore.forEach((store, plans) -> {
            if (store instanceof MemoryRateLimitStore memory) {
                MemoryRateLimitStore.ClientState state = memory.find(client, addresses);
                if (state != null) {
                    states.put(String.join(", ", plans), state);
                }
            }
        });
        return states.isEmpty() ? null : states;
    }

    /** {@code (String, int)}: overloads stay apart. */
    private static String signature(Method method) {
        StringBuilder text = new StringBuilder("(");
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            text.append(i == 0 ? "" : ", ").append(types[i].getSimpleName());
        }
        return text.append(')').toString();
    }

    private static List<Map<String, Object>> limits(List<LimitSpec> limits) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (LimitSpec limit : limits) {
            result.add(LimitTerms.of(limit).keys());
        }
        return result;
    }
}
