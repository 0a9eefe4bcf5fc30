package io.ratestack.spring.web;

import io.ratestack.InvalidTermException;
import io.ratestack.LimitSpec;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.util.ClassUtils;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.function.support.RouterFunctionMapping;
import org.springframework.web.servlet.handler.BeanNameUrlHandlerMapping;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Resolves a request to the route Spring MVC will dispatch it to, before it is dispatched: it asks the application's
 * {@link HandlerMapping}s, in their order, as the {@code DispatcherServlet} will, on a view of the request whose
 * attributes are its own (the real request is left untouched). The route key is the matched pattern, such as
 * {@code /users/{id}}, so the variants of a path that reach one handler ({@code /users/1;x=y}, {@code /users/%31},
 * {@code /users/2}) share one limiter, and requests that match no route (a 404 such as {@code //users/1}, a 405)
 * share one key per client: no spelling of a path opens a fresh limiter.
 *
 * <p>Policies, first match wins: excluded paths (exempt); handlers of the exempt handler mappings (the actuator's
 * endpoints, by default); a handler's {@link RateLimit @RateLimit} or
 * {@link RateLimit.Exempt}, method over class; the first YAML override whose pattern matches the path; the default.
 * Excluded paths and overrides are matched with Spring MVC's own path patterns, on the path within the application.
 *
 * <p>Annotations are read once, after every singleton is created ({@link #initialize()}); a bad one fails startup.
 *
 * <p>Answers are remembered, up to {@value #REMEMBERED_ROUTES} of them (all forgotten when that many are), by what
 * decides them: the request's method, URI and context path. Only an answer that nothing else could change is
 * remembered: one that every handler mapping asked gave by method and path alone, as Spring's request-mapping, URL
 * and (empty) router-function mappings do, unless one of their handlers whose pattern matches the path has params,
 * headers, consumes, produces or custom conditions, or the mapping reads API versions. Any other mapping (one of the
 * application's own, a router function, Boot's welcome page) makes every request that reaches it resolved anew.
 * Each spelling of a path is remembered on its own, as it was resolved, so a variant maps to its route's limiter
 * whether remembered or not. Handler mappings registered after {@link #initialize()} are not seen by remembered
 * answers.
 *
 * <p>Public for the starter's auto-configuration (which builds and initializes it) and its actuator endpoint (which
 * reports its policies); not an extension point: a resolver of your own implements {@link RouteResolver}.
 */
public final class MvcRouteResolver implements RouteResolver {

    /** A per-route override of the defaults for the paths that match a pattern. */
    public record PathOverride(String pattern, @Nullable RoutePolicy policy) {
    }

    private final Handlers handlers;
    private final RoutePolicy defaultPolicy;
    private final List<PathPattern> excluded;
    private final List<PathPattern> overridePatterns;
    private final List<@Nullable RoutePolicy> overridePolicies;
    private final boolean keyByPath;
    private final Map<String, Route> defaultRoutes = new ConcurrentHashMap<>();
    /** Answers remembered by what decides them; emptied when full, so that a flood of paths keeps it bounded. */
    private final Map<LookupKey, Route> remembered = new ConcurrentHashMap<>();

    /**
     * The handler mappings and their handlers' annotations, read once and shared by this resolver and every one made
     * by {@link #withLimits}.
     */
    private static final class Handlers {
        final Supplier<List<HandlerMapping>> mappings;
        final Predicate<HandlerMapping> exempt;
        volatile @Nullable State state;

        Handlers(Supplier<List<HandlerMapping>> mappings, Predicate<HandlerMapping> exempt) {
            this.mappings = mappings;
            this.exempt = exempt;
        }
    }

    /** How many answers are remembered at most, by {@link LookupKey}. */
    static final int REMEMBERED_ROUTES = 4096;

    /** Whether Spring has API versioning (7.0+), whose mappings read a version from the request. */
    private static final boolean API_VERSIONS =
            ClassUtils.hasMethod(RequestMappingHandlerMapping.class, "getApiVersionStrategy");

    /**
     * @param mappings the handler mappings, in dispatch order
     * @param exempt per mapping, whether its handlers are exempt
     * @param conditions per mapping, what its answers depend on beyond the request's method and path
     */
    @SuppressWarnings("ArrayRecordComponent") // never compared: a snapshot, its flags read by index per request
    private record State(List<HandlerMapping> mappings, boolean[] exempt, Conditions[] conditions,
            Map<HandlerKey, Route> annotated, Map<Method, RoutePolicy> annotatedPolicies,
            List<Method> exemptHandlers) {
    }

    /** What decides a request's route when every mapping asked answers by method and path alone. */
    private record LookupKey(String method, String uri, String contextPath) {
    }

    /**
     * What a mapping's answers depend on beyond the request's method and path.
     *
     * @param any whether any answer may depend on anything (a mapping that Spring does not match by method and path)
     * @param patterns else, the path patterns of the handlers whose match may depend on more (params, headers,
     *     consumes, produces or a custom condition): the answer for a path that none of them matches does not
     */
    @SuppressWarnings("ArrayRecordComponent") // never compared
    private record Conditions(boolean any, PathPattern[] patterns) {
        static final Conditions NONE = new Conditions(false, new PathPattern[0]);
        static final Conditions ANY = new Conditions(true, new PathPattern[0]);
    }

    /** The longest URI whose route is remembered: a longer one is resolved anew each time, never kept. */
    private static final int LONGEST_REMEMBERED_URI = 512;

    /** A handler: its method and the controller type it runs on, which may inherit the method. */
    private record HandlerKey(Class<?> beanType, Method method) {
        static HandlerKey of(HandlerMethod handler) {
            return new HandlerKey(ClassUtils.getUserClass(handler.getBeanType()), handler.getMethod());
        }
    }

    /**
     * @param mappings the application's handler mappings in dispatch order, read at {@link #initialize()}
     * @param defaultPolicy the per-route limits of routes without annotation or override
     * @param excludedPatterns paths never limited, as Spring MVC path patterns ({@code /actuator/**})
     * @param overrides per-pattern policies, first match wins; a {@code null} policy exempts
     * @param keyByPath key per-route limiters by the literal path, as slowstack's tutorial does, instead of the
     *     matched pattern; every variant of a path then opens a limiter of its own
     * @param exemptMappings the handler mappings whose handlers are never limited, such as the actuator's: a
     *     request that one of them would dispatch is exempt, wherever its path
     */
    public MvcRouteResolver(Supplier<List<HandlerMapping>> mappings, RoutePolicy defaultPolicy,
            List<String> excludedPatterns, List<PathOverride> overrides, boolean keyByPath,
            Predicate<HandlerMapping> exemptMappings) {
        this(new Handlers(mappings, exemptMappings), defaultPolicy, excludedPatterns, overrides, keyByPath);
    }

    private MvcRouteResolver(Handlers handlers, RoutePolicy defaultPolicy, List<String> excludedPatterns,
            List<PathOverride> overrides, boolean keyByPath) {
        this.handlers = handlers;
        this.defaultPolicy = defaultPolicy;
        PathPatternParser parser = PathPatternParser.defaultInstance;
        this.excluded = excludedPatterns.stream().map(parser::parse).toList();
        this.overridePatterns = overrides.stream().map(o -> parser.parse(o.pattern())).toList();
        List<@Nullable RoutePolicy> policies = new ArrayList<>();
        overrides.forEach(o -> policies.add(o.policy()));
        this.overridePolicies = Collections.unmodifiableList(policies);
        this.keyByPath = keyByPath;
    }

    /**
     * A resolver of the same handler mappings, annotations and route keys with other YAML limits: those of another
     * plan, or the ones a refresh of the configuration brings. It shares this one's reading of the handler mappings
     * (and so its annotated handlers' policies), and remembers answers of its own.
     *
     * @param defaultPolicy the per-route limits of routes without annotation or override
     * @param excludedPatterns paths never limited
     * @param overrides per-pattern policies, first match wins; a {@code null} policy exempts
     * @return the resolver
     */
    public MvcRouteResolver withLimits(RoutePolicy defaultPolicy, List<String> excludedPatterns,
            List<PathOverride> overrides) {
        return new MvcRouteResolver(handlers, defaultPolicy, excludedPatterns, overrides, keyByPath);
    }

    /**
     * Reads the handler mappings and every handler method's annotations.
     *
     * @throws RateLimitConfigurationException if an annotation is bad; it names the method
     */
    public void initialize() {
        state();
    }

    /** The policies of annotated handler methods, for reporting. */
    public Map<Method, RoutePolicy> annotatedPolicies() {
        return state().annotatedPolicies();
    }

    /** The handler methods that {@link RateLimit.Exempt} (on the method or its class) exempts, for reporting. */
    public List<Method> exemptHandlers() {
        return state().exemptHandlers();
    }

    private State state() {
        State current = handlers.state;
        if (current == null) {
            synchronized (handlers) {
                current = handlers.state;
                if (current == null) {
                    current = load(handlers);
                    handlers.state = current;
                }
            }
        }
        return current;
    }

    private static State load(Handlers handlers) {
        List<HandlerMapping> mappings = List.copyOf(handlers.mappings.get());
        boolean[] exempt = new boolean[mappings.size()];
        for (int i = 0; i < exempt.length; i++) {
            exempt[i] = handlers.exempt.test(mappings.get(i));
        }
        Map<HandlerKey, Route> annotated = new HashMap<>();
        Map<Method, RoutePolicy> policies = new HashMap<>();
        List<Method> exemptHandlers = new ArrayList<>();
        for (HandlerMapping mapping : mappings) {
            if (mapping instanceof RequestMappingInfoHandlerMapping infoMapping) {
                for (HandlerMethod handler : infoMapping.getHandlerMethods().values()) {
                    HandlerKey key = HandlerKey.of(handler);
                    if (!annotated.containsKey(key)) {
                        Route route = annotatedRoute(key.beanType(), key.method(), policies);
                        if (route != null) {
                            annotated.put(key, route);
                            if (route.isExempt() && !exemptHandlers.contains(key.method())) {
                                exemptHandlers.add(key.method());
                            }
                        }
                    }
                }
            }
        }
        Conditions[] conditions = new Conditions[mappings.size()];
        for (int i = 0; i < conditions.length; i++) {
            conditions[i] = conditions(mappings.get(i));
        }
        return new State(mappings, exempt, conditions, Map.copyOf(annotated), Map.copyOf(policies),
                List.copyOf(exemptHandlers));
    }

    /** What a mapping's answers depend on beyond the request's method and path. */
    private static Conditions conditions(HandlerMapping mapping) {
        if (mapping instanceof RouterFunctionMapping functions) {
            return functions.getRouterFunction() == null ? Conditions.NONE : Conditions.ANY;
        }
        Class<?> type = mapping.getClass();
        if (type == SimpleUrlHandlerMapping.class || type == BeanNameUrlHandlerMapping.class) {
            return Conditions.NONE;
        }
        if (!(mapping instanceof RequestMappingInfoHandlerMapping infoMapping)
                || (API_VERSIONS && ApiVersions.versioned(infoMapping))) {
            return Conditions.ANY;
        }
        List<PathPattern> patterns = new ArrayList<>();
        for (RequestMappingInfo info : infoMapping.getHandlerMethods().keySet()) {
            if (info.getParamsCondition().isEmpty() && info.getHeadersCondition().isEmpty()
                    && info.getConsumesCondition().isEmpty() && info.getProducesCondition().isEmpty()
                    && info.getCustomCondition() == null) {
                continue;
            }
            PathPatternsRequestCondition paths = info.getPathPatternsCondition();
            if (paths == null) {
                return Conditions.ANY; // matched with the legacy path matcher: its patterns are not PathPatterns
            }
            patterns.addAll(paths.getPatterns());
        }
        return patterns.isEmpty() ? Conditions.NONE : new Conditions(false, patterns.toArray(new PathPattern[0]));
    }

    /** Spring 7's API versions, in a class of its own so that older Springs never load the calls. */
    private static final class ApiVersions {
        static boolean versioned(RequestMappingInfoHandlerMapping mapping) {
            return mapping instanceof RequestMappingHandlerMapping annotated
                    && annotated.getApiVersionStrategy() != null;
        }
    }

    /** The route of an annotated method ({@link Route#key()} unused but for exemption), or null. */
    private static @Nullable Route annotatedRoute(Class<?> type, Method method,
            Map<Method, RoutePolicy> policies) {
        if (AnnotatedElementUtils.hasAnnotation(method, RateLimit.Exempt.class)) {
            return Route.EXEMPT;
        }
        java.util.Set<RateLimit> onMethod = AnnotatedElementUtils.findMergedRepeatableAnnotations(method, RateLimit.class);
        if (onMethod.isEmpty() && AnnotatedElementUtils.hasAnnotation(type, RateLimit.Exempt.class)) {
            return Route.EXEMPT;
        }
        java.util.Set<RateLimit> limits = onMethod.isEmpty()
                ? AnnotatedElementUtils.findMergedRepeatableAnnotations(type, RateLimit.class)
                : onMethod;
        if (limits.isEmpty()) {
            return null;
        }
        String where = "@RateLimit on " + type.getName() + "." + method.getName();
        List<LimitSpec> specs = new ArrayList<>();
        int index = 0;
        int cost = 1;
        Mode mode = Mode.ENFORCE;
        String maxWait = "";
        for (RateLimit limit : limits) {
            if (!limit.maxWait().isEmpty()) {
                if (!maxWait.isEmpty() && !maxWait.equals(limit.maxWait())) {
                    throw new RateLimitConfigurationException(where, "maxWait = \"" + limit.maxWait() + "\"",
                            "maxWait is the request's: every @RateLimit of one handler gives the same, but another"
                                    + " gives \"" + maxWait + "\"");
                }
                maxWait = limit.maxWait();
            }
            if (limit.mode() == Mode.SHADOW) {
                mode = Mode.SHADOW;
            }
            index++;
            specs.add(spec(where, limit, limit.name().isEmpty() ? (index == 1 ? "route" : "route-" + index)
                    : limit.name()));
            if (limit.cost() != 1) {
                if (cost != 1 && cost != limit.cost()) {
                    throw new RateLimitConfigurationException(where, "cost = " + limit.cost(), "cost is the"
                            + " request's: every @RateLimit of one handler gives the same, but another gives " + cost);
                }
                cost = limit.cost();
            }
        }
        // Overloaded handlers share a name: the parameter types keep their policies apart in shared stores.
        RoutePolicy policy;
        try {
            policy = new RoutePolicy(where, where + parameterTypes(method), specs, cost, mode,
                    maxWait.isEmpty() ? Duration.ZERO : duration(where, "maxWait", maxWait));
        } catch (InvalidTermException bad) {
            throw new RateLimitConfigurationException(where, bad.term().equals("maxWait")
                    ? "maxWait = \"" + maxWait + "\"" : "cost = " + cost, bad.term() + " " + bad.rule());
        }
        policies.put(method, policy);
        return new Route("", policy);
    }

    /** {@code (java.lang.String,int)}. */
    private static String parameterTypes(Method method) {
        StringBuilder text = new StringBuilder("(");
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            text.append(i == 0 ? "" : ",").append(types[i].getTypeName());
        }
        return text.append(')').toString();
    }

    /**
     * A {@code @RateLimit}'s terms, checked by {@link LimitTerms}' rules (the core's, and which attributes each
     * algorithm takes); a term out of range fails naming the method and the attribute.
     */
    private static LimitSpec spec(String where, RateLimit limit, String name) {
        Duration per = limit.per().isEmpty() ? null : duration(where, "per", limit.per());
        Duration offset = duration(where, "resetOffset", limit.resetOffset());
        Duration retryAfter = limit.retryAfter().isEmpty() ? null : duration(where, "retryAfter", limit.retryAfter());
        try {
            return new LimitTerms(limit.algorithm(), limit.limit(), per, offset, unset(limit.capacity()),
                    limit.refill() == Algorithm.Refill.GREEDY ? null : limit.refill(), unset(limit.initialTokens()),
                    unset(limit.burst()), retryAfter, name).toSpec();
        } catch (InvalidTermException bad) {
            throw new RateLimitConfigurationException(where, attribute(limit, bad), bad.term() + " " + bad.rule());
        }
    }

    /** An int attribute whose default, -1, means not set. */
    private static @Nullable Integer unset(int value) {
        return value == -1 ? null : value;
    }

    /** The attribute a term is written in, as written: {@code limit = 0}, {@code per = "0s"}. */
    private static String attribute(RateLimit limit, InvalidTermException bad) {
        Object written = switch (bad.term()) {
            case "limit" -> limit.limit();
            case "per" -> "\"" + limit.per() + "\"";
            case "resetOffset" -> "\"" + limit.resetOffset() + "\"";
            case "retryAfter" -> "\"" + limit.retryAfter() + "\"";
            case "capacity" -> limit.capacity();
            case "initialTokens" -> limit.initialTokens();
            case "burst" -> limit.burst();
            case "refill" -> "Refill." + limit.refill().name();
            default -> "\"" + bad.value() + "\"";
        };
        return bad.term() + " = " + written;
    }

    private static Duration duration(String where, String attribute, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException bad) {
            throw new RateLimitConfigurationException(where, attribute + " = \"" + text + "\"",
                    attribute + " " + bad.getMessage());
        }
    }

    @Override
    public Route resolve(HttpServletRequest request) {
        if (CorsUtils.isPreFlightRequest(request)) {
            // A browser's CORS preflight reaches no handler; charging it would cost the real request its slot.
            return Route.EXEMPT;
        }
        State current = state();
        String uri = request.getRequestURI();
        String contextPath = request.getContextPath();
        String method = request.getMethod();
        @Nullable LookupKey lookupKey = uri == null || contextPath == null || method == null
                || uri.length() > LONGEST_REMEMBERED_URI ? null : new LookupKey(method, uri, contextPath);
        if (lookupKey != null) {
            Route known = remembered.get(lookupKey);
            if (known != null) {
                return known;
            }
        }
        RequestPath path = requestPath(request);
        PathContainer within = path.pathWithinApplication();
        for (PathPattern pattern : excluded) {
            if (pattern.matches(within)) {
                return remember(lookupKey, Route.EXEMPT);
            }
        }
        String pattern = Route.UNMATCHED;
        Object handler = null;
        RouteLookup lookup = new RouteLookup(request, path);
        List<HandlerMapping> mappings = current.mappings();
        int asked = 0;
        for (int i = 0; i < mappings.size(); i++) {
            HandlerExecutionChain chain;
            asked = i + 1;
            try {
                chain = mappings.get(i).getHandler(lookup);
            } catch (Exception noMatch) {
                // 405, 406, 415 and the like: the request reaches no handler.
                break;
            }
            if (chain != null) {
                if (current.exempt()[i]) {
                    return decidedByPath(current, asked, within) ? remember(lookupKey, Route.EXEMPT) : Route.EXEMPT;
                }
                handler = chain.getHandler();
                if (lookup.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE) instanceof String best) {
                    pattern = best;
                }
                break;
            }
        }
        Route route = route(current, handler, pattern, within);
        return decidedByPath(current, asked, within) ? remember(lookupKey, route) : route;
    }

    private Route remember(@Nullable LookupKey key, Route route) {
        if (key != null) {
            if (remembered.size() >= REMEMBERED_ROUTES) {
                remembered.clear(); // full of paths that came once: the ones that come again are soon back
            }
            remembered.put(key, route);
        }
        return route;
    }

    /**
     * Whether the first {@code asked} mappings answered by the request's method and path alone: none may answer by
     * anything, and none has a conditional handler whose pattern matches the path.
     */
    private static boolean decidedByPath(State current, int asked, PathContainer within) {
        for (int i = 0; i < asked; i++) {
            Conditions conditions = current.conditions()[i];
            if (conditions.any()) {
                return false;
            }
            for (PathPattern pattern : conditions.patterns()) {
                if (pattern.matches(within)) {
                    return false;
                }
            }
        }
        return true;
    }

    private Route route(State current, @Nullable Object handler, String pattern, PathContainer within) {
        String key = keyByPath ? within.value() : pattern;
        if (handler instanceof HandlerMethod method) {
            Route annotated = current.annotated().get(HandlerKey.of(method));
            if (annotated != null) {
                return annotated.isExempt() ? Route.EXEMPT : new Route(key, annotated.policy(), pattern);
            }
        }
        for (int i = 0; i < overridePatterns.size(); i++) {
            if (overridePatterns.get(i).matches(within)) {
                RoutePolicy policy = overridePolicies.get(i);
                return policy == null ? Route.EXEMPT : new Route(key, policy, pattern);
            }
        }
        if (keyByPath) {
            return new Route(key, defaultPolicy, pattern);
        }
        return defaultRoutes.computeIfAbsent(key, k -> new Route(k, defaultPolicy));
    }

    private static RequestPath requestPath(HttpServletRequest request) {
        if (ServletRequestPathUtils.hasParsedRequestPath(request)) {
            return ServletRequestPathUtils.getParsedRequestPath(request);
        }
        String uri = request.getRequestURI();
        String contextPath = request.getContextPath();
        return RequestPath.parse(uri == null || uri.isEmpty() ? "/" : uri, contextPath == null ? "" : contextPath);
    }

    /** The per-route defaults. */
    public RoutePolicy defaultPolicy() {
        return defaultPolicy;
    }

    /** The YAML overrides, by pattern; a {@code null} policy exempts. */
    public List<PathOverride> overrides() {
        List<PathOverride> overrides = new ArrayList<>();
        for (int i = 0; i < overridePatterns.size(); i++) {
            overrides.add(new PathOverride(overridePatterns.get(i).getPatternString(), overridePolicies.get(i)));
        }
        return overrides;
    }

    /** The paths never limited. */
    public List<String> excludedPaths() {
        return excluded.stream().map(PathPattern::getPatternString).toList();
    }

    /**
     * The request as handler mappings see it, with attributes of its own: the mappings record what they matched
     * here, and the real request keeps none of it.
     */
    private static final class RouteLookup extends HttpServletRequestWrapper {

        private static final Object REMOVED = new Object();
        private final Map<String, Object> attributes = new HashMap<>();

        RouteLookup(HttpServletRequest request, RequestPath path) {
            super(request);
            attributes.put(ServletRequestPathUtils.PATH_ATTRIBUTE, path);
        }

        @Override
        public @Nullable Object getAttribute(String name) {
            Object value = attributes.get(name);
            if (value == REMOVED) {
                return null;
            }
            return value != null ? value : super.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, @Nullable Object value) {
            attributes.put(name, value == null ? REMOVED : value);
        }

        @Override
        public void removeAttribute(String name) {
            attributes.put(name, REMOVED);
        }
    }
}
