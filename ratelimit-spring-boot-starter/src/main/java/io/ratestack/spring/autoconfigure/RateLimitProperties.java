package io.ratestack.spring.autoconfigure;

import io.ratestack.spring.web.Algorithm;
import io.ratestack.spring.web.Mode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Rate limiting of HTTP requests, under {@code ratelimit}; the Redis store's settings are
 * {@link RateLimitRedisProperties} ({@code ratelimit.redis}) and the pacing of outgoing requests
 * {@link RateLimitClientProperties} ({@code ratelimit.client}). Unknown keys under {@code ratelimit} fail startup
 * ({@link RateLimitKeyCheck}).
 *
 * <pre>
 * ratelimit:
 *   global:          # per client, across every route
 *     limit: 10
 *     per: 10s
 *   per-route:       # per client, per route
 *     limit: 1
 *     per: 1s
 *   refund-statuses: [500]
 * </pre>
 */
@ConfigurationProperties(prefix = "ratelimit")
public class RateLimitProperties {

    /** Whether to rate limit HTTP requests. */
    private boolean enabled = true;

    /**
     * Whether limits refuse: `enforce`; or `shadow`, every request is counted and observed (metrics
     * `outcome=would-refuse`, an INFO line on the logger `io.ratestack.spring.web.RateLimitFilter.shadow`) but none is
     * refused, to see what limits would do before turning them on.
     */
    private Mode mode = Mode.ENFORCE;

    /** The limits of each client across every route. */
    private Scope global = new Scope(100, Duration.ofMinutes(1));

    /** The limits of each client on each route, unless a route has its own (`@RateLimit` or `routes`). */
    private RouteScope perRoute = new RouteScope(10, Duration.ofSeconds(1));

    /**
     * Per-route limits for the paths that match a pattern, first match wins; `@RateLimit` wins over these. Each item
     * has `pattern` (a Spring MVC path pattern starting with `/`, such as `/api/search/**`; required), the keys of a
     * limit (`algorithm`, `limit`, `per`, `name`, and the algorithm's own: `reset-offset`, `capacity`, `refill`,
     * `initial-tokens`, `burst`, `retry-after`; `limit` and `per` required unless `exempt`), `stacked` (more limits,
     * each with the keys of a limit), `cost` (what each request takes of every limit, 1 by default), `mode`
     * (`enforce`, or `shadow`: counted and observed, never refused), `max-wait` (how long a request they would refuse
     * may wait for room, `0s` by default) and `exempt` (`true`: those paths are not limited at all, global limit
     * included).
     */
    private List<RouteOverride> routes = new ArrayList<>();

    /**
     * Plans (tiers) of limits by name (`free`, `pro`...), for the clients that a `PlanResolver` bean puts on them;
     * the top-level limits are the plan `default`. Each plan has `global` (the keys of `ratelimit.global`, replacing
     * them), `per-route` (the keys of `ratelimit.per-route`, replacing them), `routes` (items with the keys of
     * `ratelimit.routes`, matched before the top-level ones) and `priority` (the order its waiting requests get room
     * in, higher first; 0 by default); a key a plan does not set is the top level's.
     */
    private Map<String, Plan> plans = new LinkedHashMap<>();

    /** Paths never rate limited, as Spring MVC path patterns starting with `/`, such as `/api/status/**`. */
    private List<String> excludedPaths = new ArrayList<>();

    /** Clients never limited, by address or by key, global limits included. */
    private ExemptClients exemptClients = new ExemptClients();

    /**
     * Whether requests to the actuator's endpoints (health probes, metric scrapes) are limited like any other. By
     * default they are not, whatever the endpoints' base path; on a separate management port they never are.
     */
    private boolean limitManagementEndpoints = false;

    /**
     * Response statuses whose use is refunded (does not count): a status (`500`), a class (`5xx`) or a range
     * (`500-504`). A handler that throws is always refunded.
     */
    private List<String> refundStatuses = new ArrayList<>(List.of("500"));

    /**
     * What identifies a route: `pattern`, the route Spring MVC matches (`/users/{id}`), so that path variants share
     * a limiter; or `path`, the literal path, as slowstack's tutorial does.
     */
    private RouteKey routeKey = RouteKey.PATTERN;

    /** How clients are told apart by address. */
    private ClientKey clientKey = new ClientKey();

    /** Bounds of the caches of per-client limiters. */
    private Caches cache = new Caches();

    /** The IETF `RateLimit` and `RateLimit-Policy` response headers. */
    private Headers headers = new Headers();

    /** The RFC 9457 body of a refused request. */
    private Problem problem = new Problem();

    /** The servlet filter. */
    private Filter filter = new Filter();

    /** Requests that wait for room (`max-wait`) instead of being refused at once. */
    private Queue queue = new Queue();

    /**
     * Where the limits' state lives: `memory`, in each instance on its own; or `redis`, shared by every instance
     * through Redis (needs `io.ratestack:ratelimit-redis` on the classpath; see `ratelimit.redis`).
     */
    private Store store = Store.MEMORY;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public Scope getGlobal() {
        return global;
    }

    public void setGlobal(Scope global) {
        this.global = global;
    }

    public RouteScope getPerRoute() {
        return perRoute;
    }

    public void setPerRoute(RouteScope perRoute) {
        this.perRoute = perRoute;
    }

    public List<RouteOverride> getRoutes() {
        return routes;
    }

    public void setRoutes(List<RouteOverride> routes) {
        this.routes = routes;
    }

    public Map<String, Plan> getPlans() {
        return plans;
    }

    public void setPlans(Map<String, Plan> plans) {
        this.plans = plans;
    }

    public List<String> getExcludedPaths() {
        return excludedPaths;
    }

    public void setExcludedPaths(List<String> excludedPaths) {
        this.excludedPaths = excludedPaths;
    }

    public ExemptClients getExemptClients() {
        return exemptClients;
    }

    public void setExemptClients(ExemptClients exemptClients) {
        this.exemptClients = exemptClients;
    }

    public boolean isLimitManagementEndpoints() {
        return limitManagementEndpoints;
    }

    public void setLimitManagementEndpoints(boolean limitManagementEndpoints) {
        this.limitManagementEndpoints = limitManagementEndpoints;
    }

    public List<String> getRefundStatuses() {
        return refundStatuses;
    }

    public void setRefundStatuses(List<String> refundStatuses) {
        this.refundStatuses = refundStatuses;
    }

    public RouteKey getRouteKey() {
        return routeKey;
    }

    public void setRouteKey(RouteKey routeKey) {
        this.routeKey = routeKey;
    }

    public ClientKey getClientKey() {
        return clientKey;
    }

    public void setClientKey(ClientKey clientKey) {
        this.clientKey = clientKey;
    }

    public Caches getCache() {
        return cache;
    }

    public void setCache(Caches cache) {
        this.cache = cache;
    }

    public Headers getHeaders() {
        return headers;
    }

    public void setHeaders(Headers headers) {
        this.headers = headers;
    }

    public Problem getProblem() {
        return problem;
    }

    public void setProblem(Problem problem) {
        this.problem = problem;
    }

    public Queue getQueue() {
        return queue;
    }

    public void setQueue(Queue queue) {
        this.queue = queue;
    }

    public Filter getFilter() {
        return filter;
    }

    public void setFilter(Filter filter) {
        this.filter = filter;
    }

    public Store getStore() {
        return store;
    }

    public void setStore(Store store) {
        this.store = store;
    }

    /** Where the limits' state lives. */
    public enum Store {
        /** In each instance's memory, on its own. */
        MEMORY,
        /** In Redis, shared by every instance. */
        REDIS
    }

    /** What identifies a route. */
    public enum RouteKey {
        /** The route pattern Spring MVC matches, such as {@code /users/{id}}. */
        PATTERN,
        /** The literal request path: every path variant gets a limiter of its own. */
        PATH
    }

    /** The keys of a times-per limit, {@code limit} uses per {@code per}: what every limit has. */
    public static class TimesPerLimit {

        /** Uses per window, at least 1 (with another `algorithm`, see its description). */
        private int limit;

        /**
         * The window, with a unit: `10s`, `1m`, `1d` or ISO-8601 `PT10S`, at most `36500d` (with another
         * `algorithm`, see its description).
         */
        private @Nullable Duration per;

        /**
         * Times-per only: shifts the end of each window, with a unit: positive to allow for network delay, negative
         * to end it sooner.
         */
        private Duration resetOffset = Duration.ZERO;

        /** The policy's name in the `RateLimit` headers; derived from the scope when not set. */
        private @Nullable String name;

        /** Whether {@code per} was configured rather than a scope's default. */
        private boolean perWritten;

        public TimesPerLimit() {
        }

        TimesPerLimit(int limit, Duration per) {
            this.limit = limit;
            this.per = per;
        }

        public int getLimit() {
            return limit;
        }

        public void setLimit(int limit) {
            this.limit = limit;
        }

        public @Nullable Duration getPer() {
            return per;
        }

        public void setPer(@Nullable Duration per) {
            this.per = per;
            this.perWritten = true;
        }

        /** Whether {@code per} was configured, rather than left at the scope's default. */
        boolean perWritten() {
            return perWritten;
        }

        public Duration getResetOffset() {
            return resetOffset;
        }

        public void setResetOffset(Duration resetOffset) {
            this.resetOffset = resetOffset;
        }

        public @Nullable String getName() {
            return name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }
    }

    /**
     * One limit of any algorithm: by default {@code limit} uses per {@code per}, in times-per windows;
     * {@code algorithm} picks another (see {@link Algorithm}), each taking its own keys besides {@code limit} and
     * {@code per}.
     */
    public static class Limit extends TimesPerLimit {

        /**
         * The algorithm: `times-per` (`limit` uses per `per`, in windows that start at a fresh window's first
         * completed use; in-flight uses count), `token-bucket` (`capacity` tokens, `limit` refilled per `per`),
         * `gcra` (`limit` per `per` evenly spaced, `burst` at once), `sliding-window` (`limit` per rolling `per`)
         * or `concurrency` (`limit` requests in flight at once; no `per`).
         */
        private Algorithm algorithm = Algorithm.TIMES_PER;

        /** Token bucket only: the most tokens the bucket holds, at least 1; `limit` by default. */
        private @Nullable Integer capacity;

        /**
         * Token bucket only: `greedy` (tokens come continuously, the default) or `interval` (a period's tokens at
         * once, at the end of each whole period).
         */
        private Algorithm.@Nullable Refill refill;

        /** Token bucket only: the tokens of a client's new bucket, from 0 to `capacity`; `capacity` by default. */
        private @Nullable Integer initialTokens;

        /** GCRA only: the uses that may come at once, at least 1; `limit` by default. */
        private @Nullable Integer burst;

        /** Concurrency only: the `Retry-After` of a refused request, with a unit; `1s` by default. */
        private @Nullable Duration retryAfter;

        public Limit() {
        }

        Limit(int limit, Duration per) {
            super(limit, per);
        }

        public Algorithm getAlgorithm() {
            return algorithm;
        }

        public void setAlgorithm(Algorithm algorithm) {
            this.algorithm = algorithm;
        }

        public @Nullable Integer getCapacity() {
            return capacity;
        }

        public void setCapacity(@Nullable Integer capacity) {
            this.capacity = capacity;
        }

        public Algorithm.@Nullable Refill getRefill() {
            return refill;
        }

        public void setRefill(Algorithm.@Nullable Refill refill) {
            this.refill = refill;
        }

        public @Nullable Integer getInitialTokens() {
            return initialTokens;
        }

        public void setInitialTokens(@Nullable Integer initialTokens) {
            this.initialTokens = initialTokens;
        }

        public @Nullable Integer getBurst() {
            return burst;
        }

        public void setBurst(@Nullable Integer burst) {
            this.burst = burst;
        }

        public @Nullable Duration getRetryAfter() {
            return retryAfter;
        }

        public void setRetryAfter(@Nullable Duration retryAfter) {
            this.retryAfter = retryAfter;
        }
    }

    /** The limits of a scope: one limit, and optionally more stacked on it (every one must admit). */
    public static class Scope extends Limit {

        /**
         * More limits that must admit too, such as 1000 per day on top of 10 per second. Each item has the keys of
         * a limit: `algorithm`, `limit`, `per`, `name`, and its algorithm's own: `reset-offset` (times-per),
         * `capacity`, `refill`, `initial-tokens` (token bucket), `burst` (GCRA), `retry-after` (concurrency).
         */
        private List<Limit> stacked = new ArrayList<>();

        public Scope() {
        }

        Scope(int limit, Duration per) {
            super(limit, per);
        }

        public List<Limit> getStacked() {
            return stacked;
        }

        public void setStacked(List<Limit> stacked) {
            this.stacked = stacked;
        }
    }

    /** The limits of a route: those of a scope, and the cost of each of its requests. */
    public static class RouteScope extends Scope {

        /**
         * What each request takes of every limit it uses (global and the route's), at least 1 and at most what each
         * admits at once; a `RequestCost` bean may compute it per request instead.
         */
        private int cost = 1;

        /**
         * Whether these routes' limits refuse (`enforce`) or only count and observe (`shadow`): a request they would
         * refuse is let through, still taking the global limits' use.
         */
        private Mode mode = Mode.ENFORCE;

        /**
         * How long a request that these routes' limits (or the global ones) would refuse may wait for room, in order
         * of its plan's priority, before it gets the 429; `0s`, the default, refuses at once; at most `1m`.
         */
        private Duration maxWait = Duration.ZERO;

        public RouteScope() {
        }

        RouteScope(int limit, Duration per) {
            super(limit, per);
        }

        public int getCost() {
            return cost;
        }

        public void setCost(int cost) {
            this.cost = cost;
        }

        public Mode getMode() {
            return mode;
        }

        public void setMode(Mode mode) {
            this.mode = mode;
        }

        public Duration getMaxWait() {
            return maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }
    }

    /** Per-route limits of the paths that match a pattern. */
    public static class RouteOverride extends RouteScope {

        /** The paths, as a Spring MVC path pattern starting with `/`, such as `/api/search/**`. */
        private @Nullable String pattern;

        /** Whether these paths are not limited at all, global limit included. */
        private boolean exempt;

        public @Nullable String getPattern() {
            return pattern;
        }

        public void setPattern(@Nullable String pattern) {
            this.pattern = pattern;
        }

        public boolean isExempt() {
            return exempt;
        }

        public void setExempt(boolean exempt) {
            this.exempt = exempt;
        }
    }

    /** The limits of one plan: each key it does not set is the top level's. */
    public static class Plan {

        /** The limits of each of the plan's clients across every route, in place of `ratelimit.global`. */
        private @Nullable Scope global;

        /** The limits of each of the plan's clients on each route, in place of `ratelimit.per-route`. */
        private @Nullable RouteScope perRoute;

        /**
         * Per-route limits of the plan's clients, matched before the top-level `ratelimit.routes`; each item has the
         * keys of theirs: `pattern`, the keys of a limit (`algorithm`, `limit`, `per`, `name`, `reset-offset`,
         * `capacity`, `refill`, `initial-tokens`, `burst`, `retry-after`), `stacked`, `cost`, `mode`, `max-wait` and
         * `exempt`.
         */
        private List<RouteOverride> routes = new ArrayList<>();

        /**
         * The order in which the plan's waiting requests (`max-wait`) get room: higher first, and the default plan's
         * `ratelimit.queue.default-priority` for the rest; equal ones in arrival order.
         */
        private int priority;

        public int getPriority() {
            return priority;
        }

        public void setPriority(int priority) {
            this.priority = priority;
        }

        public @Nullable Scope getGlobal() {
            return global;
        }

        public void setGlobal(@Nullable Scope global) {
            this.global = global;
        }

        public @Nullable RouteScope getPerRoute() {
            return perRoute;
        }

        public void setPerRoute(@Nullable RouteScope perRoute) {
            this.perRoute = perRoute;
        }

        public List<RouteOverride> getRoutes() {
            return routes;
        }

        public void setRoutes(List<RouteOverride> routes) {
            this.routes = routes;
        }
    }

    /** Clients that are never limited. */
    public static class ExemptClients {

        /**
         * Addresses and CIDR blocks whose clients are never limited, such as `10.0.0.0/8`, `2001:db8::/32` or
         * `203.0.113.7`: the request's address, or the client a trusted proxy named (`server.forward-headers-strategy`),
         * never a header the client sent.
         */
        private List<String> addresses = new ArrayList<>();

        /** Client keys, as the application's `ClientKeyResolver` returns them (an API key...), never limited. */
        private List<String> keys = new ArrayList<>();

        public List<String> getAddresses() {
            return addresses;
        }

        public void setAddresses(List<String> addresses) {
            this.addresses = addresses;
        }

        public List<String> getKeys() {
            return keys;
        }

        public void setKeys(List<String> keys) {
            this.keys = keys;
        }
    }

    /** How clients are keyed by address ({@code request.getRemoteAddr()}). */
    public static class ClientKey {

        /** How many leading bits of an IPv4 address identify a client, 1 to 32. */
        private int ipv4PrefixLength = 32;

        /** How many leading bits of an IPv6 address identify a client, 1 to 128; a host usually holds a /64. */
        private int ipv6PrefixLength = 64;

        public int getIpv4PrefixLength() {
            return ipv4PrefixLength;
        }

        public void setIpv4PrefixLength(int ipv4PrefixLength) {
            this.ipv4PrefixLength = ipv4PrefixLength;
        }

        public int getIpv6PrefixLength() {
            return ipv6PrefixLength;
        }

        public void setIpv6PrefixLength(int ipv6PrefixLength) {
            this.ipv6PrefixLength = ipv6PrefixLength;
        }
    }

    /** Bounds of the per-client limiters, kept in one cache entry per client with its global and routes' limiters. */
    public static class Caches {

        /** The clients kept, each with its global limiters. */
        private CacheBounds global = new CacheBounds(100_000);

        /** The client-route pairs kept, of all clients together, each with its per-route limiters. */
        private CacheBounds perRoute = new CacheBounds(200_000);

        public CacheBounds getGlobal() {
            return global;
        }

        public void setGlobal(CacheBounds global) {
            this.global = global;
        }

        public CacheBounds getPerRoute() {
            return perRoute;
        }

        public void setPerRoute(CacheBounds perRoute) {
            this.perRoute = perRoute;
        }
    }

    /** Bounds of the clients, or of the client-route pairs, kept. */
    public static class CacheBounds {

        /**
         * How many are kept at most. None is evicted to make room: while the bound is reached by limiters in use or
         * inside their windows, new clients (or client-route pairs) share one overflow budget with the same limits
         * (one per route policy), until limiters expire.
         */
        private long maximumSize;

        /**
         * How long idle limiters are kept at least. Limiters are always kept for at least as long as they take to
         * recover fully after their last use (a window, a token bucket's refill from empty), so that an idle client
         * never comes back to a fresh limit early; a shorter time frees room sooner once the bound is reached.
         */
        private Duration expireAfterAccess = Duration.ofMinutes(1);

        public CacheBounds() {
        }

        CacheBounds(long maximumSize) {
            this.maximumSize = maximumSize;
        }

        public long getMaximumSize() {
            return maximumSize;
        }

        public void setMaximumSize(long maximumSize) {
            this.maximumSize = maximumSize;
        }

        public Duration getExpireAfterAccess() {
            return expireAfterAccess;
        }

        public void setExpireAfterAccess(Duration expireAfterAccess) {
            this.expireAfterAccess = expireAfterAccess;
        }
    }

    /** Response headers. */
    public static class Headers {

        /** Whether responses carry the IETF `RateLimit` and `RateLimit-Policy` headers. */
        private boolean enabled = true;

        /**
         * Whether each item of the `RateLimit` header carries the draft's partition key (`pk`): 12 bytes of the
         * SHA-256 of the client's key (with the route's, for a route's limits), so that a client can tell which of
         * its requests count together (an IPv6 /64, an API key) without the key being echoed.
         */
        private boolean partitionKey;

        public boolean isPartitionKey() {
            return partitionKey;
        }

        public void setPartitionKey(boolean partitionKey) {
            this.partitionKey = partitionKey;
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The RFC 9457 problem details of a 429. */
    public static class Problem {

        /** The problem type URI. */
        private URI type = URI.create("https://iana.org/assignments/http-problem-types#quota-exceeded");

        /** The short summary of the problem type. */
        private String title = "Request cannot be satisfied as assigned quota has been exceeded";

        /** The explanation of the occurrence. */
        private String detail = "rate limited";

        public URI getType() {
            return type;
        }

        public void setType(URI type) {
            this.type = type;
        }

        public String getTitle() {
            return title;
        }

        public void setTitle(String title) {
            this.title = title;
        }

        public String getDetail() {
            return detail;
        }

        public void setDetail(String detail) {
            this.detail = detail;
        }
    }

    /** Requests that wait for room. */
    public static class Queue {

        /**
         * How many requests may wait for room at once in this instance, of every route; a request past them is
         * refused at once. Each waits on its request's thread: a virtual thread with `spring.threads.virtual.enabled`,
         * else a server thread that it holds while it waits, so keep this well below the server's threads.
         */
        private int maxWaiting = 50;

        /** The priority of the waiting requests of the default plan (see `ratelimit.plans.<name>.priority`). */
        private int defaultPriority;

        public int getMaxWaiting() {
            return maxWaiting;
        }

        public void setMaxWaiting(int maxWaiting) {
            this.maxWaiting = maxWaiting;
        }

        public int getDefaultPriority() {
            return defaultPriority;
        }

        public void setDefaultPriority(int defaultPriority) {
            this.defaultPriority = defaultPriority;
        }
    }

    /** The filter's place among the servlet filters. */
    public static class Filter {

        /**
         * The order of the filter. The default runs it after the filters that rewrite the request (forwarded
         * headers, method override, form content) and before Spring Security's chain (-100), so that a login
         * endpoint is limited against brute force.
         */
        private int order = -101;

        public int getOrder() {
            return order;
        }

        public void setOrder(int order) {
            this.order = order;
        }
    }
}
